/** Key routing: which mode gets a key pressed on the grid. */
import { state } from '../state.js';
import { isArrow } from './keys.js';
import { handleNormal } from './keymap.js';
import { handleUserList, closeModes } from './modes.js';
import { handleHelp } from './help-view.js';
import { handleMenu } from './menu.js';
import { isPaletteKey, hasModeCommands, openPalette, paletteReturnMode } from './commands.js';
import { say } from '../feedback.js';
import { arrowPressed } from '../world/movement.js';
import { surfaceHasFocus } from '../ui/dom.js';
import { RECONNECT_ATTEMPTS } from '../constants.js';
import { handlePianoKeyDown, handlePianoKeyUp } from '../piano/keymap.js';
import { pianoActive, leave as leavePiano, releaseAllHeld } from '../piano/mode.js';
import { stopAllPiano } from '../piano/remote.js';

/** A modifier pressed alone, or a browser key the grid never takes. */
const NOT_A_COMMAND = /^(Shift|Control|Alt|Meta|OS|CapsLock|Tab$|F\d+$)/;

/**
 * @param {import('./keys.js').KeyPress} k
 * @returns {boolean} handled: the browser's default action is prevented
 */
export function handleKeyDown(k) {
  if (k.alt || k.ctrl) return false;
  // Tab always moves focus: the grid never traps it.
  if (k.code === 'Tab') return false;
  if (!state.running) {
    // The grid stays while a reconnect runs: say why keys do nothing.
    if (!state.reconnecting || NOT_A_COMMAND.test(k.code)) return false;
    if (!k.repeat) say(`Reconnecting, attempt ${state.reconnectAttempt} of ${RECONNECT_ATTEMPTS}.`);
    return true;
  }
  // The command palette, in every mode that registered its commands
  // (commands.js): Shift+F10 is taken here, other function keys stay the browser's.
  if (isPaletteKey(k) && hasModeCommands(state.mode)) {
    state.escapePendingUntil = 0;
    if (!k.repeat) openPalette();
    return true;
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
    if (k.repeat && (k.code.startsWith('Key') || k.code === 'Space' || k.code.startsWith('Digit') || k.code === 'Enter')) return true;
    return handleNormal(k);
  }
  switch (state.mode) {
    case 'helpView': return handleHelp(k);
    case 'listUsers': return handleUserList(k);
    case 'menu': return handleMenu(k);
    case 'piano': return handlePianoKeyDown(k);
    default: return false;
  }
}

/**
 * A key released (anywhere on the page): arrows stop walking, and while
 * piano mode is on (under its help too) a held note ends.
 * @param {string} code
 */
export function handleKeyUp(code) {
  state.pressed.delete(code);
  if (pianoActive()) handlePianoKeyUp(code);
}

/**
 * The grid lost focus: keys held are released, a pending Escape forgotten,
 * and once focus is somewhere else on the page (not merely in another
 * window) the help viewer, user list or an item menu closes, so arrows walk again on the
 * way back. Text modes end through their field (modes.js, entryLeft).
 */
export function surfaceLeft() {
  state.pressed.clear();
  state.escapePendingUntil = 0;
  // Notes held would get no key-up once focus is elsewhere.
  releaseAllHeld();
  window.setTimeout(() => {
    if (!surfaceHasFocus() && (state.mode === 'helpView' || state.mode === 'listUsers' || state.mode === 'menu' || state.mode === 'piano')) {
      // Piano mode ends with the focus (its notes were released above), from
      // under its help or the palette too; the palette otherwise goes back to
      // the mode it was opened in.
      const back = paletteReturnMode();
      if (pianoActive()) leavePiano(false);
      state.mode = /** @type {import('../state.js').Mode} */ (back && back !== 'piano' ? back : 'normal');
      state.modeState.menu = null;
    }
  }, 0);
}

/** The window lost focus: keys held are released (piano notes too). */
export function releaseAll() {
  state.pressed.clear();
  releaseAllHeld();
}

/** Back to normal mode (disconnect cleanup): piano mode ends without a word, its sounds stop. */
export function resetModes() {
  leavePiano(false);
  stopAllPiano();
  closeModes();
}
