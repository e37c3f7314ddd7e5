/**
 * The piano's note keys (docs/controls.md, "Piano mode"): a row of white keys
 * from A and black keys on the row above, as on a piano keyboard, by key code
 * (the same physical keys on any layout).
 */

/** White keys A S D F G H J K L ; ' and black keys W E T Y U O P ]: code → MIDI note at octave 0. */
export const NOTE_KEYS = Object.freeze({
  KeyA: 60, KeyW: 61, KeyS: 62, KeyE: 63, KeyD: 64, KeyF: 65, KeyT: 66, KeyG: 67, KeyY: 68,
  KeyH: 69, KeyU: 70, KeyJ: 71, KeyK: 72, KeyO: 73, KeyL: 74, KeyP: 75, Semicolon: 76,
  Quote: 77, BracketRight: 78,
});

/** @param {string} code */
export function isNoteKey(code) {
  return Object.prototype.hasOwnProperty.call(NOTE_KEYS, code);
}

/**
 * The MIDI note a key plays at an octave (−2..2), clamped to 0..127.
 * @param {string} code @param {number} octave
 */
export function keyMidi(code, octave) {
  const base = NOTE_KEYS[code];
  return Math.min(127, Math.max(0, base + Math.round(octave || 0) * 12));
}
