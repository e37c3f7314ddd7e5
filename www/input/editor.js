/**
 * The shared single-line text editor: chat, nickname and number entry. It
 * changes its buffer and says what a screen reader user needs to hear; typed
 * characters are not echoed (the screen reader does that), cursor moves and
 * deletions are.
 */
import { charName } from '../text.js';

/** @typedef {{ result: 'submit'|'cancel'|'edit'|'none', speech?: string }} EditOutcome */

/** @param {string} ch */
function isWordChar(ch) {
  return /[\p{L}\p{N}_']/u.test(ch);
}

export class TextEditor {
  /**
   * @param {string} value
   * @param {number} maxLength
   * @param {boolean} replaceOnType first printable key replaces everything
   */
  constructor(value, maxLength, replaceOnType) {
    this.value = value;
    this.cursor = value.length;
    this.maxLength = maxLength;
    this.replaceOnType = replaceOnType;
  }

  /** The word around the cursor, or its character. */
  wordAtCursor() {
    let start = this.cursor;
    let end = this.cursor;
    while (start > 0 && isWordChar(this.value[start - 1])) start--;
    while (end < this.value.length && isWordChar(this.value[end])) end++;
    if (end > start) return this.value.slice(start, end);
    return charName(this.value[this.cursor] ?? ' ');
  }

  charAtCursor() {
    return this.cursor >= this.value.length ? 'blank' : charName(this.value[this.cursor]);
  }

  /**
   * @param {import('./keys.js').KeyPress} k
   * @returns {EditOutcome}
   */
  handleKey(k) {
    const v = this.value;
    if (k.code === 'Enter') return { result: 'submit' };
    if (k.code === 'Escape') return { result: 'cancel' };
    if (k.ctrl) {
      if (k.code === 'KeyA') {
        this.replaceOnType = true;
        this.cursor = v.length;
        return { result: 'edit', speech: v ? `${v} selected` : 'Nothing to select' };
      }
      if (k.code === 'ArrowLeft') {
        this.replaceOnType = false;
        let i = this.cursor;
        while (i > 0 && !isWordChar(v[i - 1])) i--;
        while (i > 0 && isWordChar(v[i - 1])) i--;
        this.cursor = i;
        return { result: 'edit', speech: this.wordAtCursor() };
      }
      if (k.code === 'ArrowRight') {
        this.replaceOnType = false;
        let i = this.cursor;
        while (i < v.length && isWordChar(v[i])) i++;
        while (i < v.length && !isWordChar(v[i])) i++;
        this.cursor = i;
        return { result: 'edit', speech: i >= v.length ? 'blank' : this.wordAtCursor() };
      }
      if (k.code === 'Backspace') {
        this.replaceOnType = false;
        let i = this.cursor;
        while (i > 0 && !isWordChar(v[i - 1])) i--;
        while (i > 0 && isWordChar(v[i - 1])) i--;
        const removed = v.slice(i, this.cursor);
        this.value = v.slice(0, i) + v.slice(this.cursor);
        this.cursor = i;
        return { result: 'edit', speech: removed || 'blank' };
      }
      return { result: 'none' };
    }
    switch (k.code) {
      case 'ArrowLeft':
        this.replaceOnType = false;
        if (this.cursor > 0) this.cursor--;
        return { result: 'edit', speech: this.charAtCursor() };
      case 'ArrowRight':
        this.replaceOnType = false;
        if (this.cursor < v.length) this.cursor++;
        return { result: 'edit', speech: this.charAtCursor() };
      case 'Home':
        this.replaceOnType = false;
        this.cursor = 0;
        return { result: 'edit', speech: this.charAtCursor() };
      case 'End':
        this.replaceOnType = false;
        this.cursor = v.length;
        return { result: 'edit', speech: this.charAtCursor() };
      case 'Backspace': {
        this.replaceOnType = false;
        if (this.cursor === 0) return { result: 'edit', speech: 'blank' };
        const removed = v[this.cursor - 1];
        this.value = v.slice(0, this.cursor - 1) + v.slice(this.cursor);
        this.cursor--;
        return { result: 'edit', speech: charName(removed) };
      }
      case 'Delete': {
        this.replaceOnType = false;
        if (this.cursor >= v.length) return { result: 'edit', speech: 'blank' };
        const removed = v[this.cursor];
        this.value = v.slice(0, this.cursor) + v.slice(this.cursor + 1);
        return { result: 'edit', speech: charName(removed) };
      }
      default:
        if (k.key.length === 1 && !k.alt) {
          this.insert(k.key);
          return { result: 'edit' };
        }
        return { result: 'none' };
    }
  }

  /** Insert typed or pasted text at the cursor, within the length limit. @param {string} text */
  insert(text) {
    // eslint-disable-next-line no-control-regex
    const clean = text.replace(/\r\n|\r|\n/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
    if (this.replaceOnType) {
      this.value = '';
      this.cursor = 0;
      this.replaceOnType = false;
    }
    const room = this.maxLength - this.value.length;
    if (room <= 0 || !clean) return;
    const piece = clean.slice(0, room);
    this.value = this.value.slice(0, this.cursor) + piece + this.value.slice(this.cursor);
    this.cursor += piece.length;
  }
}
