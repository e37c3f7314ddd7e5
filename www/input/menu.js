/**
 * The one list control every item menu uses (add item, item list, item
 * chooser, management, yes/no, transfer targets, option lists, the property
 * editor): Up/Down move with wrap-around, Home/End, a letter or digit jumps to
 * the next entry starting with it, Space reads the entry's help, Enter
 * selects, Escape cancels. Every move is spoken; the grid keeps focus.
 */
import { state } from '../state.js';
import { say } from '../feedback.js';

/**
 * @typedef {{ label: string, text?: string, help?: string, value?: any }} MenuEntry
 *   label: what letters jump on; text: what is spoken (default the label);
 *   help: what Space reads
 * @typedef {{
 *   name: string,
 *   entries: MenuEntry[],
 *   index: number,
 *   hint: string,
 *   select: (e: MenuEntry, m: Menu) => void,
 *   cancel?: (m: Menu) => void,
 *   key?: (k: import('./keys.js').KeyPress, e: MenuEntry, m: Menu) => boolean,
 *   data?: any,
 * }} Menu
 *   name: the menu's kind (for tests and refreshes); hint: said for a key that
 *   does nothing here; key: extra keys, tried first
 */

/** A modifier pressed alone is no command. */
const MODIFIER_KEY = /^(Shift|Control|Alt|Meta|OS|CapsLock)/;

/** @returns {Menu | null} */
export function currentMenu() {
  return state.mode === 'menu' ? state.modeState.menu : null;
}

/** @param {MenuEntry} e */
export function entryText(e) {
  return e.text ?? e.label;
}

/**
 * Open a menu and say "<title>. <first entry>".
 * @param {string} title
 * @param {Omit<Menu, 'index'> & { index?: number }} menu
 */
export function openMenu(title, menu) {
  const m = /** @type {Menu} */ ({ index: 0, ...menu });
  m.index = Math.min(Math.max(0, m.index), Math.max(0, m.entries.length - 1));
  state.modeState.menu = m;
  state.mode = 'menu';
  const first = m.entries[m.index];
  const sep = /[.?!:]$/.test(title) ? ' ' : '. ';
  say(first ? `${title}${sep}${entryText(first)}` : title, 'blip');
}

/** Leave the menu for normal mode (no words: the caller says what happened). */
export function closeMenu() {
  state.mode = 'normal';
  state.modeState.menu = null;
}

/** @param {Menu} m */
function speakCurrent(m) {
  say(entryText(m.entries[m.index]), 'blip');
}

/**
 * @param {import('./keys.js').KeyPress} k
 * @returns {boolean}
 */
export function handleMenu(k) {
  const m = currentMenu();
  if (!m) return false;
  if (!m.entries.length) {
    closeMenu();
    say('Nothing to choose.', 'cancel');
    return true;
  }
  m.index = Math.min(m.index, m.entries.length - 1);
  const e = m.entries[m.index];
  if (m.key && m.key(k, e, m)) return true;
  const n = m.entries.length;
  switch (k.code) {
    case 'ArrowUp':
    case 'ArrowDown':
      m.index = (m.index + (k.code === 'ArrowUp' ? -1 : 1) + n) % n;
      speakCurrent(m);
      return true;
    case 'Home':
      m.index = 0;
      speakCurrent(m);
      return true;
    case 'End':
      m.index = n - 1;
      speakCurrent(m);
      return true;
    case 'Space':
      say(e.help || 'No tooltip available.');
      return true;
    case 'Enter':
      m.select(e, m);
      return true;
    case 'Escape':
      if (m.cancel) m.cancel(m);
      else {
        closeMenu();
        say('Cancelled.', 'cancel');
      }
      return true;
    default:
      if (/^(Key[A-Z]|Digit[0-9])$/.test(k.code) && !k.shift) {
        const ch = k.code.slice(-1).toLowerCase();
        for (let step = 1; step <= n; step++) {
          const j = (m.index + step) % n;
          if (m.entries[j].label.toLowerCase().startsWith(ch)) {
            m.index = j;
            speakCurrent(m);
            return true;
          }
        }
        say(`Nothing starts with ${ch}.`, 'cancel');
        return true;
      }
      if (!k.repeat && !MODIFIER_KEY.test(k.code)) say(m.hint, 'cancel');
      return true;
  }
}

/**
 * A yes/no question: "No" first, so Enter alone never does harm.
 * @param {string} prompt @param {() => void} yes @param {(m: Menu) => void} [no] default: back to normal, "Cancelled."
 */
export function confirm(prompt, yes, no) {
  const back = no || (() => {
    closeMenu();
    say('Cancelled.', 'cancel');
  });
  openMenu(prompt, {
    name: 'confirm',
    entries: [{ label: 'No' }, { label: 'Yes' }],
    hint: 'Up and Down choose Yes or No, Enter answers, Escape cancels.',
    select: (e, m) => {
      if (e.label === 'Yes') {
        closeMenu();
        yes();
      } else back(m);
    },
    cancel: back,
  });
}
