/**
 * The item snapshot (welcome.items, item_upsert, item_remove). Where items are is asked of this module.
 * The server sends only the items within its item interest range and tells of
 * items entering and leaving that range with these same messages as the player
 * walks (docs/protocol.md §7.1); so none of them is announced: a walk through a
 * crowded square must stay quiet for a screen-reader user.
 */
import { state } from '../state.js';

/** The server's last word on each item; state.items may hold a change made here and not yet confirmed. */
const confirmed = new Map();

/** @param {any} item */
export function applyItem(item) {
  if (!item || typeof item.id !== 'string') return;
  const it = { ...item, carrierId: item.carrierId ?? null, params: item.params && typeof item.params === 'object' ? item.params : {} };
  confirmed.set(it.id, it);
  state.items.set(it.id, { ...it });
}

/** The server refused a change: the item is as it last said. @param {string} id */
export function revertItem(id) {
  const it = confirmed.get(id);
  if (it) state.items.set(id, { ...it });
  return it || null;
}

/** @param {string} id */
export function removeItem(id) {
  state.items.delete(id);
  confirmed.delete(id);
}

/** @param {unknown} items */
export function replaceItems(items) {
  state.items.clear();
  confirmed.clear();
  if (Array.isArray(items)) for (const item of items) applyItem(item);
}

/** The item the player carries, if any. */
export function carriedItem() {
  for (const item of state.items.values()) if (item.carrierId && item.carrierId === state.selfId) return item;
  return null;
}

/**
 * Where an item is heard from: its carrier's square while carried.
 * @param {any} item @returns {{ x: number, y: number }}
 */
export function itemPlace(item) {
  if (item.carrierId) {
    if (item.carrierId === state.selfId) return { x: state.x, y: state.y };
    const p = state.peers.get(item.carrierId);
    if (p) return { x: p.x, y: p.y };
  }
  return { x: item.x, y: item.y };
}

/** Items on the ground, nearest first (ties by label order of arrival). */
export function groundItemsByDistance() {
  return [...state.items.values()]
    .filter((i) => !i.carrierId)
    .map((i) => ({ item: i, d: Math.hypot(i.x - state.x, i.y - state.y) }))
    .sort((a, b) => a.d - b.d)
    .map((e) => e.item);
}
