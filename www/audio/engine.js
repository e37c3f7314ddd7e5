/**
 * AudioEngine: the one AudioContext, its master and effect buses, the
 * microphone chain that peers receive, per-peer spatial voices, samples and UI
 * tones.
 *
 *   mic → inputGain (mic gain) → voice effect → outbound (MediaStreamDestination) → peers
 *                                            ↘ loopbackGain → master
 *   (the effect is swapped inside the graph: the track peers receive never changes)
 *   peer stream → gain → StereoPanner → voiceBus → master → destination
 *   samples and tones → sfx → master
 */
import { resolveSpatialMix } from './spatial.js';
import { HEARING_RADIUS } from '../constants.js';
import { buildEffect, dropEffect } from './effects.js';

const GLIDE = 0.2 / 3;

/** @typedef {{ source: MediaStreamAudioSourceNode, gain: GainNode, panner: StereoPannerNode }} VoiceNodes */

export class AudioEngine {
  constructor() {
    /** @type {AudioContext | null} */ this.ctx = null;
    /** @type {GainNode | null} */ this.master = null;
    /** @type {GainNode | null} */ this.sfx = null;
    /** @type {GainNode | null} */ this.voiceBus = null;
    /** @type {GainNode | null} */ this.inputGain = null;
    /** @type {GainNode | null} */ this.loopbackGain = null;
    /** @type {MediaStreamAudioDestinationNode | null} */ this.outbound = null;
    /** @type {MediaStreamAudioSourceNode | null} */ this.micSource = null;
    /** The outgoing voice effect and its chain (built with the context). */
    this.effect = { name: 'off', level: 50 };
    /** @type {import('./effects.js').Effect | null} */ this.effectChain = null;
    /** @type {Map<string, VoiceNodes>} */ this.voices = new Map();
    /** @type {Map<string, Promise<AudioBuffer | null>>} */ this.buffers = new Map();
    /** One-shot sounds placed in the world, re-placed as the listener moves. @type {Set<{ gain: GainNode, panner: StereoPannerNode, x: number, y: number, range: number, base: number, src: AudioBufferSourceNode }>} */
    this.placed = new Set();
    /** The listener's square, for sounds placed in the world. */
    this.listener = { x: 0, y: 0 };
    this.masterVolume = 50;
    this.micGain = 2;
    this.mono = false;
    this.loopback = false;
    this.voiceLayer = true;
    this.outputDeviceId = '';
  }

  /** Create (once) and resume the context. Call from a user gesture when possible. */
  ensureContext() {
    if (!this.ctx) {
      const Ctor = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
      const ctx = /** @type {AudioContext} */ (new Ctor());
      this.ctx = ctx;
      this.master = ctx.createGain();
      this.master.gain.value = this.masterVolume / 100;
      this.master.connect(ctx.destination);
      this.sfx = ctx.createGain();
      this.sfx.connect(this.master);
      this.voiceBus = ctx.createGain();
      this.voiceBus.gain.value = this.voiceLayer ? 1 : 0;
      this.voiceBus.connect(this.master);
      this.inputGain = ctx.createGain();
      this.inputGain.gain.value = this.micGain;
      this.outbound = ctx.createMediaStreamDestination();
      this.outbound.channelCount = 1;
      this.loopbackGain = ctx.createGain();
      this.loopbackGain.gain.value = this.loopback ? 1 : 0;
      this.loopbackGain.connect(this.master);
      this.setVoiceEffect(this.effect.name, this.effect.level);
      if (this.outputDeviceId) this.setOutputDevice(this.outputDeviceId);
    }
    if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
    return this.ctx;
  }

  /** The processed microphone track peers receive (silent until a mic is attached). */
  outboundTrack() {
    this.ensureContext();
    return this.outbound.stream.getAudioTracks()[0] || null;
  }

  /** @param {MediaStream | null} stream raw capture, or null to detach */
  setInputStream(stream) {
    this.ensureContext();
    if (this.micSource) {
      this.micSource.disconnect();
      this.micSource = null;
    }
    if (stream && stream.getAudioTracks().length) {
      this.micSource = this.ctx.createMediaStreamSource(stream);
      this.micSource.connect(this.inputGain);
    }
  }

  /** @param {number} percent 0..100 */
  setMasterVolume(percent) {
    this.masterVolume = percent;
    if (this.master) this.master.gain.setTargetAtTime(percent / 100, this.ctx.currentTime, 0.02);
  }

  /** @param {number} gain */
  setMicGain(gain) {
    this.micGain = gain;
    if (this.inputGain) this.inputGain.gain.setTargetAtTime(gain, this.ctx.currentTime, 0.02);
  }

  /**
   * The effect on the outgoing voice (what peers, the SFU and the loopback
   * hear): a new chain replaces the old one between the mic gain and the
   * outbound destination, so no connection is renegotiated.
   * @param {string} name an effect id of audio/effects.js ('off' for none)
   * @param {number} level 0..100
   */
  setVoiceEffect(name, level) {
    this.effect = { name, level };
    if (!this.ctx || !this.inputGain) return;
    const old = this.effectChain;
    const chain = buildEffect(this.ctx, name, level);
    this.inputGain.connect(chain.input);
    chain.output.connect(this.outbound);
    chain.output.connect(this.loopbackGain);
    this.effectChain = chain;
    if (old) {
      this.inputGain.disconnect(old.input);
      dropEffect(old);
    }
  }

  /** @param {boolean} on */
  setLoopback(on) {
    this.loopback = on;
    if (this.loopbackGain) this.loopbackGain.gain.setTargetAtTime(on ? 1 : 0, this.ctx.currentTime, 0.02);
  }

  /** @param {boolean} mono */
  setMono(mono) {
    this.mono = mono;
  }

  /** @param {boolean} on */
  setVoiceLayer(on) {
    this.voiceLayer = on;
    if (this.voiceBus) this.voiceBus.gain.setTargetAtTime(on ? 1 : 0, this.ctx.currentTime, 0.02);
  }

  /** Route output to a chosen device where the browser allows it. @param {string} deviceId */
  setOutputDevice(deviceId) {
    this.outputDeviceId = deviceId;
    const ctx = /** @type {any} */ (this.ctx);
    if (ctx && typeof ctx.setSinkId === 'function') {
      ctx.setSinkId(deviceId || '').catch(() => {});
    }
  }

  /** @param {string} peerId @param {MediaStream} stream */
  attachVoice(peerId, stream) {
    this.ensureContext();
    this.detachVoice(peerId);
    const source = this.ctx.createMediaStreamSource(stream);
    const gain = this.ctx.createGain();
    gain.gain.value = 0;
    const panner = this.ctx.createStereoPanner();
    source.connect(gain);
    gain.connect(panner);
    panner.connect(this.voiceBus);
    this.voices.set(peerId, { source, gain, panner });
  }

  /** @param {string} peerId */
  detachVoice(peerId) {
    const v = this.voices.get(peerId);
    if (!v) return;
    v.source.disconnect();
    v.gain.disconnect();
    v.panner.disconnect();
    this.voices.delete(peerId);
  }

  /**
   * Place a peer's voice: dx, dy from the listener, times its listen gain.
   * @param {string} peerId @param {number} dx @param {number} dy @param {number} listenGain
   */
  placeVoice(peerId, dx, dy, listenGain) {
    const v = this.voices.get(peerId);
    if (!v) return;
    const mix = resolveSpatialMix(dx, dy, HEARING_RADIUS, 1, 1.5);
    const t = this.ctx.currentTime;
    v.gain.gain.setTargetAtTime(mix.gain * listenGain, t, GLIDE);
    v.panner.pan.setTargetAtTime(this.mono ? 0 : Math.max(-1, Math.min(1, mix.pan)), t, GLIDE);
  }

  /** @param {string} url */
  loadBuffer(url) {
    let p = this.buffers.get(url);
    if (!p) {
      p = fetch(url)
        .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(String(r.status)))))
        .then((data) => this.ensureContext().decodeAudioData(data))
        .catch(() => null);
      this.buffers.set(url, p);
    }
    return p;
  }

  /**
   * Play a sample, optionally placed in space.
   * @param {string} url
   * @param {{ gain?: number, fadeMs?: number, dx?: number, dy?: number, range?: number, loop?: boolean }} [opts]
   * @returns {Promise<{ stop: () => void } | null>}
   */
  async playSample(url, opts = {}) {
    if (!this.ctx) return null;
    const buffer = await this.loadBuffer(url);
    if (!buffer || !this.ctx) return null;
    const ctx = this.ctx;
    let gainValue = opts.gain ?? 1;
    let pan = 0;
    if (opts.dx !== undefined && opts.dy !== undefined) {
      const mix = resolveSpatialMix(opts.dx, opts.dy, opts.range ?? HEARING_RADIUS, gainValue);
      if (mix.gain <= 0) return null;
      gainValue = mix.gain;
      pan = this.mono ? 0 : mix.pan;
    }
    if (gainValue <= 0) return null;
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.loop = !!opts.loop;
    const g = ctx.createGain();
    const panner = ctx.createStereoPanner();
    panner.pan.value = pan;
    const t = ctx.currentTime;
    if (opts.fadeMs) {
      g.gain.setValueAtTime(0, t);
      g.gain.linearRampToValueAtTime(gainValue, t + opts.fadeMs / 1000);
    } else g.gain.value = gainValue;
    src.connect(g);
    g.connect(panner);
    panner.connect(this.sfx);
    src.start();
    src.onended = () => { g.disconnect(); panner.disconnect(); };
    return { stop: () => { try { src.stop(); } catch { /* already stopped */ } } };
  }

  /**
   * A one-shot sample at a square of the world: it keeps its place while the
   * listener moves (updateListener re-pans it), and is silent beyond range.
   * Resolves when it has ended (at once when it cannot play).
   * @param {string} url
   * @param {{ x: number, y: number, range?: number, gain?: number, bus?: GainNode | null }} at
   * @returns {{ stop: () => void, ended: Promise<void> }}
   */
  playAt(url, at) {
    /** @type {AudioBufferSourceNode | null} */
    let src = null;
    let stopped = false;
    const ended = (async () => {
      if (!this.ctx) return;
      const buffer = await this.loadBuffer(url);
      if (!buffer || !this.ctx || stopped) return;
      const ctx = this.ctx;
      src = ctx.createBufferSource();
      const node = { gain: ctx.createGain(), panner: ctx.createStereoPanner(), x: at.x, y: at.y, range: at.range ?? HEARING_RADIUS, base: at.gain ?? 1, src };
      src.buffer = buffer;
      this.placeNode(node, true);
      src.connect(node.gain);
      node.gain.connect(node.panner);
      node.panner.connect(at.bus || this.sfx);
      this.placed.add(node);
      await new Promise((resolve) => {
        src.onended = resolve;
        src.start();
      });
      this.placed.delete(node);
      node.gain.disconnect();
      node.panner.disconnect();
    })();
    return {
      stop: () => {
        stopped = true;
        if (src) try { src.stop(); } catch { /* already stopped */ }
      },
      ended,
    };
  }

  /**
   * @param {{ gain: GainNode, panner: StereoPannerNode, x: number, y: number, range: number, base: number, src?: AudioBufferSourceNode }} node
   * @param {boolean} [now] set at once instead of gliding
   */
  placeNode(node, now = false) {
    const mix = resolveSpatialMix(node.x - this.listener.x, node.y - this.listener.y, node.range, node.base);
    const pan = this.mono ? 0 : Math.max(-1, Math.min(1, mix.pan));
    if (now) {
      node.gain.gain.value = mix.gain;
      node.panner.pan.value = pan;
      return;
    }
    const t = this.ctx.currentTime;
    node.gain.gain.setTargetAtTime(mix.gain, t, GLIDE);
    node.panner.pan.setTargetAtTime(pan, t, GLIDE);
  }

  /** Stop every sound placed in the world (the world layer went off). */
  stopPlaced() {
    for (const node of this.placed) {
      try { node.src.stop(); } catch { /* not started or already stopped */ }
    }
  }

  /** The listener moved: sounds placed in the world follow. @param {number} x @param {number} y */
  updateListener(x, y) {
    this.listener.x = x;
    this.listener.y = y;
    for (const node of this.placed) this.placeNode(node);
  }

  /**
   * A short oscillator tone, optionally placed in space.
   * @param {number} freq @param {number} seconds @param {OscillatorType} type @param {number} gain
   * @param {{ dx: number, dy: number, range?: number }} [place]
   */
  tone(freq, seconds, type, gain, place) {
    if (!this.ctx) return;
    const ctx = this.ctx;
    let g0 = gain;
    let pan = 0;
    if (place) {
      const mix = resolveSpatialMix(place.dx, place.dy, place.range ?? HEARING_RADIUS, gain);
      if (mix.gain <= 0) return;
      g0 = mix.gain;
      pan = this.mono ? 0 : mix.pan;
    }
    const osc = ctx.createOscillator();
    osc.type = type;
    osc.frequency.value = freq;
    const g = ctx.createGain();
    const panner = ctx.createStereoPanner();
    panner.pan.value = pan;
    const t = ctx.currentTime;
    g.gain.setValueAtTime(g0, t);
    g.gain.exponentialRampToValueAtTime(0.001, t + seconds);
    osc.connect(g);
    g.connect(panner);
    panner.connect(this.sfx);
    osc.start(t);
    osc.stop(t + seconds + 0.02);
    osc.onended = () => { g.disconnect(); panner.disconnect(); };
  }

  /** Drop every peer voice (disconnect cleanup). The context itself is kept. */
  cleanupVoices() {
    for (const id of [...this.voices.keys()]) this.detachVoice(id);
    this.setInputStream(null);
    this.setLoopback(false);
  }
}
