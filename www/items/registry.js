/**
 * Item types as the server describes them in welcome.uiDefinitions (and
 * ui_definitions when a plugin is loaded later). Nothing here names an item
 * type or a parameter: labels, order, tooltips, capabilities, editable
 * properties, property metadata and the management actions all come from the
 * server, so a plugin dropped into plugin_dir works without a client change.
 */
import { state } from '../state.js';

/**
 * @typedef {{ valueType?: string, label?: string, tooltip?: string, maxLength?: number,
 *             options?: string[], visibleWhen?: Record<string, any>,
 *             range?: { min: number, max: number, step?: number } }} PropertyMeta
 * @typedef {{ id: string, label: string, tooltip?: string, anyPermission?: string, ownPermission?: string }} ManageAction
 */

/** @type {{ order: string[], types: Map<string, any>, adminActions: Array<{id: string, label: string, tooltip?: string}>, manage: ManageAction[],
 *           commands: Map<string, { label?: string, tooltip?: string }> }} */
const registry = { order: [], types: new Map(), adminActions: [], manage: [], commands: new Map() };

/** @param {any} ui welcome.uiDefinitions */
export function applyUiDefinitions(ui) {
  registry.order = [];
  registry.types = new Map();
  registry.adminActions = [];
  registry.manage = [];
  registry.commands = new Map();
  if (!ui || typeof ui !== 'object') return;
  const types = Array.isArray(ui.itemTypes) ? ui.itemTypes : [];
  for (const t of types) {
    if (t && typeof t.type === 'string' && t.type) registry.types.set(t.type, t);
  }
  const order = Array.isArray(ui.itemTypeOrder) ? ui.itemTypeOrder.filter((x) => registry.types.has(x)) : [];
  registry.order = order.length ? order : [...registry.types.keys()];
  if (ui.adminMenu && Array.isArray(ui.adminMenu.actions)) {
    registry.adminActions = ui.adminMenu.actions.filter((a) => a && typeof a.id === 'string' && typeof a.label === 'string');
  }
  // The account's admin menu (Shift+Z, admin/admin.js) follows the latest definitions.
  if (ui.adminMenu) state.adminMenuActions = registry.adminActions.slice();
  const im = ui.itemManagement && Array.isArray(ui.itemManagement.actions) ? ui.itemManagement.actions : [];
  registry.manage = im.filter((a) => a && typeof a.id === 'string' && typeof a.label === 'string');
  // Command palette words by command id: a list of {id, label, tooltip}, or an object by id.
  const cm = ui.commandMetadata && ui.commandMetadata.mainModeActions;
  const list = Array.isArray(cm) ? cm : cm && typeof cm === 'object' ? Object.entries(cm).map(([id, v]) => ({ ...v, id })) : [];
  for (const a of list) {
    if (!a || typeof a.id !== 'string') continue;
    registry.commands.set(a.id, {
      label: typeof a.label === 'string' && a.label ? a.label : undefined,
      tooltip: typeof a.tooltip === 'string' && a.tooltip ? a.tooltip : undefined,
    });
  }
}

/**
 * The server's label and tooltip for a command of the palette, if it sent any.
 * @param {string} id @returns {{ label?: string, tooltip?: string }}
 */
export function commandMetadata(id) {
  return registry.commands.get(id) || {};
}

export function itemTypeOrder() {
  return registry.order.slice();
}

/** @param {string} type */
function typeDef(type) {
  return registry.types.get(type) || null;
}

/** @param {string} type */
export function itemTypeLabel(type) {
  const t = typeDef(type);
  return (t && typeof t.label === 'string' && t.label) || type;
}

/** @param {string} type @returns {string} */
export function itemTypeTooltip(type) {
  const t = typeDef(type);
  return t && typeof t.tooltip === 'string' ? t.tooltip : '';
}

/** The spoken label of an item: "<title> (<type label>)". @param {any} item */
export function itemLabel(item) {
  const title = item && typeof item.title === 'string' && item.title ? item.title : itemTypeLabel(item.type);
  return `${title} (${itemTypeLabel(item.type)})`;
}

/**
 * What can be done with an item: its own capabilities, else its type's.
 * @param {any} item @param {string} capability
 */
export function itemCan(item, capability) {
  const own = Array.isArray(item.capabilities) ? item.capabilities : null;
  const t = typeDef(item.type);
  const caps = own || (t && Array.isArray(t.capabilities) ? t.capabilities : []);
  return caps.includes(capability);
}

/** The properties a user may edit, in the type's order. @param {string} type @returns {string[]} */
export function editableProperties(type) {
  const t = typeDef(type);
  return t && Array.isArray(t.editableProperties) ? t.editableProperties.filter((k) => typeof k === 'string') : [];
}

/** @param {string} type @returns {Record<string, any>} */
export function globalProperties(type) {
  const t = typeDef(type);
  return t && t.globalProperties && typeof t.globalProperties === 'object' ? t.globalProperties : {};
}

/** @param {string} type @param {string} key @returns {PropertyMeta} */
export function propertyMeta(type, key) {
  const t = typeDef(type);
  const m = t && t.propertyMetadata && typeof t.propertyMetadata === 'object' ? t.propertyMetadata[key] : null;
  return m && typeof m === 'object' ? m : {};
}

/** A key as words: "emitSoundSpeed" → "emit sound speed". @param {string} key */
export function keyWords(key) {
  return key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** @param {string} type @param {string} key */
export function propertyLabel(type, key) {
  const m = propertyMeta(type, key);
  return typeof m.label === 'string' && m.label ? m.label : keyWords(key);
}

/** The item management actions (Z) the server offers. @returns {ManageAction[]} */
export function manageActions() {
  return registry.manage.slice();
}

/**
 * Colour and letter on the canvas, derived from the type: a hue from its id
 * and the first letter of its label, so every type, a new plugin's too, gets
 * its own look without the server describing one.
 * @param {string} type
 */
export function itemStyle(type) {
  let h = 0;
  for (const ch of String(type)) h = (h * 31 + ch.codePointAt(0)) % 360;
  const letter = itemTypeLabel(type).charAt(0).toUpperCase() || '?';
  return { colour: `hsl(${h}, 85%, 62%)`, letter };
}
