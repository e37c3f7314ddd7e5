/**
 * The sound items make by themselves, placed in the world:
 *
 *   RadioStationRuntime (media layer, key 3): an item whose params carry a
 *     streamUrl plays that stream. One <audio> element per URL (through the
 *     daemon's /media proxy when it is elsewhere), shared by every item that
 *     plays it, with a chain per item: channel routing (stereo, mono, left,
 *     right: params.mediaChannel) → effect (mediaEffect, mediaEffectValue) →
 *     gain (params.mediaVolume) → pan.
 *   ItemEmitRuntime (item layer, key 2): an item whose params (or type)
 *     carry an emitSound loops it at its place, with emitVolume, emitRange,
 *     emitSoundSpeed / emitSoundTempo (playback rate with and without pitch),
 *     emitInitialDelay and emitLoopDelay, through emitEffect / emitEffectValue.
 *
 * Both are driven by these parameter names, the media contract of
 * docs/protocol.md §7.7, never by an item type: any plugin whose items carry
 * them is heard. An item plays while params.enabled is not false; it is
 * subscribed within its range plus SUBSCRIBE_MARGIN and released beyond its
 * range plus RELEASE_MARGIN, and releasing the last user of a stream ends
 * its request upstream. A stream that fails is retried with a growing wait,
 * and said once.
 */
import { resolveSpatialMix } from './spatial.js';
import { soundUrl } from './urls.js';
import { volumePercentToGain } from '../text.js';
import { buildEffect, dropEffect } from './effects.js';

export const SUBSCRIBE_MARGIN = 5;
export const RELEASE_MARGIN = 8;
const DEFAULT_RANGE = 15;
const RETRY_FIRST_MS = 5000;
const RETRY_MAX_MS = 60000;
const GLIDE = 0.0667;
/** Directional sources: the reference's cone and what is left behind. */
const CONE = 120;
const REAR_GAIN = 0.4;

/** @param {any} v @param {number} def */
function num(v, def) {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) ? n : def;
}

/** @param {any} v */
function on(v) {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return !/^(off|false|0|no)$/i.test(v.trim());
  if (typeof v === 'number') return v !== 0;
  return true;
}

/** 0 → 0.5×, 50 → 1×, 100 → 2× @param {number} v */
function rateOf(v) {
  const c = Math.min(100, Math.max(0, v));
  return c <= 50 ? 0.5 + c / 100 : 1 + (c - 50) / 50;
}

/**
 * What an item asks of the runtimes, read from its params and its type's
 * global values.
 * @param {any} item @param {Record<string, any>} globals
 */
export function itemAudioSpec(item, globals) {
  const p = item.params || {};
  const pick = (/** @type {string} */ k) => (p[k] !== undefined ? p[k] : globals[k]);
  const range = num(pick('emitRange'), DEFAULT_RANGE);
  const directional = pick('directional') === true || pick('directional') === 'true' || (typeof pick('directional') === 'string' && /^(on|yes|1)$/i.test(pick('directional')));
  return {
    enabled: on(p.enabled),
    streamUrl: soundUrl(p.streamUrl),
    emitUrl: soundUrl(p.emitSound !== undefined && p.emitSound !== '' ? p.emitSound : item.emitSound ?? globals.emitSound),
    range: Math.max(1, range > 0 ? range : DEFAULT_RANGE),
    mediaGain: volumePercentToGain(num(p.mediaVolume, 50)),
    emitGain: volumePercentToGain(num(p.emitVolume, 100)),
    channel: typeof p.mediaChannel === 'string' ? p.mediaChannel.trim().toLowerCase() : 'stereo',
    directional: directional ? { facing: num(pick('facing'), 0), cone: CONE, rearGain: REAR_GAIN } : undefined,
    speed: rateOf(num(pick('emitSoundSpeed'), 50)),
    tempo: rateOf(num(pick('emitSoundTempo'), 50)),
    initialDelay: Math.min(300, Math.max(0, num(pick('emitInitialDelay'), 0))),
    loopDelay: Math.min(300, Math.max(0, num(pick('emitLoopDelay'), 0))),
    mediaEffect: typeof p.mediaEffect === 'string' ? p.mediaEffect.trim().toLowerCase() : 'off',
    mediaEffectValue: num(p.mediaEffectValue, 50),
    emitEffect: typeof pick('emitEffect') === 'string' ? String(pick('emitEffect')).trim().toLowerCase() : 'off',
    emitEffectValue: num(pick('emitEffectValue'), 50),
  };
}

/**
 * @typedef {{ el: HTMLAudioElement, node: MediaElementAudioSourceNode, users: number,
 *             failures: number, retryAt: number, said: boolean, title: string }} Stream
 * @typedef {{ input: AudioNode, pre: AudioNode, nodes: AudioNode[], gain: GainNode, panner: StereoPannerNode,
 *             effect: import('./effects.js').Effect | null, effectKey: string }} Parts
 * @typedef {Parts & { url: string, channel: string }} Chain
 */

/**
 * An element for a URL, played into Web Audio. Nothing is fetched until play().
 * @param {AudioContext} ctx @param {string} url
 */
function newElement(ctx, url) {
  const el = new Audio();
  el.preload = 'none';
  el.src = url;
  const node = ctx.createMediaElementSource(el);
  return { el, node };
}

/** Stop an element's download for good: the request upstream ends. @param {HTMLAudioElement} el */
function endElement(el) {
  el.pause();
  el.removeAttribute('src');
  el.load();
}

/**
 * The per-item chain from a source: channel routing, gain, pan, to bus.
 * @param {AudioContext} ctx @param {string} channel @param {AudioNode} bus
 */
function buildChain(ctx, channel, bus) {
  const gain = ctx.createGain();
  gain.gain.value = 0;
  const panner = ctx.createStereoPanner();
  gain.connect(panner);
  panner.connect(bus);
  /** @type {AudioNode[]} */
  const nodes = [];
  // Routing → pre → the effect (setEffect) → gain.
  const pre = ctx.createGain();
  nodes.push(pre);
  // Two channels whatever the source has (a mono stream is put in both).
  const input = ctx.createGain();
  input.channelCount = 2;
  input.channelCountMode = 'explicit';
  input.channelInterpretation = 'speakers';
  if (channel === 'mono') {
    const mono = ctx.createGain();
    mono.channelCount = 1;
    mono.channelCountMode = 'explicit';
    mono.channelInterpretation = 'speakers';
    input.connect(mono);
    mono.connect(pre);
    nodes.push(mono);
  } else if (channel === 'left' || channel === 'right') {
    const split = ctx.createChannelSplitter(2);
    const merge = ctx.createChannelMerger(2);
    const ch = channel === 'left' ? 0 : 1;
    input.connect(split);
    split.connect(merge, ch, ch);
    merge.connect(pre);
    nodes.push(split, merge);
  } else input.connect(pre);
  return /** @type {Parts} */ ({ input, pre, nodes, gain, panner, effect: null, effectKey: '' });
}

/**
 * Put an effect between a chain's routing and its gain; only a change of
 * effect or level rebuilds it (the stream plays on).
 * @param {AudioContext} ctx @param {Parts} c @param {string} name @param {number} level
 */
function setEffect(ctx, c, name, level) {
  const key = `${name} ${level}`;
  if (c.effectKey === key) return;
  c.effectKey = key;
  c.pre.disconnect();
  if (c.effect) dropEffect(c.effect);
  c.effect = buildEffect(ctx, name, level);
  c.pre.connect(c.effect.input);
  c.effect.output.connect(c.gain);
}

/** @param {Parts} c */
function dropChain(c) {
  if (c.effect) dropEffect(c.effect);
  for (const n of [c.input, ...c.nodes, c.gain, c.panner]) n.disconnect();
}

export class ItemAudio {
  /**
   * @param {{ engine: import('./engine.js').AudioEngine, say: (text: string) => void,
   *           globals: (type: string) => Record<string, any> }} deps
   */
  constructor(deps) {
    this.deps = deps;
    /** @type {Map<string, Stream>} url → shared radio stream */ this.streams = new Map();
    /** @type {Map<string, Chain>} itemId → radio chain */ this.radios = new Map();
    /** @type {Map<string, any>} itemId → emitter */ this.emitters = new Map();
    /** When each emitter's loop began (wall clock), kept while it is out of range so it stays in step. @type {Map<string, number>} */
    this.origins = new Map();
    /** @type {WeakMap<object, { globals: any, item: any, spec: ReturnType<typeof itemAudioSpec> }>} */
    this.specs = new WeakMap();
    this.media = true;
    this.item = true;
    /** @type {GainNode | null} */ this.mediaBus = null;
    /** @type {GainNode | null} */ this.itemBus = null;
  }

  /** @returns {AudioContext | null} */
  ctx() {
    const e = this.deps.engine;
    if (!e.ctx) return null;
    if (!this.mediaBus) {
      this.mediaBus = e.ctx.createGain();
      this.mediaBus.connect(e.master);
      this.itemBus = e.ctx.createGain();
      this.itemBus.connect(e.master);
    }
    return e.ctx;
  }

  /** Key 3. @param {boolean} on */
  setMediaLayer(on) {
    this.media = on;
    if (!on) for (const id of [...this.radios.keys()]) this.releaseRadio(id);
  }

  /** Key 2. @param {boolean} on */
  setItemLayer(on) {
    this.item = on;
    if (!on) for (const id of [...this.emitters.keys()]) this.releaseEmitter(id);
  }

  /**
   * Every tick: subscribe, release and place.
   * @param {Map<string, any>} items @param {{ x: number, y: number }} listener
   * @param {(item: any) => { x: number, y: number }} placeOf
   */
  update(items, listener, placeOf) {
    const ctx = this.ctx();
    if (!ctx) return;
    const now = Date.now();
    for (const id of [...this.radios.keys()]) if (!items.has(id)) this.releaseRadio(id);
    for (const id of [...this.emitters.keys()]) if (!items.has(id)) this.releaseEmitter(id, true);
    for (const item of items.values()) {
      const spec = this.specOf(item);
      const at = placeOf(item);
      const dx = at.x - listener.x;
      const dy = at.y - listener.y;
      const d = Math.hypot(dx, dy);
      this.updateRadio(ctx, item, spec, d, dx, dy, now);
      this.updateEmitter(ctx, item, spec, d, dx, dy, now);
    }
  }

  /**
   * An item's spec, read again only when its params (replaced, never changed
   * in place, by every new version) or its type's globals change.
   * @param {any} item
   */
  specOf(item) {
    const globals = this.deps.globals(item.type);
    const params = item.params && typeof item.params === 'object' ? item.params : null;
    const hit = params ? this.specs.get(params) : undefined;
    if (hit && hit.globals === globals && hit.item === item) return hit.spec;
    const spec = itemAudioSpec(item, globals);
    if (params) this.specs.set(params, { globals, item, spec });
    return spec;
  }

  /** @param {any} item @param {ReturnType<typeof itemAudioSpec>} spec */
  wantsRadio(item, spec) {
    return this.media && spec.enabled && !!spec.streamUrl;
  }

  /**
   * @param {AudioContext} ctx @param {any} item @param {ReturnType<typeof itemAudioSpec>} spec
   * @param {number} d @param {number} dx @param {number} dy @param {number} now
   */
  updateRadio(ctx, item, spec, d, dx, dy, now) {
    let chain = this.radios.get(item.id);
    if (chain && (!this.wantsRadio(item, spec) || d > spec.range + RELEASE_MARGIN || chain.url !== spec.streamUrl || chain.channel !== spec.channel)) {
      this.releaseRadio(item.id);
      chain = undefined;
    }
    if (!chain) {
      if (!this.wantsRadio(item, spec) || d > spec.range + SUBSCRIBE_MARGIN) return;
      const s = this.stream(ctx, spec.streamUrl, item.title || 'radio');
      if (s.retryAt > now) return;
      const c = buildChain(ctx, spec.channel, /** @type {GainNode} */ (this.mediaBus));
      s.node.connect(c.input);
      s.users += 1;
      chain = { url: spec.streamUrl, channel: spec.channel, ...c };
      this.radios.set(item.id, chain);
      this.play(s);
    }
    setEffect(ctx, chain, spec.mediaEffect, spec.mediaEffectValue);
    this.place(chain, dx, dy, spec.range, spec.mediaGain, 1, spec.directional);
  }

  /**
   * The shared stream of a URL.
   * @param {AudioContext} ctx @param {string} url @param {string} title
   * @returns {Stream}
   */
  stream(ctx, url, title) {
    let s = this.streams.get(url);
    // A stream that failed keeps its count (the wait grows) until it plays again.
    if (s && (s.el.getAttribute('src') || s.retryAt > Date.now())) return s;
    const prev = s;
    s = undefined;
    {
      const { el, node } = newElement(ctx, url);
      const made = /** @type {Stream} */ ({ el, node, users: 0, failures: prev ? prev.failures : 0, retryAt: 0, said: prev ? prev.said : false, title });
      el.addEventListener('error', () => this.streamFailed(url, made));
      el.addEventListener('playing', () => {
        if (made.failures && made.said) this.deps.say(`${made.title}: stream playing again.`);
        made.failures = 0;
        made.said = false;
      });
      s = made;
      this.streams.set(url, s);
    }
    return s;
  }

  /** @param {Stream} s */
  play(s) {
    const p = s.el.play();
    if (p) p.catch(() => { /* an error event follows when the stream fails */ });
  }

  /**
   * A stream failed: its users let go, and it is tried again after a wait
   * that doubles up to a minute. Said once until it plays again.
   * @param {string} url @param {Stream} s
   */
  streamFailed(url, s) {
    if (this.streams.get(url) !== s || !s.el.getAttribute('src')) return;
    s.failures += 1;
    s.retryAt = Date.now() + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (s.failures - 1));
    if (!s.said) {
      s.said = true;
      this.deps.say(`${s.title}: the stream is unavailable; trying again.`);
    }
    for (const [id, c] of [...this.radios]) if (c.url === url) this.releaseRadio(id);
    endElement(s.el);
  }

  /** @param {string} id */
  releaseRadio(id) {
    const c = this.radios.get(id);
    if (!c) return;
    this.radios.delete(id);
    dropChain(c);
    const s = this.streams.get(c.url);
    if (!s) return;
    s.users = Math.max(0, s.users - 1);
    if (s.users) return;
    // The last listener gone: the element stops and its request upstream ends.
    endElement(s.el);
    s.node.disconnect();
    if (!s.failures) this.streams.delete(c.url);
  }

  /**
   * @param {AudioContext} ctx @param {any} item @param {ReturnType<typeof itemAudioSpec>} spec
   * @param {number} d @param {number} dx @param {number} dy @param {number} now
   */
  updateEmitter(ctx, item, spec, d, dx, dy, now) {
    let em = this.emitters.get(item.id);
    const wanted = this.item && spec.enabled && !!spec.emitUrl;
    if (em && (!wanted || d > spec.range + RELEASE_MARGIN || em.url !== spec.emitUrl)) {
      this.releaseEmitter(item.id, em.url !== spec.emitUrl || !spec.enabled);
      em = undefined;
    }
    if (!em) {
      if (!wanted || d > spec.range + SUBSCRIBE_MARGIN) return;
      const { el, node } = newElement(ctx, spec.emitUrl);
      el.preload = 'auto';
      const c = buildChain(ctx, 'stereo', /** @type {GainNode} */ (this.itemBus));
      node.connect(c.input);
      const key = `${item.id} ${spec.emitUrl}`;
      if (!this.origins.has(key)) this.origins.set(key, now + spec.initialDelay * 1000);
      em = { url: spec.emitUrl, key, el, node, ...c, timer: 0, spec, alive: true };
      this.emitters.set(item.id, em);
      el.addEventListener('loadedmetadata', () => this.syncEmitter(em));
      el.addEventListener('ended', () => this.syncEmitter(em));
      el.load();
    }
    if (em.spec.speed !== spec.speed || em.spec.tempo !== spec.tempo || em.spec.loopDelay !== spec.loopDelay) {
      em.spec = spec;
      this.syncEmitter(em);
    }
    em.spec = spec;
    setEffect(ctx, em, spec.emitEffect, spec.emitEffectValue);
    this.place(em, dx, dy, spec.range, spec.emitGain, 1, spec.directional);
  }

  /**
   * Put an emitter where a loop running since its origin would be: playing at
   * the right offset, or waiting for its next start.
   * @param {any} em
   */
  syncEmitter(em) {
    if (!em.alive) return;
    clearTimeout(em.timer);
    const el = /** @type {HTMLAudioElement} */ (em.el);
    const duration = el.duration;
    if (!Number.isFinite(duration) || duration <= 0) return;
    const rate = Math.min(4, Math.max(0.25, em.spec.speed * em.spec.tempo));
    el.playbackRate = rate;
    el.preservesPitch = em.spec.speed === 1;
    const played = duration / rate;
    const cycle = played + em.spec.loopDelay;
    const origin = this.origins.get(em.key) ?? Date.now();
    const since = (Date.now() - origin) / 1000;
    if (since < 0) {
      el.pause();
      em.timer = window.setTimeout(() => this.syncEmitter(em), -since * 1000);
      return;
    }
    const pos = since % cycle;
    if (pos < played) {
      el.loop = em.spec.loopDelay === 0;
      const want = pos * rate;
      if (Math.abs(el.currentTime - want) > 0.25) el.currentTime = want;
      const p = el.play();
      if (p) p.catch(() => {});
      if (!el.loop) em.timer = window.setTimeout(() => this.syncEmitter(em), (played - pos) * 1000 + 20);
    } else {
      el.pause();
      em.timer = window.setTimeout(() => this.syncEmitter(em), (cycle - pos) * 1000);
    }
  }

  /** @param {string} id @param {boolean} [forget] forget its loop's timing too */
  releaseEmitter(id, forget = false) {
    const em = this.emitters.get(id);
    if (!em) return;
    this.emitters.delete(id);
    em.alive = false;
    clearTimeout(em.timer);
    endElement(em.el);
    em.node.disconnect();
    dropChain(em);
    if (forget) this.origins.delete(em.key);
  }

  /**
   * @param {{ gain: GainNode, panner: StereoPannerNode }} c
   * @param {number} dx @param {number} dy @param {number} range @param {number} base @param {number} near
   * @param {import('./spatial.js').Directional} [directional]
   */
  place(c, dx, dy, range, base, near, directional) {
    const e = this.deps.engine;
    const mix = resolveSpatialMix(dx, dy, range, base, near, directional);
    const t = e.ctx.currentTime;
    const pan = e.mono || (dx === 0 && dy === 0) ? 0 : Math.max(-1, Math.min(1, mix.pan));
    c.gain.gain.setTargetAtTime(mix.gain, t, GLIDE);
    c.panner.pan.setTargetAtTime(pan, t, GLIDE);
  }

  /** Everything stops (disconnect). */
  stopAll() {
    for (const id of [...this.radios.keys()]) this.releaseRadio(id);
    for (const id of [...this.emitters.keys()]) this.releaseEmitter(id, true);
    for (const s of this.streams.values()) endElement(s.el);
    this.streams.clear();
    this.origins.clear();
  }

  /** For the tests: what is playing. */
  summary() {
    return {
      streams: [...this.streams.entries()].map(([url, s]) => ({ url, users: s.users, failures: s.failures, paused: s.el.paused })),
      radios: [...this.radios.keys()],
      emitters: [...this.emitters.entries()].map(([id, e]) => ({ id, url: e.url, paused: e.el.paused, rate: e.el.playbackRate, preservesPitch: e.el.preservesPitch, time: e.el.currentTime })),
    };
  }
}
