/**
 * The command palette (Shift+K, the Applications key, Shift+F10): every
 * command of the current mode in the shared list control (menu.js), each
 * spoken "<label>: <keys>" with punctuation as words; Space reads its help,
 * Enter returns to the mode the palette came from and runs the command,
 * Escape says "Closed commands.".
 *
 * A mode contributes its commands with one call,
 *   registerModeCommands('piano', () => PIANO_KEYMAP);
 * where the sections have the shape of KEYMAP (input/keymap.js): rows
 * { keys, help, label?, bind?, when?, run?, id? }. A row is a command when it
 * has a label and a binding; `when` (if any) says whether it can do anything
 * now (the palette lists only those), `run` is what Enter runs (default: the
 * row's first binding). The palette keys open it in every mode that
 * registered a table (router.js); other modes keep those keys.
 *
 * The server may rename commands and reword their help through
 * uiDefinitions.commandMetadata.mainModeActions ({id, label, tooltip} by row
 * id); ours sends none, so the table's own words are used.
 */
import { state } from '../state.js';
import { say } from '../feedback.js';
import { openMenu } from './menu.js';
import { commandMetadata } from '../items/registry.js';

/**
 * @typedef {{ codes: string[], shift: boolean | null, run: () => void }} Binding
 *   shift: true / false to require Shift pressed or not, null for either
 * @typedef {{ keys: string, help: string, label?: string, id?: string, bind?: Binding[],
 *             when?: () => boolean, run?: () => void }} KeyRow
 * @typedef {{ title: string, rows: KeyRow[] }} KeySection
 * @typedef {{ id: string, label: string, keys: string, spoken: string, help: string, run: () => void }} Command
 */

/** @type {Map<string, () => KeySection[]>} */
const tables = new Map();

/**
 * Let a mode's commands be listed by the palette (and the palette keys open
 * it in that mode).
 * @param {string} mode the state.mode name @param {() => KeySection[]} sections
 */
export function registerModeCommands(mode, sections) {
  tables.set(mode, sections);
}

/** A mode's key table, as it registered it (none: empty). @param {string} mode @returns {KeySection[]} */
export function modeSections(mode) {
  const t = tables.get(mode);
  return t ? t() : [];
}

/** @param {string} mode */
export function hasModeCommands(mode) {
  return tables.has(mode);
}

/** The keys that open the palette. @param {import('./keys.js').KeyPress} k */
export function isPaletteKey(k) {
  return k.code === 'ContextMenu' || (k.shift && (k.code === 'KeyK' || k.code === 'F10'));
}

/** Punctuation as a screen reader may not say it, as words. */
const PUNCTUATION = /** @type {Record<string, string>} */ ({
  '?': 'question mark', ',': 'comma', '.': 'period', '/': 'slash', '-': 'minus', '=': 'equals',
  '+': 'plus', ';': 'semicolon', ':': 'colon', "'": 'apostrophe', '"': 'quote', '[': 'left bracket',
  ']': 'right bracket', '\\': 'backslash', '`': 'backquote', '!': 'exclamation mark', '<': 'less than',
  '>': 'greater than', '#': 'number sign', '*': 'star',
});

/** The names of punctuation keys, said in lower case like the symbols' words. */
const PUNCTUATION_NAMES = new RegExp(`\\b(${[...new Set(Object.values(PUNCTUATION))].join('|')}|equal)\\b`, 'gi');

/**
 * Keys as spoken: a punctuation key becomes its name in words ("Shift+/" →
 * "Shift+slash", "?" and "Question mark" → "question mark"); other words stay.
 * @param {string} keys
 */
export function spokenKeys(keys) {
  return keys.split(' ').map((word) => {
    if (PUNCTUATION[word]) return PUNCTUATION[word];
    const m = /^(.+\+)(.)$/.exec(word);
    if (m && PUNCTUATION[m[2]]) return `${m[1]}${PUNCTUATION[m[2]]}`;
    return word;
  }).join(' ').replace(PUNCTUATION_NAMES, (w) => w.toLowerCase());
}

/** "Speak coordinates" → "speakCoordinates". @param {string} label */
export function commandId(label) {
  return label.toLowerCase().replace(/[^a-z0-9]+(.)/g, (_, c) => c.toUpperCase()).replace(/[^a-zA-Z0-9]/g, '');
}

/**
 * The commands of a table: its bound rows with a label, in order. With
 * `all`, those whose `when` says they can do nothing now are kept too (the
 * docs list every command).
 * @param {KeySection[]} sections @param {{ all?: boolean }} [opts]
 * @returns {Command[]}
 */
export function commandsOf(sections, opts = {}) {
  /** @type {Command[]} */
  const out = [];
  for (const section of sections) {
    for (const row of section.rows) {
      if (!row.label || !row.bind || !row.bind.length) continue;
      if (!opts.all && row.when && !row.when()) continue;
      const id = row.id || commandId(row.label);
      const meta = commandMetadata(id);
      const label = meta.label || row.label;
      out.push({
        id,
        label,
        keys: row.keys,
        spoken: `${label}: ${spokenKeys(row.keys)}`,
        help: meta.tooltip || row.help,
        run: row.run || row.bind[0].run,
      });
    }
  }
  return out;
}

/** The commands the palette would list now in a mode. @param {string} mode */
export function modeCommands(mode) {
  const t = tables.get(mode);
  return t ? commandsOf(t()) : [];
}

/** Open the palette over the current mode (which must have registered a table). */
export function openPalette() {
  const back = state.mode;
  const commands = modeCommands(back);
  if (!commands.length) {
    say('No commands available in this mode.', 'cancel');
    return;
  }
  const leave = () => {
    state.mode = back;
    state.modeState.menu = null;
  };
  openMenu('Commands', {
    name: 'commands',
    entries: commands.map((c) => ({ label: c.label, text: c.spoken, help: c.help, value: c })),
    data: { returnTo: back },
    hint: 'Commands: Up and Down choose, Space describes, Enter runs, Escape closes.',
    select: (e) => {
      leave();
      /** @type {Command} */ (e.value).run();
    },
    cancel: () => {
      leave();
      say('Closed commands.', 'cancel');
    },
  });
}

/**
 * The mode the open palette returns to, or null when no palette is open
 * (a mode that holds keys down, e.g. piano notes, still wants their key-ups).
 * @returns {string | null}
 */
export function paletteReturnMode() {
  const m = state.mode === 'menu' ? state.modeState.menu : null;
  return m && m.name === 'commands' ? m.data.returnTo : null;
}
