/** What stands on a tile, and how it is spoken. */
import { state } from '../state.js';
import { itemLabel } from '../items/registry.js';
import { tone } from '../feedback.js';
import { speak } from '../ui/speech.js';

/** @param {number} x @param {number} y */
export function peersAt(x, y) {
  return [...state.peers.values()].filter((p) => p.x === x && p.y === y);
}

/** @param {number} x @param {number} y */
export function itemsAt(x, y) {
  return [...state.items.values()].filter((i) => !i.carrierId && i.x === x && i.y === y);
}

/** Speak who and what is on the player's tile, with the user and item pings. */
export function announceTile() {
  const users = peersAt(state.x, state.y);
  const items = itemsAt(state.x, state.y);
  const parts = [];
  if (users.length) {
    parts.push(users.map((p) => p.nickname).join(', '));
    tone('userPing');
  }
  if (items.length) {
    parts.push(items.map(itemLabel).join(', '));
    tone('itemPing');
  }
  if (parts.length) speak(parts.join('. '));
}
