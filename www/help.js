/**
 * The help shown on the page and read by the help viewer (?), made from the
 * key maps (input/keymap.js for normal mode, piano/keymap.js for piano mode),
 * which are also what the keys do: a bound key is always in the help.
 * docs/controls.md holds the same key maps in more words.
 */
import { KEYMAP } from './input/keymap.js';
import { pianoHelpSections } from './piano/keymap.js';

/** @typedef {'normal'|'piano'} HelpSource */

/** @param {HelpSource} [source] @returns {Array<{ title: string, entries: Array<[string, string]> }>} */
export function helpSections(source = 'normal') {
  if (source === 'piano') return pianoHelpSections();
  return KEYMAP.map((s) => ({ title: s.title, entries: s.rows.map((r) => /** @type {[string, string]} */ ([r.keys, r.help])) }));
}

/** The help viewer's lines: section titles and "keys: description" rows. @param {HelpSource} [source] */
export function helpLines(source = 'normal') {
  /** @type {string[]} */
  const lines = [];
  for (const section of helpSections(source)) {
    lines.push(section.title);
    for (const [keys, text] of section.entries) lines.push(`${keys}: ${text}`);
  }
  return lines;
}
