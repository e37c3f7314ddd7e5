/** Key routing: which mode gets a key, and what the canvas overlay shows. */
import { state } from '../state.js';
import { isArrow } from './keys.js';
import { handleNormal } from './normal.js';
import { handleHelp, handleUserList, handleChat, handleNickname, handleMicGain } from './modes.js';
import { closeMicGain } from './audio-keys.js';
import { say } from '../feedback.js';
import { arrowPressed } from '../world/movement.js';

const TEXT_MODES = new Set(['chat', 'nickname', 'micGainEdit']);

/**
 * @param {import('./keys.js').KeyPress} k
 * @returns {boolean} handled: the browser's default action is prevented
 */
export function handleKeyDown(k) {
  if (!state.running || k.alt) return false;
  // Tab always moves focus: the grid never traps it.
  if (k.code === 'Tab') return false;
  const textMode = TEXT_MODES.has(state.mode);
  if (k.ctrl) {
    if (!textMode) return false;
    if (k.code === 'KeyV') return false; // the paste event inserts the text
    const ed = state.modeState.editor;
    if (k.code === 'KeyC' || k.code === 'KeyX') {
      if (navigator.clipboard) navigator.clipboard.writeText(ed.value).catch(() => {});
      if (k.code === 'KeyX') {
        ed.value = '';
        ed.cursor = 0;
      }
      say(k.code === 'KeyX' ? 'cut' : 'copied');
      return true;
    }
    if (!['KeyA', 'ArrowLeft', 'ArrowRight', 'Backspace'].includes(k.code)) return false;
  }
  if (/^F\d+$/.test(k.code)) return false;
  if (state.teleport && isArrow(k.code)) return true;
  if (state.mode === 'normal') {
    if (isArrow(k.code)) {
      state.escapePendingUntil = 0;
      state.pressed.add(k.code);
      if (!k.repeat) arrowPressed(k.code);
      return true;
    }
    if (k.repeat && (k.code.startsWith('Key') || k.code === 'Space' || k.code.startsWith('Digit'))) return true;
    return handleNormal(k);
  }
  switch (state.mode) {
    case 'helpView': return handleHelp(k);
    case 'listUsers': return handleUserList(k);
    case 'chat': return handleChat(k);
    case 'nickname': return handleNickname(k);
    case 'micGainEdit': return handleMicGain(k);
    default: return false;
  }
}

/** @param {string} code */
export function handleKeyUp(code) {
  state.pressed.delete(code);
}

export function releaseAll() {
  state.pressed.clear();
}

/** @param {string} text @returns {boolean} used */
export function handlePaste(text) {
  if (!state.running || !TEXT_MODES.has(state.mode) || !state.modeState.editor) return false;
  state.modeState.editor.insert(text);
  say('pasted');
  return true;
}

/** Text shown over the canvas while editing. */
export function currentOverlay() {
  const ed = state.modeState.editor;
  if (!ed) return null;
  const label = state.mode === 'chat' ? 'Message' : state.mode === 'nickname' ? 'New Nickname' : 'Microphone gain';
  return { label, buffer: ed.value, cursor: ed.cursor };
}

/** Back to normal mode (disconnect cleanup). */
export function resetModes() {
  if (state.mode === 'micGainEdit') closeMicGain();
  state.mode = 'normal';
  state.modeState.editor = null;
}
