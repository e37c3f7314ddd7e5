/**
 * A key press as the modes see it: a layout-independent code (KeyboardEvent.code
 * when the browser gives one, else one derived from key) plus the modifiers.
 */

/** @typedef {{ code: string, key: string, shift: boolean, ctrl: boolean, alt: boolean, repeat: boolean }} KeyPress */

const KEY_TO_CODE = {
  Escape: 'Escape', Esc: 'Escape', Enter: 'Enter', Backspace: 'Backspace', Delete: 'Delete', Del: 'Delete',
  ArrowUp: 'ArrowUp', Up: 'ArrowUp', ArrowDown: 'ArrowDown', Down: 'ArrowDown',
  ArrowLeft: 'ArrowLeft', Left: 'ArrowLeft', ArrowRight: 'ArrowRight', Right: 'ArrowRight',
  Home: 'Home', End: 'End', PageUp: 'PageUp', PageDown: 'PageDown', Tab: 'Tab', ' ': 'Space',
  '=': 'Equal', '+': 'Equal', '-': 'Minus', _: 'Minus', '/': 'Slash', '?': 'Slash',
  ',': 'Comma', '<': 'Comma', '.': 'Period', '>': 'Period', ';': 'Semicolon', ':': 'Semicolon',
  "'": 'Quote', '"': 'Quote', '[': 'BracketLeft', '{': 'BracketLeft', ']': 'BracketRight', '}': 'BracketRight',
  '\\': 'Backslash', '|': 'Backslash', '!': 'Digit1', '@': 'Digit2', '#': 'Digit3', $: 'Digit4',
  '%': 'Digit5', '^': 'Digit6', '&': 'Digit7', '*': 'Digit8', '(': 'Digit9', ')': 'Digit0',
};

/**
 * @param {{ code?: string, key?: string, shiftKey?: boolean, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean, repeat?: boolean, location?: number }} ev
 * @returns {KeyPress}
 */
export function normalizeKey(ev) {
  let code = ev.code && ev.code !== 'Unidentified' ? ev.code : '';
  const key = ev.key || '';
  if (!code) {
    if (/^[a-z]$/i.test(key)) code = `Key${key.toUpperCase()}`;
    else if (/^[0-9]$/.test(key)) code = `Digit${key}`;
    else if ((key === '+' || key === '-') && ev.location === 3) code = key === '+' ? 'NumpadAdd' : 'NumpadSubtract';
    else code = KEY_TO_CODE[key] || key;
  }
  if (code === 'NumpadEnter') code = 'Enter';
  return {
    code,
    key,
    shift: !!ev.shiftKey,
    ctrl: !!(ev.ctrlKey || ev.metaKey),
    alt: !!ev.altKey,
    repeat: !!ev.repeat,
  };
}

/** @param {string} code */
export function isArrow(code) {
  return code === 'ArrowUp' || code === 'ArrowDown' || code === 'ArrowLeft' || code === 'ArrowRight';
}
