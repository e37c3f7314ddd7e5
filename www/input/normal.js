/** Normal mode: the key map of docs/controls.md. */
import { state } from '../state.js';
import { send } from '../services.js';
import { say, tone } from '../feedback.js';
import { engine } from '../services.js';
import { distancePhrase, formatNumber, plural } from '../text.js';
import { getPeerGain } from '../world/peer-gains.js';
import { userDisconnect } from '../session/connection.js';
import { HEARING_RADIUS } from '../constants.js';

/** @param {import('../state.js').Peer} p */
export function describePeer(p) {
  return `${p.nickname}, ${distancePhrase(p.x - state.x, p.y - state.y)}, ${p.x}, ${p.y}`;
}

/** @param {import('../state.js').Peer} p */
export function listEntry(p) {
  return `${p.nickname}, volume ${formatNumber(getPeerGain(p.nickname))}, ${distancePhrase(p.x - state.x, p.y - state.y)}, ${p.x}, ${p.y}`;
}

export function sortedPeers() {
  return [...state.peers.values()].sort((a, b) => a.nickname.localeCompare(b.nickname, undefined, { sensitivity: 'base' }));
}

export function locateNearest() {
  let best = null;
  let bestD = Infinity;
  for (const p of state.peers.values()) {
    const d = Math.hypot(p.x - state.x, p.y - state.y);
    if (d < bestD) {
      best = p;
      bestD = d;
    }
  }
  if (!best) {
    say('No users to locate.', 'cancel');
    return;
  }
  if (bestD <= HEARING_RADIUS) engine.tone(880, 0.2, 'sine', 0.5, { dx: best.x - state.x, dy: best.y - state.y });
  say(describePeer(best));
}

export function openUserList() {
  const list = sortedPeers();
  if (!list.length) {
    say('No users to list.', 'cancel');
    return;
  }
  state.mode = 'listUsers';
  state.modeState.listIds = list.map((p) => p.id);
  state.modeState.index = 0;
  say(`${list.length} ${plural(list.length, 'user', 'users')}. ${listEntry(list[0])}`, 'blip');
}

export function speakUsers() {
  const names = [state.nickname, ...sortedPeers().map((p) => p.nickname)];
  say(`${names.length} ${plural(names.length, 'user', 'users')}: ${names.join(', ')}`, 'blip');
}

/** @param {'prev'|'next'|'first'|'last'} where */
export function chatHistory(where) {
  const h = state.chatHistory;
  if (!h.length) {
    say('No chat messages.', 'cancel');
    return;
  }
  let i = state.chatCursor < 0 ? h.length - 1 : state.chatCursor;
  if (where === 'prev') i = Math.max(0, i - 1);
  else if (where === 'next') i = Math.min(h.length - 1, i + 1);
  else if (where === 'first') i = 0;
  else i = h.length - 1;
  state.chatCursor = i;
  say(`${h[i]} (${i + 1} of ${h.length})`);
  if (i === 0 || i === h.length - 1) tone('blip');
}

/** Escape twice disconnects; the first press only warns. */
export function escapeKey() {
  if (state.escapePendingUntil) {
    state.escapePendingUntil = 0;
    userDisconnect();
  } else {
    state.escapePendingUntil = Date.now();
    say('Press Escape again to disconnect.', 'cancel');
  }
}

export function speakCoordinates() {
  say(`${formatNumber(state.x)}, ${formatNumber(state.y)}`, 'blip');
}

export function ping() {
  send({ type: 'ping', clientSentAt: Date.now() });
}
