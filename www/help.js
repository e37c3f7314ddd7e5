/**
 * The help shown on the page and read by the help viewer (?), made from the
 * key maps (input/keymap.js for normal mode, piano/keymap.js for piano mode),
 * which are also what the keys do: a bound key is always in the help.
 * The key maps register themselves with input/commands.js (as for the
 * palette), so the help reads them there and imports none of the modes.
 * docs/controls.md holds the same key maps in more words.
 */
import { modeSections } from './input/commands.js';

/** @typedef {'normal'|'piano'} HelpSource */

/** @param {HelpSource} [source] @returns {Array<{ title: string, entries: Array<[string, string]> }>} */
export function helpSections(source = 'normal') {
  return modeSections(source).map((s) => ({ title: s.title, entries: s.rows.map((r) => /** @type {[string, string]} */ ([r.keys, r.help])) }));
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
