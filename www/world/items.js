/**
 * The item snapshot (welcome.items, item_upsert, item_remove). Menus come later.
 * The server sends only the items within its item interest range and tells of
 * items entering and leaving that range with these same messages as the player
 * walks (docs/protocol.md §7.1); so none of them is announced: a walk through a
 * crowded square must stay quiet for a screen-reader user.
 */
import { state } from '../state.js';

/** @param {any} item */
export function applyItem(item) {
  if (!item || typeof item.id !== 'string') return;
  state.items.set(item.id, { ...item, carrierId: item.carrierId ?? null });
}

/** @param {string} id */
export function removeItem(id) {
  state.items.delete(id);
}

/** @param {unknown} items */
export function replaceItems(items) {
  state.items.clear();
  if (Array.isArray(items)) for (const item of items) applyItem(item);
}
