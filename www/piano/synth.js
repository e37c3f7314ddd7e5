/**
 * The piano's sound, made in Web Audio (docs/audio.md, "Piano synthesis").
 *
 * A tonal note is a few oscillators (the instrument's preset: waveforms,
 * frequency ratios, detunes, levels, optional vibrato) into an envelope gain,
 * a low-pass filter whose cutoff the brightness scales, then a spatial gain
 * and a stereo pan towards the bus. A drum_kit note is a one-shot hit (one
 * of 14 voices chosen by midi mod 14) that a note-off does not cut.
 *
 * The envelope: attack 0.002 + 0.6·a/100 s from silence to the peak (the
 * preset's gain); a sustaining preset then settles at peak × sustainRatio by
 * attack + 0.6·decay, a struck one fades out by attack + max(0.25, decay ×
 * heldDecayScale) with decay = 0.05 + 2.7·d/100 s; the release is 0.03 +
 * 3.4·r/100 s × the preset's releaseScale (at least 0.02 s). Brightness b
 * multiplies the preset's cutoff by 0.45 + 1.55·b/100.
 *
 * The synth knows nothing of items or senders: a note has a key (any text),
 * a place (x, y) and a range; it is placed against the listener with the
 * shared spatial mix (audio/spatial.js, no near field), silent (not started)
 * beyond range, and re-placed by update() as the listener moves.
 */
import { resolveSpatialMix } from '../audio/spatial.js';

/**
 * @typedef {{ type: OscillatorType, ratio?: number, detune?: number, gain: number }} Osc
 * @typedef {{ oscs: Osc[], filter: { freq: number, q: number }, gain: number, sustainRatio: number,
 *             sustains: boolean, heldDecayScale: number, releaseScale: number,
 *             vibrato?: { rate: number, cents: number } }} Preset
 * @typedef {{ midi: number, instrument: string, attack: number, decay: number, release: number,
 *             brightness: number, x: number, y: number, range: number }} Note
 */

/** @type {Record<string, Preset>} */
export const PRESETS = {
  piano: { oscs: [{ type: 'triangle', gain: 1 }, { type: 'sine', ratio: 2, gain: 0.28 }], filter: { freq: 5200, q: 0.7 }, gain: 0.32, sustainRatio: 0.5, sustains: false, heldDecayScale: 2, releaseScale: 0.9 },
  electric_piano: { oscs: [{ type: 'sine', gain: 1 }, { type: 'triangle', detune: 5, gain: 0.35 }], filter: { freq: 4200, q: 0.8 }, gain: 0.3, sustainRatio: 0.52, sustains: false, heldDecayScale: 1, releaseScale: 0.8 },
  guitar: { oscs: [{ type: 'triangle', gain: 1 }, { type: 'sawtooth', detune: -3, gain: 0.2 }], filter: { freq: 3200, q: 0.9 }, gain: 0.24, sustainRatio: 0.48, sustains: false, heldDecayScale: 1, releaseScale: 0.7 },
  organ: { oscs: [{ type: 'square', gain: 0.8 }, { type: 'sine', ratio: 2, gain: 0.28 }, { type: 'sine', ratio: 3, gain: 0.2 }], filter: { freq: 6500, q: 0.6 }, gain: 0.18, sustainRatio: 0.72, sustains: true, heldDecayScale: 1, releaseScale: 1.4 },
  bass: { oscs: [{ type: 'sawtooth', gain: 0.9 }, { type: 'square', ratio: 0.5, gain: 0.25 }], filter: { freq: 1500, q: 1.1 }, gain: 0.28, sustainRatio: 0.45, sustains: false, heldDecayScale: 1, releaseScale: 0.9 },
  violin: { oscs: [{ type: 'sawtooth', gain: 0.8 }, { type: 'triangle', detune: 3, gain: 0.35 }], filter: { freq: 3600, q: 1.0 }, gain: 0.24, sustainRatio: 0.68, sustains: true, heldDecayScale: 1, releaseScale: 1.5, vibrato: { rate: 5.7, cents: 12 } },
  synth_lead: { oscs: [{ type: 'sawtooth', gain: 0.85 }, { type: 'square', detune: 6, gain: 0.3 }], filter: { freq: 5400, q: 0.9 }, gain: 0.2, sustainRatio: 0.6, sustains: true, heldDecayScale: 1, releaseScale: 1, vibrato: { rate: 6.8, cents: 9 } },
  brass: { oscs: [{ type: 'sawtooth', gain: 0.72 }, { type: 'square', ratio: 2, gain: 0.2 }], filter: { freq: 3300, q: 1.05 }, gain: 0.22, sustainRatio: 0.62, sustains: true, heldDecayScale: 1, releaseScale: 0.92, vibrato: { rate: 5.1, cents: 5 } },
  nintendo: { oscs: [{ type: 'square', gain: 1 }, { type: 'square', detune: 2, gain: 0.08 }], filter: { freq: 5200, q: 1.2 }, gain: 0.22, sustainRatio: 0.62, sustains: true, heldDecayScale: 1, releaseScale: 0.65 },
};

/**
 * What choosing an instrument brings (the server's table, docs/item-types.md):
 * envelope, voice mode and octave.
 * @type {Record<string, { attack: number, decay: number, release: number, brightness: number, voiceMode: 'poly'|'mono', octave: number }>}
 */
export const INSTRUMENT_DEFAULTS = {
  piano: { attack: 15, decay: 45, release: 35, brightness: 55, voiceMode: 'poly', octave: 0 },
  electric_piano: { attack: 12, decay: 40, release: 30, brightness: 62, voiceMode: 'poly', octave: 0 },
  guitar: { attack: 8, decay: 35, release: 25, brightness: 50, voiceMode: 'poly', octave: 0 },
  organ: { attack: 25, decay: 70, release: 45, brightness: 48, voiceMode: 'poly', octave: 0 },
  bass: { attack: 2, decay: 24, release: 18, brightness: 34, voiceMode: 'mono', octave: -1 },
  violin: { attack: 22, decay: 75, release: 55, brightness: 58, voiceMode: 'mono', octave: 0 },
  synth_lead: { attack: 6, decay: 30, release: 22, brightness: 72, voiceMode: 'poly', octave: 0 },
  brass: { attack: 10, decay: 45, release: 30, brightness: 60, voiceMode: 'mono', octave: 0 },
  nintendo: { attack: 1, decay: 24, release: 15, brightness: 85, voiceMode: 'poly', octave: 0 },
  drum_kit: { attack: 1, decay: 22, release: 12, brightness: 68, voiceMode: 'poly', octave: 0 },
};

/** The instruments this synth can play, in the server's order. */
export const INSTRUMENTS = Object.keys(INSTRUMENT_DEFAULTS);

/** The drum kit's voices; a note plays DRUM_VOICES[midi % 14]. */
export const DRUM_VOICES = [
  'kick_sub', 'kick_punch', 'snare_tight', 'snare_body', 'hat_closed', 'hat_open', 'tom_low',
  'tom_mid', 'tom_high', 'clap', 'pow_mid', 'pow_high', 'snare_noise', 'noise_8bit',
];

const SILENT = 0.0001;
const DRUM_GAIN = 0.22;

/** @param {number} v 0..100 */
const unit = (v) => Math.min(100, Math.max(0, Number.isFinite(v) ? v : 0)) / 100;

/** The envelope in seconds and the cutoff factor, from the 0..100 settings. @param {Note} n @param {Preset} [p] */
export function envelopeOf(n, p) {
  const releaseScale = p ? p.releaseScale : 1;
  return {
    attack: 0.002 + 0.6 * unit(n.attack),
    decay: 0.05 + 2.7 * unit(n.decay),
    release: Math.max(0.02, (0.03 + 3.4 * unit(n.release)) * releaseScale),
    brightness: 0.45 + 1.55 * unit(n.brightness),
  };
}

/** @param {number} midi */
export function midiHz(midi) {
  return 440 * 2 ** ((midi - 69) / 12);
}

/**
 * @typedef {{ key: string, env: GainNode, space: GainNode, panner: StereoPannerNode, sources: AudioScheduledSourceNode[],
 *             nodes: AudioNode[], x: number, y: number, range: number, release: number, drum: boolean, done: boolean }} Voice
 */

export class PianoSynth {
  /**
   * @param {{ ctx: () => AudioContext | null, out: () => AudioNode | null, listener: () => { x: number, y: number }, mono: () => boolean }} deps
   */
  constructor(deps) {
    this.deps = deps;
    /** @type {Map<string, Voice>} key → sounding (or releasing) voice */
    this.voices = new Map();
    /** @type {AudioBuffer | null} */ this.noise = null;
    /** @type {AudioBuffer | null} */ this.noise8 = null;
  }

  /** Where a note sits for the listener now: gain and pan, or gain 0. @param {{ x: number, y: number, range: number }} at */
  mix(at) {
    const l = this.deps.listener();
    const dx = at.x - l.x;
    const dy = at.y - l.y;
    const m = resolveSpatialMix(dx, dy, Math.max(1, at.range), 1);
    const pan = this.deps.mono() || (dx === 0 && dy === 0) ? 0 : Math.max(-1, Math.min(1, m.pan));
    return { gain: m.gain, pan };
  }

  /**
   * Start a note under key (a note already under it is cut first).
   * @param {string} key @param {Note} note
   * @returns {boolean} whether it sounds (false: no audio yet, or out of range)
   */
  start(key, note) {
    const ctx = this.deps.ctx();
    const out = this.deps.out();
    if (!ctx || !out) return false;
    this.cut(key);
    const m = this.mix(note);
    if (m.gain <= 0) return false;
    const space = ctx.createGain();
    space.gain.value = m.gain;
    const panner = ctx.createStereoPanner();
    panner.pan.value = m.pan;
    space.connect(panner);
    panner.connect(out);
    const instrument = String(note.instrument || 'piano').toLowerCase();
    /** @type {Voice} */
    const v = { key, env: ctx.createGain(), space, panner, sources: [], nodes: [], x: note.x, y: note.y, range: note.range, release: 0.1, drum: false, done: false };
    if (instrument === 'drum_kit') this.drum(ctx, v, note);
    else this.tonal(ctx, v, note, PRESETS[instrument] || PRESETS.piano);
    this.voices.set(key, v);
    const last = v.sources[0];
    if (last) last.onended = () => this.dispose(v);
    return true;
  }

  /** @param {AudioContext} ctx @param {Voice} v @param {Note} note @param {Preset} p */
  tonal(ctx, v, note, p) {
    const e = envelopeOf(note, p);
    const t = ctx.currentTime;
    const f0 = midiHz(Math.min(127, Math.max(0, Math.round(note.midi))));
    const filter = ctx.createBiquadFilter();
    filter.type = 'lowpass';
    filter.frequency.value = Math.min(ctx.sampleRate / 2 - 100, p.filter.freq * e.brightness);
    filter.Q.value = p.filter.q;
    v.env.connect(filter);
    filter.connect(v.space);
    v.nodes.push(v.env, filter);
    /** @type {GainNode | null} */
    let vibrato = null;
    if (p.vibrato) {
      const lfo = ctx.createOscillator();
      lfo.frequency.value = p.vibrato.rate;
      vibrato = ctx.createGain();
      vibrato.gain.value = p.vibrato.cents;
      lfo.connect(vibrato);
      lfo.start(t);
      v.sources.push(lfo);
      v.nodes.push(vibrato);
    }
    for (const o of p.oscs) {
      const osc = ctx.createOscillator();
      osc.type = o.type;
      osc.frequency.value = f0 * (o.ratio ?? 1);
      osc.detune.value = o.detune ?? 0;
      if (vibrato) vibrato.connect(osc.detune);
      const g = ctx.createGain();
      g.gain.value = o.gain;
      osc.connect(g);
      g.connect(v.env);
      osc.start(t);
      v.sources.push(osc);
      v.nodes.push(g);
    }
    const peak = p.gain;
    v.env.gain.setValueAtTime(SILENT, t);
    v.env.gain.exponentialRampToValueAtTime(peak, t + e.attack);
    if (p.sustains) v.env.gain.setTargetAtTime(peak * p.sustainRatio, t + e.attack, (0.6 * e.decay) / 3);
    else v.env.gain.exponentialRampToValueAtTime(SILENT, t + e.attack + Math.max(0.25, e.decay * p.heldDecayScale));
    v.release = e.release;
    // A struck note that is never released still ends.
    if (!p.sustains) for (const s of v.sources) s.stop(t + e.attack + Math.max(0.25, e.decay * p.heldDecayScale) + 0.05);
  }

  /** Release a note (its release tail plays out); drums ring on. @param {string} key */
  stop(key) {
    const v = this.voices.get(key);
    if (!v) return;
    this.voices.delete(key);
    if (v.drum) return;
    this.fade(v, v.release);
  }

  /** Cut a note short (a re-used key, a mono voice taking over). @param {string} key */
  cut(key) {
    const v = this.voices.get(key);
    if (!v) return;
    this.voices.delete(key);
    if (!v.drum) this.fade(v, 0.02);
  }

  /** @param {Voice} v @param {number} seconds */
  fade(v, seconds) {
    const ctx = this.deps.ctx();
    if (!ctx || v.done) return;
    const t = ctx.currentTime;
    const g = v.env.gain;
    if (typeof g.cancelAndHoldAtTime === 'function') g.cancelAndHoldAtTime(t);
    else {
      g.cancelScheduledValues(t);
      g.setValueAtTime(Math.max(SILENT, g.value), t);
    }
    g.exponentialRampToValueAtTime(SILENT, t + seconds);
    for (const s of v.sources) {
      try { s.stop(t + seconds + 0.02); } catch { /* already stopping */ }
    }
  }

  /** Release every note whose key passes the test. @param {(key: string) => boolean} test */
  stopWhere(test) {
    for (const key of [...this.voices.keys()]) if (test(key)) this.stop(key);
  }

  /** Release every note. */
  stopAll() {
    this.stopWhere(() => true);
  }

  /** @param {Voice} v */
  dispose(v) {
    if (v.done) return;
    v.done = true;
    if (this.voices.get(v.key) === v) this.voices.delete(v.key);
    for (const n of [...v.nodes, v.space, v.panner]) n.disconnect();
  }

  /** The listener moved (every tick): held notes keep their place. */
  update() {
    const ctx = this.deps.ctx();
    if (!ctx) return;
    const t = ctx.currentTime;
    for (const v of this.voices.values()) {
      const m = this.mix(v);
      v.space.gain.setTargetAtTime(m.gain, t, 0.0667);
      v.panner.pan.setTargetAtTime(m.pan, t, 0.0667);
    }
  }

  /** Keys of the notes sounding now (for the tests). */
  keys() {
    return [...this.voices.keys()];
  }

  // ---- the drum kit ----

  /** @param {AudioContext} ctx */
  noiseBuffers(ctx) {
    if (!this.noise || this.noise.sampleRate !== ctx.sampleRate) {
      const n = ctx.sampleRate;
      this.noise = ctx.createBuffer(1, n, n);
      const d = this.noise.getChannelData(0);
      for (let i = 0; i < n; i++) d[i] = Math.random() * 2 - 1;
      // 8-bit noise: a few levels, each held for a while (a chip's noise channel).
      this.noise8 = ctx.createBuffer(1, n, n);
      const e = this.noise8.getChannelData(0);
      let level = 0;
      for (let i = 0; i < n; i++) {
        if (i % 12 === 0) level = Math.round((Math.random() * 2 - 1) * 7) / 7;
        e[i] = level;
      }
    }
  }

  /**
   * A hit: voice by midi mod 14, brightness opening the hats, gain 0.22.
   * @param {AudioContext} ctx @param {Voice} v @param {Note} note
   */
  drum(ctx, v, note) {
    v.drum = true;
    this.noiseBuffers(ctx);
    const name = DRUM_VOICES[((Math.round(note.midi) % 14) + 14) % 14];
    const bright = envelopeOf(note).brightness;
    const t = ctx.currentTime;
    v.env.connect(v.space);
    v.nodes.push(v.env);
    v.env.gain.value = DRUM_GAIN;
    /** @type {number[]} when each source stops, in the order of v.sources */
    const ends = [];
    /** A pitched sweep: osc from f1 to f2 over sweep s, fading out over len s. @param {OscillatorType} type @param {number} f1 @param {number} f2 @param {number} sweepS @param {number} len @param {number} level @param {AudioNode} [via] */
    const sweep = (type, f1, f2, sweepS, len, level, via) => {
      const osc = ctx.createOscillator();
      osc.type = type;
      osc.frequency.setValueAtTime(f1, t);
      osc.frequency.exponentialRampToValueAtTime(f2, t + sweepS);
      const g = ctx.createGain();
      g.gain.setValueAtTime(level, t);
      g.gain.exponentialRampToValueAtTime(SILENT, t + len);
      osc.connect(g);
      g.connect(via || v.env);
      osc.start(t);
      osc.stop(t + len + 0.02);
      ends.push(t + len);
      v.sources.push(osc);
      v.nodes.push(g);
    };
    /** Filtered noise. @param {BiquadFilterType} type @param {number} freq @param {number} q @param {number} len @param {number} level @param {number} [at] @param {AudioBuffer} [buffer] */
    const noise = (type, freq, q, len, level, at = 0, buffer) => {
      const src = ctx.createBufferSource();
      src.buffer = buffer || this.noise;
      const f = ctx.createBiquadFilter();
      f.type = type;
      f.frequency.value = Math.min(ctx.sampleRate / 2 - 100, freq);
      f.Q.value = q;
      const g = ctx.createGain();
      g.gain.setValueAtTime(SILENT, t);
      g.gain.setValueAtTime(level, t + at);
      g.gain.exponentialRampToValueAtTime(SILENT, t + at + len);
      src.connect(f);
      f.connect(g);
      g.connect(v.env);
      src.start(t, Math.random() * 0.5);
      src.stop(t + at + len + 0.02);
      ends.push(t + at + len);
      v.sources.push(src);
      v.nodes.push(f, g);
    };
    switch (name) {
      case 'kick_sub': sweep('sine', 145, 36, 0.3, 0.55, 1.6); break;
      case 'kick_punch': sweep('sine', 185, 52, 0.18, 0.35, 1.5); noise('lowpass', 1200, 0.7, 0.02, 0.3); break;
      case 'snare_tight': sweep('triangle', 220, 130, 0.08, 0.12, 0.8); noise('highpass', 2000, 0.7, 0.12, 0.7); break;
      case 'snare_body': sweep('triangle', 220, 130, 0.12, 0.2, 1); noise('highpass', 1200, 0.7, 0.25, 0.6); break;
      case 'hat_closed': noise('highpass', 6500 * bright, 0.9, 0.06, 0.9); break;
      case 'hat_open': noise('highpass', 5200 * bright, 0.9, 0.4, 0.7); break;
      case 'tom_low': sweep('sine', 120, 70, 0.3, 0.45, 1.3); break;
      case 'tom_mid': sweep('sine', 175, 100, 0.25, 0.38, 1.2); break;
      case 'tom_high': sweep('sine', 250, 138, 0.2, 0.32, 1.1); break;
      case 'clap':
        for (const at of [0, 0.012, 0.024]) noise('bandpass', 2100, 1.4, 0.02, 1.4, at);
        noise('bandpass', 2100, 1.4, 0.18, 0.8, 0.036);
        break;
      case 'pow_mid':
      case 'pow_high': {
        const bp = ctx.createBiquadFilter();
        bp.type = 'bandpass';
        bp.frequency.value = 1700;
        bp.Q.value = 1.2;
        bp.connect(v.env);
        v.nodes.push(bp);
        const top = name === 'pow_mid' ? 900 : 1800;
        sweep('square', top, top / 6, 0.22, 0.28, 0.9, bp);
        break;
      }
      case 'snare_noise': noise('highpass', 900, 0.7, 0.22, 0.8); break;
      default: noise('lowpass', 8000, 0.5, 0.22, 0.7, 0, this.noise8 || undefined); break;
    }
    // The part that ends last ends the hit (start() disposes on its end).
    const last = ends.indexOf(Math.max(...ends));
    v.sources.unshift(...v.sources.splice(last, 1));
  }
}
