/**
 * The help shown on the page and read by the help viewer (?), made from the
 * key map (input/keymap.js), which is also what the keys do: a bound key is
 * always in the help. docs/controls.md holds the same key map in more words.
 */
import { KEYMAP } from './input/keymap.js';

/** @returns {Array<{ title: string, entries: Array<[string, string]> }>} */
export function helpSections() {
  return KEYMAP.map((s) => ({ title: s.title, entries: s.rows.map((r) => /** @type {[string, string]} */ ([r.keys, r.help])) }));
}

/** The help viewer's lines: section titles and "keys: description" rows. */
export function helpLines() {
  /** @type {string[]} */
  const lines = [];
  for (const section of helpSections()) {
    lines.push(section.title);
    for (const [keys, text] of section.entries) lines.push(`${keys}: ${text}`);
  }
  return lines;
}
