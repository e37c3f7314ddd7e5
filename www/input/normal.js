/** Normal mode: the key map of docs/controls.md. */
import { state } from '../state.js';
import { send } from '../services.js';
import { say, tone } from '../feedback.js';
import { engine } from '../services.js';
import { distancePhrase, formatNumber, plural } from '../text.js';
import { helpLines } from '../help.js';
import { openChat, openNickname } from './modes.js';
import { getPeerGain } from '../world/peer-gains.js';
import { userDisconnect } from '../session/connection.js';
import { HEARING_RADIUS } from '../constants.js';
import * as audio from './audio-keys.js';
import { handleItemKey } from '../items/commands.js';

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

function locateNearest() {
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

function openUserList() {
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

function speakUsers() {
  const names = [state.nickname, ...sortedPeers().map((p) => p.nickname)];
  say(`${names.length} ${plural(names.length, 'user', 'users')}: ${names.join(', ')}`, 'blip');
}

/** @param {'prev'|'next'|'first'|'last'} where */
function chatHistory(where) {
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

/** @param {import('../state.js').Mode} returnTo */
export function openHelp(returnTo) {
  state.modeState.helpReturn = returnTo;
  state.mode = 'helpView';
  state.modeState.index = 0;
  const lines = helpLines();
  say(lines.length ? lines[0] : 'Help unavailable.', 'blip');
}

/**
 * @param {import('./keys.js').KeyPress} k
 * @returns {boolean} handled (the browser's default is then prevented)
 */
export function handleNormal(k) {
  const escape = k.code === 'Escape' && !k.shift;
  if (!escape) state.escapePendingUntil = 0;
  switch (k.code) {
    case 'Escape':
      if (state.escapePendingUntil) {
        state.escapePendingUntil = 0;
        userDisconnect();
      } else {
        state.escapePendingUntil = Date.now();
        say('Press Escape again to disconnect.', 'cancel');
      }
      return true;
    case 'KeyC':
      if (k.shift) return false;
      say(`${formatNumber(state.x)}, ${formatNumber(state.y)}`, 'blip');
      return true;
    case 'KeyU':
      if (k.shift) return false;
      speakUsers();
      return true;
    case 'KeyL':
      if (k.shift) openUserList();
      else locateNearest();
      return true;
    case 'KeyN':
      if (k.shift) return false;
      openNickname();
      return true;
    case 'Slash':
      if (k.shift) {
        openHelp('normal');
        return true;
      }
      openChat();
      return true;
    case 'Comma':
      chatHistory(k.shift ? 'first' : 'prev');
      return true;
    case 'Period':
      chatHistory(k.shift ? 'last' : 'next');
      return true;
    case 'KeyP':
      if (k.shift) return false;
      send({ type: 'ping', clientSentAt: Date.now() });
      return true;
    case 'KeyM':
      if (k.shift) audio.toggleMono();
      else audio.toggleMute();
      return true;
    case 'Digit1':
      if (k.shift) audio.toggleLoopback();
      else audio.toggleLayer('voice');
      return true;
    case 'Digit2':
      audio.toggleLayer('item');
      return true;
    case 'Digit3':
      audio.toggleLayer('media');
      return true;
    case 'Digit4':
      audio.toggleLayer('world');
      return true;
    case 'Equal':
    case 'NumpadAdd':
      if (k.shift && k.code === 'Equal') return false;
      audio.stepMasterVolume(1);
      return true;
    case 'Minus':
    case 'NumpadSubtract':
      if (k.shift && k.code === 'Minus') return false;
      audio.stepMasterVolume(-1);
      return true;
    case 'KeyV':
      if (k.shift) audio.startCalibration();
      else audio.openMicGain();
      return true;
    default:
      return handleItemKey(k);
  }
}
