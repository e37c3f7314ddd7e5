/**
 * The help viewer (Question mark; the piano's help): a mode's help read line
 * by line, Up, Down, Home and End; Escape returns to the mode it came from.
 * Its lines are help.js's, made from the key tables the modes registered
 * (input/commands.js), so it needs none of the modes that open it.
 */
import { state } from '../state.js';
import { say } from '../feedback.js';
import { helpLines } from '../help.js';

/** @typedef {import('./keys.js').KeyPress} KeyPress */

/** A modifier pressed alone is no command. */
const MODIFIER_KEY = /^(Shift|Control|Alt|Meta|OS|CapsLock)/;

/**
 * The help viewer, on the normal help or the piano's.
 * @param {import('../state.js').Mode} returnTo @param {import('../help.js').HelpSource} [source]
 */
export function openHelp(returnTo, source = 'normal') {
  state.modeState.helpReturn = returnTo;
  state.modeState.helpSource = source;
  state.mode = 'helpView';
  state.modeState.index = 0;
  const lines = helpLines(source);
  say(lines.length ? lines[0] : 'Help unavailable.', 'blip');
}

/** @param {KeyPress} k */
export function handleHelp(k) {
  const lines = helpLines(state.modeState.helpSource);
  const last = lines.length - 1;
  let i = state.modeState.index;
  switch (k.code) {
    case 'ArrowUp': i = Math.max(0, i - 1); break;
    case 'ArrowDown': i = Math.min(last, i + 1); break;
    case 'Home': i = 0; break;
    case 'End': i = last; break;
    case 'Escape':
      state.mode = state.modeState.helpReturn;
      say('Closed help.', 'cancel');
      return true;
    default:
      // Other keys do nothing here; say so instead of swallowing them silently.
      if (!k.repeat && !MODIFIER_KEY.test(k.code)) say('Help is open: Up and Down read it, Escape closes it.', 'cancel');
      return true;
  }
  state.modeState.index = i;
  say(lines[i], 'blip');
  return true;
}
