/**
 * The piano sounds of the world: the one synth (piano/synth.js) on its own
 * bus into the master, the notes others play (item_piano_note, item layer
 * only), their ends (note-off, the player leaving, the piano removed, the
 * item layer switched off), and the one-note preview of a property change.
 *
 * Notes are kept under keys: "<senderId>:<itemId>:<keyId>" for others' and a
 * piano's playback ("item:<id>:playback" is the sender), "local:<itemId>:<keyId>"
 * for the player's own (piano/mode.js), "preview" for the preview.
 */
import { state } from '../state.js';
import { engine } from '../services.js';
import { PianoSynth, INSTRUMENT_DEFAULTS } from './synth.js';
import { itemPlace } from '../world/items.js';
import { isInt } from '../net/protocol.js';

/** A piano's default range when its params say nothing usable. */
const DEFAULT_RANGE = 15;
export const PREVIEW_MS = 320;
/** The piano parameters whose change the editor previews. */
const PREVIEWED = new Set(['instrument', 'attack', 'decay', 'release', 'brightness', 'octave']);

/** @type {GainNode | null} */
let bus = null;
/** @type {number} */
let previewTimer = 0;

export const pianoSynth = new PianoSynth({
  ctx: () => engine.ctx,
  out: () => {
    if (!engine.ctx) return null;
    if (!bus) {
      bus = engine.ctx.createGain();
      bus.connect(engine.master);
    }
    return bus;
  },
  listener: () => engine.listener,
  mono: () => engine.mono,
});

/** @param {any} v @param {number} lo @param {number} hi @param {number} def */
function clampInt(v, lo, hi, def) {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.round(n))) : def;
}

/**
 * A note's sound settings from a piano's params (or an incoming note, which
 * carries the same fields).
 * @param {Record<string, any>} p
 */
export function voiceOf(p) {
  const instrument = typeof p.instrument === 'string' && p.instrument ? p.instrument.trim().toLowerCase() : 'piano';
  const d = INSTRUMENT_DEFAULTS[instrument] || INSTRUMENT_DEFAULTS.piano;
  return {
    instrument,
    attack: clampInt(p.attack, 0, 100, d.attack),
    decay: clampInt(p.decay, 0, 100, d.decay),
    release: clampInt(p.release, 0, 100, d.release),
    brightness: clampInt(p.brightness, 0, 100, d.brightness),
    range: clampInt(p.emitRange, 1, 100, DEFAULT_RANGE),
    mono: typeof p.voiceMode === 'string' ? p.voiceMode.trim().toLowerCase() === 'mono' : d.voiceMode === 'mono',
    octave: clampInt(p.octave, -2, 2, 0),
  };
}

/** An incoming item_piano_note: played at the piano, within its range. @param {any} msg */
export function remoteNote(msg) {
  const key = `${msg.senderId}:${msg.itemId}:${msg.keyId}`;
  if (!msg.on) {
    pianoSynth.stop(key);
    return;
  }
  if (!state.layers.item || !isInt(msg.x) || !isInt(msg.y)) return;
  engine.ensureContext();
  const v = voiceOf(msg);
  // One note at a time from a mono voice: its others end.
  if (v.mono) {
    const prefix = `${msg.senderId}:${msg.itemId}:`;
    pianoSynth.stopWhere((k) => k.startsWith(prefix) && k !== key);
  }
  pianoSynth.start(key, { ...v, midi: clampInt(msg.midi, 0, 127, 60), x: msg.x, y: msg.y, range: v.range });
}

/** A user left: their notes end. @param {string} senderId */
export function stopSender(senderId) {
  pianoSynth.stopWhere((k) => k.startsWith(`${senderId}:`));
}

/** A piano was removed: every note of it ends (others', its playback's, ours). @param {string} itemId */
export function stopItem(itemId) {
  pianoSynth.stopWhere((k) => k.split(':').includes(itemId));
}

/** The item layer went off: others' notes end (the player's own still sound). */
export function stopRemote() {
  pianoSynth.stopWhere((k) => !k.startsWith('local:') && k !== 'preview');
}

/** Disconnect: everything ends. */
export function stopAllPiano() {
  clearTimeout(previewTimer);
  pianoSynth.stopAll();
}

/**
 * Play one note locally for ms (the instrument keys, the property editor),
 * at the listener's own square.
 * @param {Record<string, any>} params a piano's params @param {number} midi @param {number} [ms]
 */
export function previewNote(params, midi, ms = PREVIEW_MS) {
  engine.ensureContext();
  const v = voiceOf(params);
  clearTimeout(previewTimer);
  const at = engine.listener;
  pianoSynth.start('preview', { ...v, midi, x: at.x, y: at.y, range: v.range });
  previewTimer = window.setTimeout(() => pianoSynth.stop('preview'), ms);
}

/**
 * The property editor changed a piano's parameter: middle C (+ octave) for
 * 320 ms with the new settings; a new instrument brings its own defaults
 * (as the server applies them).
 * @param {any} item the item with its new params @param {string} key
 */
export function previewChange(item, key) {
  if (!item || item.type !== 'piano' || !PREVIEWED.has(key)) return;
  let params = item.params || {};
  if (key === 'instrument') {
    const d = INSTRUMENT_DEFAULTS[String(params.instrument).toLowerCase()];
    if (d) params = { ...params, ...d };
  }
  previewNote(params, 60 + 12 * voiceOf(params).octave);
}

/** The player's own note: at the piano (where the player stands or carries it). @param {any} item @param {string} keyId @param {number} midi */
export function startLocal(item, keyId, midi) {
  engine.ensureContext();
  const v = voiceOf(item.params || {});
  const at = itemPlace(item);
  return pianoSynth.start(`local:${item.id}:${keyId}`, { ...v, midi, x: at.x, y: at.y, range: v.range });
}

/** @param {any} item @param {string} keyId */
export function stopLocal(item, keyId) {
  pianoSynth.stop(`local:${item.id}:${keyId}`);
}
