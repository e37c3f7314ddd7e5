/**
 * The text field under the grid where chat, nickname and microphone gain are
 * typed: a real labelled <input> outside the application element, so the
 * screen reader echoes typing, reads the cursor and shows the text in
 * braille. One field serves every mode; its label and hint say which.
 */
import { byId } from './dom.js';
import { normalizeKey } from '../input/keys.js';

/** @returns {HTMLInputElement} */
function field() {
  return /** @type {HTMLInputElement} */ (byId('entryInput'));
}

/**
 * @param {{
 *   onKey: (k: import('../input/keys.js').KeyPress) => boolean,
 *   onLeave: () => void,
 * }} h onKey: a key in the field (true: handled, default prevented);
 *   onLeave: focus went elsewhere on the page while the field was open
 */
export function installEntry(h) {
  const input = field();
  input.addEventListener('keydown', (ev) => {
    if (h.onKey(normalizeKey(ev))) ev.preventDefault();
  });
  input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
  input.addEventListener('blur', () => {
    // A blur because the window lost focus keeps the field focused in the
    // document: only a move to something else on the page closes it.
    window.setTimeout(() => {
      if (!byId('entry').hidden && document.activeElement !== input) h.onLeave();
    }, 0);
  });
}

/**
 * Show the field and move focus into it.
 * @param {{ label: string, hint: string, value: string, maxLength: number,
 *           inputMode?: 'text'|'decimal', selectAll?: boolean }} o
 */
export function openEntry(o) {
  const input = field();
  byId('entryLabel').textContent = o.label;
  byId('entryHint').textContent = o.hint;
  input.maxLength = o.maxLength;
  input.inputMode = o.inputMode || 'text';
  input.value = o.value;
  input.removeAttribute('aria-invalid');
  byId('entry').hidden = false;
  input.focus();
  if (o.selectAll) input.select();
  else input.setSelectionRange(input.value.length, input.value.length);
}

/** Hide the field; the caller moves focus (normally to the grid) first. */
export function closeEntry() {
  byId('entry').hidden = true;
  field().value = '';
}

export function entryOpen() {
  return !byId('entry').hidden;
}

export function entryValue() {
  return field().value;
}

/** Replace the text and select it, so typing replaces it. @param {string} value */
export function setEntryValue(value) {
  const input = field();
  input.value = value;
  input.select();
}

/** @param {boolean} invalid */
export function markEntryInvalid(invalid) {
  if (invalid) field().setAttribute('aria-invalid', 'true');
  else field().removeAttribute('aria-invalid');
}
