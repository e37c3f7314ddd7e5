/**
 * Piano mode (docs/controls.md, "Piano mode"): entered when the server
 * answers a use of a piano with item_piano_status use_mode_entered; the
 * letter rows play notes (sounded here at once and sent as item_piano_note
 * for the others), - and = shift the octave, digits choose the instrument,
 * Z X C record, play back and stop, Enter plays the demo, Shift+/ opens the
 * piano help, Escape leaves. The keys are piano/keymap.js; this module is
 * what they do, and the server's answers about the piano.
 *
 * state.piano holds the mode's data while it is on (also under the help
 * viewer opened from it): the item, the keys held in the order pressed, the
 * ones sounding (a mono voice sounds one of them), the recording state the
 * server last told, and the demo playing.
 */
import { state } from '../state.js';
import { send } from '../services.js';
import { say, tone, pushChat, recordLine } from '../feedback.js';
import { keyMidi } from './notes.js';
import { startLocal, stopLocal, voiceOf, previewNote, stopItem } from './remote.js';
import { INSTRUMENTS, INSTRUMENT_DEFAULTS } from './synth.js';
import { findSong, playSong, songTitle } from './demo.js';
import { propertyMeta, itemTypeLabel } from '../items/registry.js';
import { openHelp } from '../input/help-view.js';

/**
 * @typedef {{ itemId: string, held: string[], sounding: Map<string, number>, recordingState: string,
 *             demo: { stop: () => void } | null, demoKeys: Map<string, number> }} PianoState
 */

/** @returns {PianoState | null} */
function current() {
  return state.piano;
}

/** The piano played, while it still exists. */
function pianoItem() {
  const p = current();
  return p ? state.items.get(p.itemId) || null : null;
}

/** @param {any} item */
function titleOf(item) {
  return typeof item.title === 'string' && item.title ? item.title : itemTypeLabel(item.type);
}

/** @param {string} keyId @param {number} midi @param {boolean} on */
function sendNote(keyId, midi, on) {
  const p = current();
  if (p) send({ type: 'item_piano_note', itemId: p.itemId, keyId, midi, on });
}

/**
 * item_piano_status: use_mode_entered starts the mode; every status tells
 * the recording state.
 * @param {any} msg
 */
export function pianoStatus(msg) {
  const rec = typeof msg.recordingState === 'string' ? msg.recordingState : '';
  if (msg.event === 'use_mode_entered') {
    const item = state.items.get(msg.itemId);
    if (!item) return;
    if (current() && current().itemId !== msg.itemId) leave(false);
    if (!current()) state.piano = { itemId: msg.itemId, held: [], sounding: new Map(), recordingState: 'idle', demo: null, demoKeys: new Map() };
    state.piano.recordingState = rec || 'idle';
    // Under the help viewer, its Escape comes back to the piano.
    if (state.mode === 'helpView') state.modeState.helpReturn = 'piano';
    else {
      state.mode = 'piano';
      state.modeState.menu = null;
    }
    say(`using ${titleOf(item)}, press question mark for help.`, 'blip');
    return;
  }
  const p = current();
  if (p && p.itemId === msg.itemId && rec) p.recordingState = rec;
}

/**
 * The answer to a piano request (item_action_result, action use, for the
 * piano played, or any piano: a recording that stopped itself after leaving
 * the mode): said with a blip, or the refusal buzz; kept in the chat log.
 * No locate tone: a piano's use is heard as piano mode.
 * @param {any} msg @returns {boolean} handled
 */
export function pianoResult(msg) {
  const p = current();
  const item = typeof msg.itemId === 'string' ? state.items.get(msg.itemId) : null;
  if (msg.action !== 'use' || !((p && msg.itemId === p.itemId) || (item && item.type === 'piano'))) return false;
  const text = typeof msg.message === 'string' ? msg.message.trim() : '';
  if (!text) tone(msg.ok ? 'blip' : 'cancel');
  else if (msg.ok) pushChat(text, 'blip');
  else {
    recordLine(text);
    say(text, 'cancel');
  }
  return true;
}

/**
 * The server refused a note (error piano_note: the 12-key limit, the piano
 * gone or off the square): its words are said, and the newest sounding key
 * (the one refused: the server answers in order and accepts the rest in
 * silence) stops here too.
 * @param {string} message
 */
export function noteRefused(message) {
  const p = current();
  const item = pianoItem();
  if (p && item) {
    const code = [...p.held].reverse().find((c) => p.sounding.has(c));
    if (code) {
      p.sounding.delete(code);
      stopLocal(item, code);
    }
  }
  say(message, 'cancel');
}

/** @param {any} item */
function isMono(item) {
  return voiceOf(item.params || {}).mono;
}

/** @param {any} item @param {string} code */
function sound(item, code) {
  const p = current();
  const midi = keyMidi(code, voiceOf(item.params || {}).octave);
  p.sounding.set(code, midi);
  startLocal(item, code, midi);
  sendNote(code, midi, true);
}

/** @param {any} item @param {string} code */
function silence(item, code) {
  const p = current();
  const midi = p.sounding.get(code);
  if (midi === undefined) return;
  p.sounding.delete(code);
  stopLocal(item, code);
  sendNote(code, midi, false);
}

/** A note key went down (not a repeat of a held one). @param {string} code */
export function noteDown(code) {
  const p = current();
  const item = pianoItem();
  if (!p || !item || p.held.includes(code)) return;
  p.held.push(code);
  if (isMono(item)) for (const c of [...p.sounding.keys()]) silence(item, c);
  sound(item, code);
}

/** A note key came up: its note ends; a mono voice goes back to the newest key still held. @param {string} code */
export function noteUp(code) {
  const p = current();
  if (!p) return;
  const at = p.held.indexOf(code);
  if (at < 0) return;
  p.held.splice(at, 1);
  const item = pianoItem();
  if (!item) return;
  silence(item, code);
  if (isMono(item) && p.sounding.size === 0 && p.held.length) sound(item, p.held[p.held.length - 1]);
}

/** Every note held ends (Escape, focus leaving, the item going). */
function releaseHeld() {
  const p = current();
  if (!p) return;
  const item = pianoItem();
  if (item) for (const c of [...p.sounding.keys()]) silence(item, c);
  p.sounding.clear();
  p.held = [];
}

/** - and =: the octave, −2 to 2. @param {number} dir */
export function stepOctave(dir) {
  const item = pianoItem();
  if (!item) return;
  const now = voiceOf(item.params || {}).octave;
  const next = Math.min(2, Math.max(-2, now + dir));
  if (next === now) {
    say(`octave ${now}.`, 'cancel');
    return;
  }
  item.params = { ...item.params, octave: next };
  send({ type: 'item_update', itemId: item.id, params: { octave: next } });
  say(`octave ${next}.`, 'blip');
}

/** The instrument slots: the server's instrument options this client can play, the first ten. */
export function instrumentSlots() {
  const item = pianoItem();
  const opts = propertyMeta(item ? item.type : 'piano', 'instrument').options;
  const list = Array.isArray(opts) && opts.length ? opts : INSTRUMENTS;
  return list.map((o) => String(o).toLowerCase()).filter((o) => INSTRUMENTS.includes(o)).slice(0, 10);
}

/** 1–9, 0: the instrument in that slot, with its own defaults, previewed. @param {number} slot 1..10 */
export function chooseInstrument(slot) {
  const item = pianoItem();
  if (!item) return;
  const id = instrumentSlots()[slot - 1];
  if (!id) {
    say(`No instrument in slot ${slot % 10}.`, 'cancel');
    return;
  }
  // The server brings the new instrument's defaults; so does this copy, at once.
  item.params = { ...item.params, instrument: id, ...INSTRUMENT_DEFAULTS[id] };
  send({ type: 'item_update', itemId: item.id, params: { instrument: id } });
  previewNote(item.params, 60 + 12 * voiceOf(item.params).octave);
  say(`Instrument ${id}.`);
}

/** @param {'toggle_record'|'playback'|'stop_playback'|'stop_record'} action */
function recording(action) {
  const p = current();
  if (p) send({ type: 'item_piano_recording', itemId: p.itemId, action });
}

/** Z: record, pause, resume. */
export function toggleRecord() {
  recording('toggle_record');
}

/** X: play the piano's recording for everyone in range. */
export function playback() {
  stopDemo();
  recording('playback');
}

/** C: stop the recording (saving it) or the playback. */
export function stopRecordOrPlayback() {
  const p = current();
  if (!p) return;
  stopDemo();
  recording(p.recordingState === 'recording' || p.recordingState === 'paused' ? 'stop_record' : 'stop_playback');
}

function stopDemo() {
  const p = current();
  if (p && p.demo) {
    const d = p.demo;
    p.demo = null;
    d.stop();
  }
}

/** Enter: the demo melody, played as live notes (the others hear it); Enter again stops it. */
export async function toggleDemo() {
  const p = current();
  const item = pianoItem();
  if (!p || !item) return;
  if (p.demo) {
    stopDemo();
    say('Demo stopped.', 'cancel');
    return;
  }
  if (p.recordingState === 'recording') {
    say('Stop or pause recording first.', 'cancel');
    return;
  }
  const found = await findSong(item.params && item.params.songId);
  if (current() !== p || !pianoItem()) return;
  if (!found) {
    say('No demo loaded.', 'cancel');
    return;
  }
  if (p.demo) return;
  if (p.recordingState === 'playback') recording('stop_playback');
  const { id, song } = found;
  const demo = playSong(song, (keyId, midi, on) => {
    const it = pianoItem();
    if (!it || current() !== p) return;
    const key = `demo-${keyId}`;
    if (on) {
      p.demoKeys.set(key, midi);
      startLocal(it, key, midi);
    } else {
      p.demoKeys.delete(key);
      stopLocal(it, key);
    }
    sendNote(key, midi, on);
  }, () => {
    if (current() === p && p.demo === demo) p.demo = null;
  });
  p.demo = demo;
  say(`Demo: ${songTitle(song, id)}.`, 'blip');
}

/** Shift+/: the piano help; Escape there comes back here. */
export function openPianoHelp() {
  openHelp('piano', 'piano');
}

/**
 * Leave piano mode: note-offs for what is held, the demo stopped.
 * @param {boolean} spoken "Stopped piano." (Escape) or nothing (the item gone, disconnect, focus left)
 */
export function leave(spoken) {
  const p = current();
  if (!p) return;
  releaseHeld();
  stopDemo();
  state.piano = null;
  if (state.mode === 'piano' || (state.mode === 'helpView' && state.modeState.helpReturn === 'piano')) state.mode = 'normal';
  if (state.modeState.helpReturn === 'piano') state.modeState.helpReturn = 'normal';
  if (spoken) say('Stopped piano.', 'cancel');
}

/** Escape. */
export function escapePiano() {
  leave(true);
}

/** An item was removed: the mode ends without a word if it was this piano; its notes stop. @param {string} itemId */
export function pianoItemGone(itemId) {
  const p = current();
  if (p && p.itemId === itemId) leave(false);
  stopItem(itemId);
}

/** The grid lost focus: held keys will send no key-up, so they end now. */
export function releaseAllHeld() {
  releaseHeld();
}

/** Whether piano mode is on (also under its help). */
export function pianoActive() {
  return !!current();
}

/** For the tests: what piano mode holds. */
export function pianoSummary() {
  const p = current();
  return p ? { itemId: p.itemId, held: p.held.slice(), sounding: [...p.sounding.keys()], recordingState: p.recordingState, demo: !!p.demo } : null;
}
