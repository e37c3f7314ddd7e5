/**
 * Item types as the server describes them in welcome.uiDefinitions. Nothing
 * here names an item type: labels, order, capabilities and property metadata
 * all come from the server. (Item menus arrive with the items issue.)
 */

/** @type {{ order: string[], types: Map<string, any>, adminActions: Array<{id: string, label: string}> }} */
const registry = { order: [], types: new Map(), adminActions: [] };

/** @param {any} ui welcome.uiDefinitions */
export function applyUiDefinitions(ui) {
  registry.order = [];
  registry.types = new Map();
  registry.adminActions = [];
  if (!ui || typeof ui !== 'object') return;
  const types = Array.isArray(ui.itemTypes) ? ui.itemTypes : [];
  for (const t of types) {
    if (t && typeof t.type === 'string' && t.type) registry.types.set(t.type, t);
  }
  const order = Array.isArray(ui.itemTypeOrder) ? ui.itemTypeOrder.filter((x) => registry.types.has(x)) : [];
  registry.order = order.length ? order : [...registry.types.keys()];
  if (ui.adminMenu && Array.isArray(ui.adminMenu.actions)) {
    registry.adminActions = ui.adminMenu.actions.filter((a) => a && typeof a.id === 'string');
  }
}

export function itemTypeOrder() {
  return registry.order.slice();
}

/** @param {string} type */
export function itemTypeLabel(type) {
  const t = registry.types.get(type);
  return (t && typeof t.label === 'string' && t.label) || type;
}

/** The spoken label of an item: "<title> (<type label>)". @param {any} item */
export function itemLabel(item) {
  const title = item && typeof item.title === 'string' && item.title ? item.title : itemTypeLabel(item.type);
  return `${title} (${itemTypeLabel(item.type)})`;
}

/**
 * Colour and letter on the canvas: from the type's own metadata when the
 * server gives them, else the first letter of its label.
 * @param {string} type
 */
export function itemStyle(type) {
  const t = registry.types.get(type) || {};
  const colour = typeof t.colour === 'string' ? t.colour : typeof t.color === 'string' ? t.color : '#60a5fa';
  const letter = typeof t.letter === 'string' && t.letter ? t.letter : itemTypeLabel(type).charAt(0).toUpperCase() || '?';
  return { colour, letter };
}
