/**
 * The key map of piano mode, in the row shape of input/keymap.js KEYMAP
 * (sections of { keys, help, bind }): the piano help (Shift+/) is made from
 * it, and its bindings are what the keys do. The note keys (piano/notes.js)
 * are rows without a binding: they sound while held, so key-down and key-up
 * both go to piano/mode.js (handlePianoKeyDown / handlePianoKeyUp here).
 *
 * Shift: a shifted note key plays nothing (Shift is for the commands: only
 * Shift+/ opens the help), and auto-repeat never re-strikes a held key.
 */
import * as piano from './mode.js';
import { isNoteKey } from './notes.js';
import { say } from '../feedback.js';
import { registerModeCommands } from '../input/commands.js';

/** @typedef {import('../input/commands.js').KeyRow} KeyRow */
/** @typedef {import('../input/commands.js').Binding} Binding */

/** @param {string | string[]} codes @param {boolean | null} shift @param {() => void} run @returns {Binding} */
const on = (codes, shift, run) => ({ codes: Array.isArray(codes) ? codes : [codes], shift, run });

const DIGITS = ['Digit1', 'Digit2', 'Digit3', 'Digit4', 'Digit5', 'Digit6', 'Digit7', 'Digit8', 'Digit9', 'Digit0'];

/** @type {Array<{ title: string, rows: KeyRow[] }>} */
export const PIANO_KEYMAP = [
  {
    title: 'Piano Mode',
    rows: [
      { keys: 'A S D F G H J K L ; \'', help: 'White keys, from middle C (C D E F G A B C D E F). Hold a key to hold its note; everyone near the piano hears it.' },
      { keys: 'W E T Y U O P ]', help: 'Black keys (C sharp, D sharp, F sharp, G sharp, A sharp, C sharp, D sharp, F sharp).' },
      { keys: 'Minus', label: 'Octave down', help: 'Octave down, to -2.', bind: [on('Minus', false, () => piano.stepOctave(-1))] },
      { keys: 'Equals', label: 'Octave up', help: 'Octave up, to 2.', bind: [on('Equal', false, () => piano.stepOctave(1))] },
      { keys: '1 to 9 and 0', help: 'Choose an instrument: piano, electric piano, guitar, organ, bass, violin, synth lead, brass, nintendo, drum kit. You hear a note of it.', bind: DIGITS.map((d, i) => on(d, false, () => piano.chooseInstrument(i + 1))) },
      { keys: 'Z', label: 'Record', help: 'Record (up to 30 seconds), pause, resume.', bind: [on('KeyZ', false, piano.toggleRecord)] },
      { keys: 'X', label: 'Play the recording', help: 'Play the piano\'s recording for everyone near it.', bind: [on('KeyX', false, piano.playback)] },
      { keys: 'C', label: 'Stop recording or playback', help: 'Stop the recording (it is saved) or the playback.', bind: [on('KeyC', false, piano.stopRecordOrPlayback)] },
      { keys: 'Enter', label: 'Demo melody', help: 'Play the demo melody (everyone near hears it); Enter again stops it.', bind: [on('Enter', false, () => { piano.toggleDemo(); })] },
      { keys: 'Question mark', label: 'Piano help', help: 'This help. Up, Down, Home and End read it; Escape returns to the piano.', bind: [on('Slash', true, piano.openPianoHelp)] },
      { keys: 'Escape', label: 'Stop piano', help: 'Stop playing and leave piano mode.', bind: [on('Escape', null, piano.escapePiano)] },
      { keys: 'Shifted note keys', help: 'Play nothing: Shift is only for the question mark and the command palette.' },
      { keys: 'Shift+K, the Applications key, Shift+F10', help: 'Command palette: the commands above (instruments are chosen with the digits). Held notes keep sounding while it is open.' },
    ],
  },
];

/**
 * The binding of a key in piano mode, if any.
 * @param {string} code @param {boolean} shift
 * @returns {Binding | null}
 */
export function findPianoBinding(code, shift) {
  for (const section of PIANO_KEYMAP) {
    for (const row of section.rows) {
      for (const b of row.bind || []) {
        if (b.codes.includes(code) && (b.shift === null || b.shift === shift)) return b;
      }
    }
  }
  return null;
}

/** A modifier pressed alone is no command. */
const MODIFIER_KEY = /^(Shift|Control|Alt|Meta|OS|CapsLock)/;

/**
 * A key pressed in piano mode.
 * @param {import('../input/keys.js').KeyPress} k
 * @returns {boolean} handled
 */
export function handlePianoKeyDown(k) {
  if (isNoteKey(k.code) && !k.shift) {
    if (!k.repeat) piano.noteDown(k.code);
    return true;
  }
  if (k.repeat) return true;
  const b = findPianoBinding(k.code, k.shift);
  if (b) {
    b.run();
    return true;
  }
  if (!MODIFIER_KEY.test(k.code) && !isNoteKey(k.code)) say('Piano: the letter rows play, question mark for help, Escape stops.', 'cancel');
  return true;
}

/** A key released while piano mode is on (also under its help): a held note ends. @param {string} code */
export function handlePianoKeyUp(code) {
  if (isNoteKey(code)) piano.noteUp(code);
}

registerModeCommands('piano', () => PIANO_KEYMAP);
