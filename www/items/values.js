/**
 * Item properties as the editor shows them: which keys, their values in
 * words, their help, and the checks a value passes before it is sent. All of
 * it is read from the type's metadata (welcome.uiDefinitions) and the item's
 * own fields; no type or parameter is named here.
 */
import { editableProperties, globalProperties, propertyMeta, propertyLabel } from './registry.js';
import { formatNumber } from '../text.js';

/** The item fields every item has on the wire (docs/protocol.md §7.1), inspected after the editable ones. */
const WIRE_FIELDS = ['type', 'x', 'y', 'carrierId', 'version', 'createdBy', 'updatedBy', 'createdAt', 'updatedAt', 'capabilities', 'useSound', 'emitSound'];
/** Item fields that are the item itself, not properties. */
const NOT_PROPERTIES = new Set(['id', 'params', 'display', 'title', 'createdByName', 'updatedByName']);

const DEFAULT_MAX_LENGTH = 500;

/**
 * A property's raw value: the title, a parameter, a field of the item, or
 * the type's global value.
 * @param {any} item @param {string} key
 */
export function rawValue(item, key) {
  if (key === 'title') return item.title;
  if (item.params && Object.prototype.hasOwnProperty.call(item.params, key)) return item.params[key];
  if (Object.prototype.hasOwnProperty.call(item, key) && !NOT_PROPERTIES.has(key)) return item[key];
  const g = globalProperties(item.type);
  return Object.prototype.hasOwnProperty.call(g, key) ? g[key] : undefined;
}

/**
 * The kind of value: the metadata's valueType, else the value's own.
 * @param {any} item @param {string} key @returns {'boolean'|'number'|'text'|'list'|'sound'}
 */
export function valueType(item, key) {
  const m = propertyMeta(item.type, key);
  if (Array.isArray(m.options) && m.options.length && m.valueType !== 'boolean') return 'list';
  if (m.valueType === 'boolean' || m.valueType === 'number' || m.valueType === 'list' || m.valueType === 'sound') return m.valueType;
  if (m.valueType === 'text') return 'text';
  const v = rawValue(item, key);
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'number';
  return 'text';
}

/** Decimals of a step: 0.1 → 1. @param {number} step */
function decimals(step) {
  const s = String(step);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** A truthy reading of a switch as the server reads one. @param {any} v */
function asBoolean(v) {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return /^(on|true|1|yes)$/i.test(v.trim());
  return false;
}

/**
 * A property's value in words.
 * @param {any} item @param {string} key
 */
export function presentValue(item, key) {
  if (key === 'title') return String(item.title ?? '');
  const display = item.display && typeof item.display === 'object' ? item.display : {};
  if (typeof display[key] === 'string' && !(item.params && key in item.params)) return display[key];
  const v = rawValue(item, key);
  const type = valueType(item, key);
  if (v === undefined || v === null || v === '') return type === 'boolean' ? 'off' : 'none';
  if (type === 'boolean') return asBoolean(v) ? 'on' : 'off';
  if (type === 'sound') {
    const s = String(v).split(/[?#]/)[0];
    const last = s.split('/').filter(Boolean).pop();
    return last || 'none';
  }
  if (typeof v === 'number') {
    const r = propertyMeta(item.type, key).range;
    if (r && typeof r.step === 'number' && r.step > 0) return String(Number(v.toFixed(decimals(r.step))));
    return formatNumber(v);
  }
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Whether a property applies: every visibleWhen condition holds (a string
 * starting with "!" means "not equal").
 * @param {any} item @param {string} key
 */
export function isVisible(item, key) {
  const when = propertyMeta(item.type, key).visibleWhen;
  if (!when || typeof when !== 'object') return true;
  for (const [other, want] of Object.entries(when)) {
    const have = rawValue(item, other);
    if (typeof want === 'string' && want.startsWith('!')) {
      if (String(have) === want.slice(1)) return false;
    } else if (typeof want === 'boolean') {
      if (asBoolean(have) !== want) return false;
    } else if (String(have) !== String(want)) return false;
  }
  return true;
}

/** @param {any} item @param {string} key */
export function isEditable(item, key) {
  return editableProperties(item.type).includes(key);
}

/** The editor's keys: the editable properties that apply. @param {any} item */
export function editKeys(item) {
  return editableProperties(item.type).filter((k) => isVisible(item, k));
}

/**
 * Inspect's keys: the editable ones, the item's wire fields, then its other
 * parameters, the type's global values and anything else the server added,
 * each sorted; those that do not apply are left out.
 * @param {any} item
 */
export function inspectKeys(item) {
  /** @type {string[]} */
  const keys = [];
  const add = (/** @type {string} */ k) => {
    if (!keys.includes(k) && isVisible(item, k)) keys.push(k);
  };
  editableProperties(item.type).forEach(add);
  WIRE_FIELDS.forEach(add);
  Object.keys(item.params || {}).sort().forEach(add);
  Object.keys(globalProperties(item.type)).sort().forEach(add);
  Object.keys(item).filter((k) => !NOT_PROPERTIES.has(k)).sort().forEach(add);
  return keys;
}

/** @param {any} item @param {string} key */
export function propertyLine(item, key) {
  return `${propertyLabel(item.type, key)}: ${presentValue(item, key)}`;
}

/** @param {any} item @param {string} key */
export function maxLength(item, key) {
  const m = propertyMeta(item.type, key).maxLength;
  return typeof m === 'number' && m > 0 ? m : DEFAULT_MAX_LENGTH;
}

/** @param {any} item @param {string} key @returns {string[]} */
export function options(item, key) {
  const o = propertyMeta(item.type, key).options;
  return Array.isArray(o) ? o.map(String) : [];
}

/** Space: the property's help. @param {any} item @param {string} key */
export function propertyHelp(item, key) {
  const m = propertyMeta(item.type, key);
  const parts = [typeof m.tooltip === 'string' && m.tooltip ? m.tooltip : 'No tooltip available.'];
  const type = valueType(item, key);
  parts.push(`Type: ${type}.`);
  const r = m.range;
  if (r && typeof r.min === 'number' && typeof r.max === 'number') {
    parts.push(`Range: ${formatNumber(r.min)} to ${formatNumber(r.max)}${typeof r.step === 'number' ? ` step ${r.step}` : ''}.`);
  }
  const opts = options(item, key);
  if (opts.length) parts.push(`Options: ${opts.join(', ')}.`);
  if (typeof m.maxLength === 'number' && m.maxLength > 0) parts.push(`Max length: ${m.maxLength} characters.`);
  parts.push(isEditable(item, key) ? 'Editable.' : 'Read only.');
  return parts.join(' ');
}

/**
 * Snap a number onto its step grid (anchored at the minimum) and clamp it.
 * @param {number} v @param {{ min?: number, max?: number, step?: number } | undefined} r
 */
export function snapNumber(v, r) {
  if (!r) return v;
  const min = typeof r.min === 'number' ? r.min : -Infinity;
  const max = typeof r.max === 'number' ? r.max : Infinity;
  let out = v;
  if (typeof r.step === 'number' && r.step > 0) {
    const anchor = Number.isFinite(min) ? min : 0;
    out = anchor + Math.round((v - anchor) / r.step) * r.step;
    out = Number(out.toFixed(decimals(r.step)));
  }
  return Math.min(max, Math.max(min, out));
}

/**
 * Check a typed value before it is sent.
 * @param {any} item @param {string} key @param {string} raw
 * @returns {{ ok: true, value: any } | { ok: false, message: string }}
 */
export function validateValue(item, key, raw) {
  const label = propertyLabel(item.type, key);
  const text = String(raw);
  const type = valueType(item, key);
  if (key === 'title' && !text.trim()) return { ok: false, message: 'Value is required.' };
  if (type === 'boolean') {
    const t = text.trim().toLowerCase();
    if (/^(on|true|1|yes)$/.test(t)) return { ok: true, value: true };
    if (/^(off|false|0|no)$/.test(t)) return { ok: true, value: false };
    return { ok: false, message: `${label} must be on or off.` };
  }
  if (type === 'number') {
    const t = text.trim();
    const n = Number(t);
    if (!t || !Number.isFinite(n)) return { ok: false, message: `${label} must be a number.` };
    const r = propertyMeta(item.type, key).range;
    if (r && typeof r.min === 'number' && typeof r.max === 'number' && (n < r.min || n > r.max)) {
      return { ok: false, message: `${label} must be between ${formatNumber(r.min)} and ${formatNumber(r.max)}.` };
    }
    return { ok: true, value: snapNumber(n, r) };
  }
  if (type === 'list') {
    const opts = options(item, key);
    if (!opts.length) return { ok: false, message: `${label} has no options.` };
    const hit = opts.find((o) => o.toLowerCase() === text.trim().toLowerCase());
    if (hit === undefined) return { ok: false, message: `${label} must be one of: ${opts.join(', ')}.` };
    return { ok: true, value: hit };
  }
  const max = maxLength(item, key);
  if ([...text].length > max) return { ok: false, message: `${label} must be ${max} characters or less.` };
  return { ok: true, value: text };
}

/**
 * A quick edit: the next option, the other switch position, or the number a
 * step (or ten) away. null when the property takes no quick edit.
 * @param {any} item @param {string} key @param {number} dir +1 / -1 @param {boolean} big ten steps (Page Up/Down)
 * @returns {{ value: any, clamped: boolean } | null}
 */
export function quickValue(item, key, dir, big) {
  const type = valueType(item, key);
  const v = rawValue(item, key);
  if (type === 'boolean') return { value: !asBoolean(v), clamped: false };
  if (type === 'list') {
    const opts = options(item, key);
    if (!opts.length) return null;
    const n = opts.length;
    const at = Math.max(0, opts.findIndex((o) => o.toLowerCase() === String(v ?? '').toLowerCase()));
    const by = big ? Math.min(10, n - 1) : 1;
    return { value: opts[(((at + dir * by) % n) + n) % n], clamped: n < 2 };
  }
  if (type === 'number') {
    const r = propertyMeta(item.type, key).range;
    const step = r && typeof r.step === 'number' && r.step > 0 ? r.step : 1;
    const from = typeof v === 'number' ? v : Number(v) || 0;
    const to = snapNumber(from + dir * step * (big ? 10 : 1), r);
    return { value: to, clamped: to === from };
  }
  return null;
}
