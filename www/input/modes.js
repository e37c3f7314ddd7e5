/** The modes other than normal: help viewer, user list, chat, nickname and mic gain editors. */
import { state } from '../state.js';
import { send } from '../services.js';
import { settings } from '../settings.js';
import { say, tone } from '../feedback.js';
import { helpLines } from '../help.js';
import { listEntry } from './normal.js';
import { getPeerGain, setPeerGain } from '../world/peer-gains.js';
import { startTeleport } from '../world/movement.js';
import { sanitizeNickname, snapGain, formatNumber } from '../text.js';
import { applyMicGain, closeMicGain } from './audio-keys.js';
import { MIC_GAIN_MIN, MIC_GAIN_MAX, MIC_GAIN_STEP } from '../constants.js';

/** @typedef {import('./keys.js').KeyPress} KeyPress */

function toNormal() {
  state.mode = 'normal';
  state.modeState.editor = null;
}

/** @param {KeyPress} k */
export function handleHelp(k) {
  const lines = helpLines();
  const last = lines.length - 1;
  let i = state.modeState.index;
  switch (k.code) {
    case 'ArrowUp': i = Math.max(0, i - 1); break;
    case 'ArrowDown': i = Math.min(last, i + 1); break;
    case 'Home': i = 0; break;
    case 'End': i = last; break;
    case 'Escape':
      state.mode = state.modeState.helpReturn;
      say('Closed help.', 'cancel');
      return true;
    default:
      return k.code !== 'Tab';
  }
  state.modeState.index = i;
  say(lines[i], 'blip');
  return true;
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
      return k.code !== 'Tab';
  }
}

/** @param {KeyPress} k */
export function handleChat(k) {
  const ed = state.modeState.editor;
  const out = ed.handleKey(k);
  if (out.result === 'submit') {
    const text = ed.value;
    toNormal();
    if (!text.trim()) {
      say('Cancelled.', 'cancel');
      return true;
    }
    send({ type: 'chat_message', message: text });
    if (!/^\/me\b/i.test(text)) tone('confirm');
    return true;
  }
  if (out.result === 'cancel') {
    toNormal();
    say('Cancelled.', 'cancel');
    return true;
  }
  if (out.speech) say(out.speech);
  return out.result !== 'none' || k.code !== 'Tab';
}

/** @param {KeyPress} k */
export function handleNickname(k) {
  const ed = state.modeState.editor;
  const out = ed.handleKey(k);
  if (out.result === 'submit') {
    const nick = sanitizeNickname(ed.value);
    toNormal();
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
  if (out.result === 'cancel') {
    toNormal();
    say('Cancelled.', 'cancel');
    return true;
  }
  if (out.speech) say(out.speech);
  return out.result !== 'none' || k.code !== 'Tab';
}

/** @param {KeyPress} k */
export function handleMicGain(k) {
  const ed = state.modeState.editor;
  const steps = { ArrowUp: MIC_GAIN_STEP, ArrowDown: -MIC_GAIN_STEP, PageUp: 0.5, PageDown: -0.5 };
  if (k.code in steps) {
    const before = state.micGain;
    const after = snapGain(before + steps[k.code]);
    applyMicGain(after);
    ed.value = formatNumber(after);
    ed.cursor = ed.value.length;
    ed.replaceOnType = true;
    say(formatNumber(after), after === before ? 'cancel' : 'blip');
    return true;
  }
  const out = ed.handleKey(k);
  if (out.result === 'submit') {
    const v = Number(ed.value.trim());
    if (!ed.value.trim() || !Number.isFinite(v) || v < MIC_GAIN_MIN || v > MIC_GAIN_MAX) {
      say(`Volume must be between ${MIC_GAIN_MIN} and ${MIC_GAIN_MAX}.`, 'cancel');
      return true;
    }
    const gain = snapGain(v);
    applyMicGain(gain);
    settings.setMicGain(gain);
    closeMicGain();
    say(`Microphone gain set to ${formatNumber(gain)}.`, 'confirm');
    return true;
  }
  if (out.result === 'cancel') {
    applyMicGain(state.modeState.gainBefore);
    closeMicGain();
    say('Cancelled.', 'cancel');
    return true;
  }
  if (out.speech) say(out.speech);
  return out.result !== 'none' || k.code !== 'Tab';
}
