/** The on-page help section, built from help.js's sections (main.js passes them). */
import { byId } from './dom.js';

/** @param {Array<{ title: string, entries: Array<[string, string]> }>} sections */
export function renderHelp(sections) {
  const root = byId('helpContent');
  root.textContent = '';
  for (const section of sections) {
    const h = document.createElement('h3');
    h.textContent = section.title;
    const list = document.createElement('dl');
    for (const [keys, text] of section.entries) {
      const dt = document.createElement('dt');
      dt.textContent = keys;
      const dd = document.createElement('dd');
      dd.textContent = text;
      list.append(dt, dd);
    }
    root.append(h, list);
  }
}

/** @param {boolean} [force] @returns {boolean} whether help is now shown */
export function toggleHelp(force) {
  const section = byId('helpSection');
  const show = force === undefined ? section.hidden : force;
  section.hidden = !show;
  // The name stays "Help"; aria-expanded alone says whether it is shown.
  byId('helpButton').setAttribute('aria-expanded', show ? 'true' : 'false');
  return show;
}
