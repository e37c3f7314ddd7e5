/**
 * The property editor (O) and inspector (Shift+O): a menu of "<label>:
 * <value>" lines built from the type's metadata. Left/Right and Page
 * Up/Page Down change a value at once (options cycle, switches flip, numbers
 * step), Enter opens a chooser for options or the text field for the rest,
 * Space reads the property's help. What a user changes is said once: the
 * server's echo is spoken only when it says something else.
 */
import { state } from '../state.js';
import { send } from '../services.js';
import { say, tone } from '../feedback.js';
import { openMenu, closeMenu, currentMenu } from '../input/menu.js';
import { openEntry, closeEntry, entryValue, setEntryValue, markEntryInvalid } from '../ui/entry.js';
import { focusSurface } from '../ui/dom.js';
import { previewChange } from '../piano/remote.js';
import { propertyLabel, itemLabel, propertyMeta } from './registry.js';
import {
  editKeys, inspectKeys, propertyLine, propertyHelp, isEditable, valueType, quickValue, options,
  presentValue, rawValue, validateValue, maxLength, snapNumber,
} from './values.js';

/** @typedef {import('../input/menu.js').Menu} Menu */

/** @param {any} item @param {'edit'|'inspect'} kind */
function entriesFor(item, kind) {
  const keys = kind === 'edit' ? editKeys(item) : inspectKeys(item);
  return keys.map((k) => ({ label: propertyLabel(item.type, k), text: propertyLine(item, k), help: propertyHelp(item, k), value: k }));
}

/**
 * Send one change: the title goes as the item's title, the rest as params.
 * @param {any} item @param {string} key @param {any} value
 */
function sendChange(item, key, value) {
  if (key === 'title') send({ type: 'item_update', itemId: item.id, title: value });
  else send({ type: 'item_update', itemId: item.id, params: { [key]: value } });
}

/**
 * Say a line of the editor and remember it, so the server's echo of the same
 * words is not said again.
 * @param {Menu} m @param {string} text @param {import('../feedback.js').ToneName} [cue]
 */
function speakLine(m, text, cue = 'blip') {
  m.data.spoken = text;
  say(text, cue);
}

/**
 * A change made here: the item is updated locally at once (so the next step
 * counts from it), sent, and its new line said.
 * @param {Menu} m @param {any} item @param {string} key @param {any} value @param {boolean} clamped
 */
function change(m, item, key, value, clamped) {
  if (clamped) {
    // At its limit: the value again, with the refusal buzz; nothing is sent.
    speakLine(m, propertyLine(item, key), 'cancel');
    return;
  }
  sendChange(item, key, value);
  if (key === 'title') item.title = value;
  else item.params = { ...item.params, [key]: value };
  previewChange(item, key);
  refreshEntries(m, item);
  speakLine(m, propertyLine(item, key));
}

/** @param {Menu} m @param {any} item */
function refreshEntries(m, item) {
  const key = m.entries[m.index] ? m.entries[m.index].value : '';
  m.entries = entriesFor(item, m.data.kind);
  const at = m.entries.findIndex((e) => e.value === key);
  m.index = at >= 0 ? at : Math.min(m.index, Math.max(0, m.entries.length - 1));
}

/**
 * @param {Menu} m
 * @returns {any} the item the editor is open on, or null when it is gone
 */
function itemOf(m) {
  return state.items.get(m.data.itemId) || null;
}

/** @param {import('../input/keys.js').KeyPress} k @param {import('../input/menu.js').MenuEntry} e @param {Menu} m */
function editorKey(k, e, m) {
  const item = itemOf(m);
  if (!item) {
    closeMenu();
    say('The item is gone.', 'cancel');
    return true;
  }
  const key = e.value;
  const quick = { ArrowRight: [1, false], ArrowLeft: [-1, false], PageUp: [1, true], PageDown: [-1, true] };
  if (k.code in quick) {
    if (!isEditable(item, key) || m.data.kind !== 'edit') {
      say(`${e.label} is not editable.`, 'cancel');
      return true;
    }
    const [dir, big] = quick[k.code];
    const q = quickValue(item, key, dir, big);
    if (!q) {
      tone('cancel');
      return true;
    }
    change(m, item, key, q.value, q.clamped);
    return true;
  }
  if (k.code === 'Enter') {
    if (!isEditable(item, key) || m.data.kind !== 'edit') {
      say(`${e.label} is not editable.`, 'cancel');
      return true;
    }
    const type = valueType(item, key);
    if (type === 'boolean') {
      const q = quickValue(item, key, 1, false);
      if (q) change(m, item, key, q.value, false);
      return true;
    }
    if (type === 'list') {
      openOptions(m, item, key);
      return true;
    }
    openTextEdit(m, item, key);
    return true;
  }
  if (k.code === 'Space') {
    say(propertyHelp(item, key));
    return true;
  }
  return false;
}

/** @param {Menu} m */
function editorClosed(m) {
  closeMenu();
  say(m.data.kind === 'edit' ? 'Closed item properties.' : 'Closed inspection.', 'cancel');
}

/**
 * Open the editor or inspector on an item.
 * @param {any} item @param {'edit'|'inspect'} kind
 */
export function openProperties(item, kind) {
  const entries = entriesFor(item, kind);
  if (!entries.length) {
    say('No properties available.', 'cancel');
    return;
  }
  openMenu(`${kind === 'edit' ? 'Edit' : 'Inspect'} ${itemLabel(item)}`, {
    name: kind === 'edit' ? 'properties' : 'inspect',
    entries,
    data: { itemId: item.id, kind, spoken: entries[0].text },
    hint: kind === 'edit'
      ? 'Properties: Up and Down choose, Left and Right change, Enter edits, Space explains, Escape closes.'
      : 'Inspect: Up and Down read the properties, Space explains, Escape closes.',
    select: () => {},
    key: editorKey,
    cancel: editorClosed,
  });
}

/** An option list as a chooser; Enter sends the option and returns to the editor. @param {Menu} editor @param {any} item @param {string} key */
function openOptions(editor, item, key) {
  const opts = options(item, key);
  const current = String(rawValue(item, key) ?? '');
  const at = Math.max(0, opts.findIndex((o) => o.toLowerCase() === current.toLowerCase()));
  const label = propertyLabel(item.type, key);
  const back = () => {
    state.modeState.menu = editor;
    state.mode = 'menu';
  };
  openMenu(`Select ${label}`, {
    name: 'options',
    entries: opts.map((o) => ({ label: o })),
    index: at,
    hint: 'Options: Up and Down choose, Enter sets it, Escape goes back.',
    select: (e) => {
      back();
      const now = state.items.get(item.id) || item;
      change(editor, now, key, e.label, e.label === String(rawValue(now, key)));
    },
    cancel: () => {
      back();
      say('Cancelled.', 'cancel');
    },
    key: (k, e, m) => {
      if (k.code !== 'PageUp' && k.code !== 'PageDown') return false;
      const n = m.entries.length;
      const by = Math.min(10, n - 1) * (k.code === 'PageUp' ? -1 : 1);
      m.index = (((m.index + by) % n) + n) % n;
      say(m.entries[m.index].label, 'blip');
      return true;
    },
  });
}

/** @type {{ editor: Menu, itemId: string, key: string } | null} */
let editing = null;

/** The text field for a value, holding the current one, selected. @param {Menu} editor @param {any} item @param {string} key */
function openTextEdit(editor, item, key) {
  editing = { editor, itemId: item.id, key };
  const type = valueType(item, key);
  const r = propertyMeta(item.type, key).range;
  const hint = type === 'number'
    ? `A number${r ? ` from ${r.min} to ${r.max}` : ''}. Up and Down step it, Page Up and Page Down ten steps. Enter sets it, Escape goes back.`
    : 'Enter sets it, Escape goes back.';
  state.mode = 'itemPropertyEdit';
  const raw = rawValue(item, key);
  openEntry({
    label: propertyLabel(item.type, key),
    hint,
    value: raw === undefined || raw === null ? '' : String(raw),
    maxLength: type === 'number' ? 32 : maxLength(item, key),
    inputMode: type === 'number' ? 'decimal' : 'text',
    selectAll: true,
  });
  tone('blip');
}

/** Back from the text field to the editor, focus first. */
function backToEditor() {
  const e = editing;
  editing = null;
  focusSurface();
  closeEntry();
  if (e && state.items.has(e.itemId)) {
    state.modeState.menu = e.editor;
    state.mode = 'menu';
  } else {
    state.mode = 'normal';
    state.modeState.menu = null;
  }
}

/**
 * A key in the property's text field.
 * @param {import('../input/keys.js').KeyPress} k
 * @returns {boolean} handled
 */
export function propertyEditKey(k) {
  if (!editing) return false;
  const item = state.items.get(editing.itemId);
  if (!item) {
    backToEditor();
    say('The item is gone.', 'cancel');
    return true;
  }
  const key = editing.key;
  const steps = { ArrowUp: [1, 1], ArrowDown: [-1, 1], PageUp: [1, 10], PageDown: [-1, 10] };
  if (k.code in steps && !k.ctrl && valueType(item, key) === 'number') {
    const r = propertyMeta(item.type, key).range;
    const step = r && typeof r.step === 'number' && r.step > 0 ? r.step : 1;
    const [dir, times] = steps[k.code];
    const from = Number(entryValue().trim());
    const base = Number.isFinite(from) ? from : Number(rawValue(item, key)) || 0;
    const to = snapNumber(base + dir * step * times, r);
    setEntryValue(String(to));
    markEntryInvalid(false);
    say(String(to), to === base ? 'cancel' : 'blip');
    return true;
  }
  if (k.code === 'Enter') {
    const check = validateValue(item, key, entryValue());
    if (check.ok === false) {
      markEntryInvalid(true);
      say(check.message, 'cancel');
      return true;
    }
    const editor = editing.editor;
    backToEditor();
    sendChange(item, key, check.value);
    previewChange({ ...item, params: { ...item.params, [key]: check.value } }, key);
    // Said when the server's new version arrives (or its refusal).
    editor.data.spoken = propertyLine(item, key);
    tone('confirm');
    return true;
  }
  if (k.code === 'Escape') {
    backToEditor();
    say('Cancelled.', 'cancel');
    return true;
  }
  return false;
}

/** Focus left the property's text field: it is cancelled, the editor closes with it. */
export function propertyEditLeft() {
  editing = null;
  state.modeState.menu = null;
}

/**
 * A new version of an item arrived: an editor open on it shows it, and says
 * the current line if its words changed (a change made here was said already).
 * @param {any} item @param {{ quiet?: boolean }} [opts] quiet: show it, say nothing
 */
export function itemChanged(item, opts = {}) {
  const m = currentMenu();
  if (!m || !m.data || m.data.itemId !== item.id || (m.name !== 'properties' && m.name !== 'inspect')) return;
  refreshEntries(m, item);
  const e = m.entries[m.index];
  if (!e) {
    closeMenu();
    say('No properties available.', 'cancel');
    return;
  }
  if (opts.quiet) m.data.spoken = e.text;
  else if (e.text !== m.data.spoken) speakLine(m, e.text);
}

/**
 * An item was removed: a menu about it closes.
 * @param {string} id
 */
export function itemGone(id) {
  const m = currentMenu();
  if (m && m.data && m.data.itemId === id) {
    closeMenu();
    say('The item is gone.', 'cancel');
  }
  if (editing && editing.itemId === id) {
    backToEditor();
    say('The item is gone.', 'cancel');
  }
}

export { presentValue };
