/**
 * The modes other than normal: help viewer and user list (keys on the grid),
 * and chat, nickname and mic gain (typed in the entry field under the grid).
 */
import { state } from '../state.js';
import { send } from '../services.js';
import { settings } from '../settings.js';
import { say, tone } from '../feedback.js';
import { listEntry } from './normal.js';
import { getPeerGain, setPeerGain } from '../world/peer-gains.js';
import { startTeleport } from '../world/movement.js';
import { sanitizeNickname, snapGain, formatNumber } from '../text.js';
import { applyMicGain, closeMicGain } from './audio-keys.js';
import { openEntry, closeEntry, entryValue, setEntryValue, markEntryInvalid } from '../ui/entry.js';
import { focusSurface, entryHasFocus } from '../ui/dom.js';
import { propertyEditKey, propertyEditLeft } from '../items/editor.js';
import { adminEntryKey, adminEntryLeft, resetAdmin } from '../admin/admin.js';
import { MIC_GAIN_MIN, MIC_GAIN_MAX, MIC_GAIN_STEP, CHAT_MAX_LENGTH, NICKNAME_MAX_LENGTH } from '../constants.js';

/** @typedef {import('./keys.js').KeyPress} KeyPress */

/** A modifier pressed alone is no command. */
const MODIFIER_KEY = /^(Shift|Control|Alt|Meta|OS|CapsLock)/;

function toNormal() {
  state.mode = 'normal';
}

/** The listed peers that are still here. */
function listedPeers() {
  return state.modeState.listIds.map((id) => state.peers.get(id)).filter((p) => !!p);
}

/** @param {KeyPress} k */
export function handleUserList(k) {
  const list = listedPeers();
  if (!list.length) {
    toNormal();
    say('No users to list.', 'cancel');
    return true;
  }
  let i = Math.min(state.modeState.index, list.length - 1);
  const p = list[i];
  switch (k.code) {
    case 'ArrowUp':
    case 'ArrowDown':
      i = (i + (k.code === 'ArrowUp' ? -1 : 1) + list.length) % list.length;
      state.modeState.index = i;
      state.modeState.listIds = list.map((q) => q.id);
      say(listEntry(list[i]));
      return true;
    case 'ArrowLeft':
    case 'ArrowRight': {
      const before = getPeerGain(p.nickname);
      const after = snapGain(before + (k.code === 'ArrowRight' ? MIC_GAIN_STEP : -MIC_GAIN_STEP));
      setPeerGain(p.nickname, after);
      say(`${p.nickname} volume ${formatNumber(after)}.`, after === before ? 'cancel' : 'blip');
      return true;
    }
    case 'Enter':
      toNormal();
      startTeleport(p.x, p.y, p.nickname);
      return true;
    case 'Escape':
      toNormal();
      say('Exit list mode.', 'cancel');
      return true;
    default:
      if (/^(Key[A-Z]|Digit[0-9])$/.test(k.code) && !k.ctrl) {
        const ch = k.code.slice(-1).toLowerCase();
        for (let n = 1; n <= list.length; n++) {
          const j = (i + n) % list.length;
          if (list[j].nickname.toLowerCase().startsWith(ch)) {
            state.modeState.index = j;
            say(listEntry(list[j]), 'blip');
            return true;
          }
        }
        return true;
      }
      if (!k.repeat && !MODIFIER_KEY.test(k.code)) say('User list: Up and Down choose, Enter teleports, Escape leaves the list.', 'cancel');
      return true;
  }
}

/** Leave a text mode for the grid: focus first, so it never falls to the page. */
function backToGrid() {
  state.mode = 'normal';
  focusSurface();
  closeEntry();
}

/** /: the chat field. */
export function openChat() {
  state.mode = 'chat';
  openEntry({ label: 'Chat message', hint: 'Enter sends, Escape cancels. Start with /me for an action.', value: '', maxLength: CHAT_MAX_LENGTH });
  tone('blip');
}

/** N: the nickname field, holding the current name (typing replaces it). */
export function openNickname() {
  state.mode = 'nickname';
  openEntry({ label: 'New nickname', hint: 'Enter changes it, Escape keeps the old one.', value: state.nickname, maxLength: NICKNAME_MAX_LENGTH, selectAll: true });
  tone('blip');
}

/** @param {KeyPress} k */
function chatKey(k) {
  if (k.code === 'Enter') {
    const text = entryValue();
    backToGrid();
    if (!text.trim()) {
      say('Cancelled.', 'cancel');
      return true;
    }
    send({ type: 'chat_message', message: text });
    if (!/^\/me\b/i.test(text)) tone('confirm');
    return true;
  }
  if (k.code === 'Escape') {
    backToGrid();
    say('Cancelled.', 'cancel');
    return true;
  }
  return false;
}

/** @param {KeyPress} k */
function nicknameKey(k) {
  if (k.code === 'Enter') {
    const nick = sanitizeNickname(entryValue());
    backToGrid();
    if (!nick) {
      say('Cancelled.', 'cancel');
      return true;
    }
    if (nick === state.nickname) {
      say(`Nickname unchanged: ${nick}.`, 'cancel');
      return true;
    }
    send({ type: 'update_nickname', nickname: nick });
    tone('confirm');
    return true;
  }
  if (k.code === 'Escape') {
    backToGrid();
    say('Cancelled.', 'cancel');
    return true;
  }
  return false;
}

/**
 * The gain field: Up/Down and Page Up/Down change the gain live and say the
 * new value (a value set by script is not reliably read by screen readers).
 * @param {KeyPress} k
 */
function micGainKey(k) {
  const steps = { ArrowUp: MIC_GAIN_STEP, ArrowDown: -MIC_GAIN_STEP, PageUp: 0.5, PageDown: -0.5 };
  if (k.code in steps && !k.ctrl) {
    const before = state.micGain;
    const after = snapGain(before + steps[k.code]);
    applyMicGain(after);
    setEntryValue(formatNumber(after));
    markEntryInvalid(false);
    say(formatNumber(after), after === before ? 'cancel' : 'blip');
    return true;
  }
  if (k.code === 'Enter') {
    const raw = entryValue().trim();
    const v = Number(raw);
    if (!raw || !Number.isFinite(v) || v < MIC_GAIN_MIN || v > MIC_GAIN_MAX) {
      markEntryInvalid(true);
      say(`Volume must be between ${MIC_GAIN_MIN} and ${MIC_GAIN_MAX}.`, 'cancel');
      return true;
    }
    const gain = snapGain(v);
    applyMicGain(gain);
    settings.setMicGain(gain);
    closeMicGain();
    backToGrid();
    say(`Microphone gain set to ${formatNumber(gain)}.`, 'confirm');
    return true;
  }
  if (k.code === 'Escape') {
    applyMicGain(state.modeState.gainBefore);
    closeMicGain();
    backToGrid();
    say('Cancelled.', 'cancel');
    return true;
  }
  return false;
}

/**
 * A key in the entry field, for the open text mode.
 * @param {KeyPress} k
 * @returns {boolean} handled (else the field does its own editing)
 */
export function handleEntryKey(k) {
  switch (state.mode) {
    case 'chat': return chatKey(k);
    case 'nickname': return nicknameKey(k);
    case 'micGainEdit': return micGainKey(k);
    case 'itemPropertyEdit': return propertyEditKey(k);
    case 'adminEntry': return adminEntryKey(k);
    default: return false;
  }
}

/**
 * Focus left the entry field for another part of the page: the mode ends
 * as Escape would end it (the gain and loopback are put back).
 */
export function entryLeft() {
  if (!isTextMode(state.mode)) return;
  if (state.mode === 'micGainEdit') {
    applyMicGain(state.modeState.gainBefore);
    closeMicGain();
  }
  if (state.mode === 'itemPropertyEdit') propertyEditLeft();
  if (state.mode === 'adminEntry') adminEntryLeft();
  state.mode = 'normal';
  closeEntry();
  say('Cancelled.', 'cancel');
}

/** @param {import('../state.js').Mode} mode */
export function isTextMode(mode) {
  return mode === 'chat' || mode === 'nickname' || mode === 'micGainEdit' || mode === 'itemPropertyEdit' || mode === 'adminEntry';
}

/**
 * Close whatever mode is open (disconnect). Focus in the entry field goes to
 * the grid first, so it is never left on a hidden field.
 */
export function closeModes() {
  const text = isTextMode(state.mode);
  if (state.mode === 'micGainEdit') closeMicGain();
  if (state.mode === 'itemPropertyEdit') propertyEditLeft();
  resetAdmin();
  state.mode = 'normal';
  state.modeState.menu = null;
  if (text) {
    if (entryHasFocus()) focusSurface();
    closeEntry();
  }
}
