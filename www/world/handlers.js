/** Messages that change the world while connected. */
import { state } from '../state.js';
import { peers, engine } from '../services.js';
import { say, pushChat, recordLine, sample, tone } from '../feedback.js';
import { SAMPLES, randomStep } from '../audio/sounds.js';
import { applyPermissions } from '../session/permissions.js';
import { teleportRefused } from './movement.js';
import { applyItem, removeItem, revertItem, itemPlace } from './items.js';
import { applyUiDefinitions } from '../items/registry.js';
import { itemChanged, itemGone } from '../items/editor.js';
import { transferTargets, locateTone } from '../items/commands.js';
import { soundUrl } from '../audio/urls.js';
import { announceClock } from '../audio/clock.js';
import { isInt } from '../net/protocol.js';
import { sanitizeNickname } from '../text.js';
import { presence } from './presence.js';
import { pianoStatus, pianoResult, noteRefused, pianoItemGone } from '../piano/mode.js';
import { remoteNote, stopSender } from '../piano/remote.js';
import { adminActionResult, adminRolesList, adminUsersList, adminActionsChanged } from '../admin/admin.js';

/** Errors about our own signalling are for the console, not the user. */
const QUIET_ERRORS = new Set(['unknown_target', 'muted', 'signal_out_of_range', 'signal_limit', 'signal_target_busy']);

/** @param {any} msg */
function chatSound(msg) {
  const text = String(msg.message);
  if (msg.action) return sample(SAMPLES.action);
  if (!msg.system) return undefined;
  if (/^welcome\. logged in as /i.test(text)) return sample(SAMPLES.logon);
  if (text === 'Server reboot already in progress.') return tone('blip');
  if (/ is now known as /.test(text) || /^you are now known as /i.test(text) || /^server rebooting in /i.test(text)) {
    return sample(SAMPLES.notify);
  }
  return undefined;
}

/** @param {any} p */
function addPeer(p) {
  state.peers.set(p.id, {
    id: p.id,
    userId: typeof p.userId === 'string' ? p.userId : '',
    nickname: sanitizeNickname(p.nickname) || 'user',
    x: isInt(p.x) ? p.x : 0,
    y: isInt(p.y) ? p.y : 0,
  });
}

/** @type {Record<string, (msg: any) => void>} */
const HANDLERS = {
  update_position(msg) {
    if (msg.id === state.selfId) {
      // The server's word on our own position: an echo or a correction.
      if (!state.teleport) {
        state.x = state.drawX = msg.x;
        state.y = state.drawY = msg.y;
      }
      return;
    }
    const p = state.peers.get(msg.id);
    if (!p) return;
    const moved = Math.hypot(msg.x - p.x, msg.y - p.y);
    p.x = msg.x;
    p.y = msg.y;
    if (state.layers.world && moved <= 1.5 && moved > 0) {
      sample(randomStep(), { gain: 0.7, dx: p.x - state.x, dy: p.y - state.y });
    }
  },

  teleport_complete(msg) {
    const p = state.peers.get(msg.id);
    if (p) {
      p.x = msg.x;
      p.y = msg.y;
    }
    if (msg.id !== state.selfId && state.layers.world) {
      sample(SAMPLES.teleport, { gain: 0.7, dx: msg.x - state.x, dy: msg.y - state.y });
    }
  },

  update_nickname(msg) {
    const p = state.peers.get(msg.id);
    if (p) p.nickname = sanitizeNickname(msg.nickname) || p.nickname;
    if (msg.id === state.selfId) state.nickname = msg.nickname;
  },

  user_joined(msg) {
    if (msg.id === state.selfId) return;
    addPeer(msg);
    // A newcomer offers; one that walked into range is offered to by the smaller id.
    if (msg.reason === 'login') peers.setOfferer(msg.id, 'peer');
    else peers.setOfferer(msg.id, state.selfId < msg.id ? 'self' : 'peer');
    if (msg.reason === 'in_range') presence('in_range', `${state.peers.get(msg.id).nickname} is in range.`);
  },

  user_left(msg) {
    const p = state.peers.get(msg.id);
    state.peers.delete(msg.id);
    peers.close(msg.id);
    peers.offerer.delete(msg.id);
    stopSender(msg.id);
    // A logout is announced by the server's "has logged out." line.
    if (p && msg.reason === 'out_of_range') presence('out_of_range', `${p.nickname} is out of range.`);
  },

  chat_message(msg) {
    const text = msg.system || msg.action ? msg.message : `${msg.senderNickname || 'Unknown'}: ${msg.message}`;
    const arrival = msg.system ? / has logged (in|out)\.$/.exec(text) : null;
    if (arrival) {
      // Presence is told in batches (world/presence.js); the log keeps every line.
      recordLine(text);
      presence(arrival[1] === 'in' ? 'login' : 'logout', text);
      return;
    }
    pushChat(text);
    chatSound(msg);
  },

  nickname_result(msg) {
    // The server's word on our name, accepted or not.
    if (msg.effectiveNickname) state.nickname = msg.effectiveNickname;
    if (msg.accepted) return;
    const reason = typeof msg.reason === 'string' && msg.reason ? msg.reason : 'Nickname unavailable.';
    recordLine(reason);
    say(reason, 'cancel');
  },

  pong(msg) {
    const ms = Math.max(0, Date.now() - msg.clientSentAt);
    say(`Ping ${ms} ms`);
    sample(SAMPLES.ping);
  },

  error(msg) {
    if (msg.code === 'piano_note') {
      noteRefused(msg.message);
      return;
    }
    if (msg.code === 'teleport_refused') {
      teleportRefused();
      say(msg.message);
      return;
    }
    if (QUIET_ERRORS.has(msg.code) || (msg.code === 'forbidden' && /voice/i.test(msg.message))) {
      console.info(`chatgrid: server: ${msg.code}: ${msg.message}`);
      return;
    }
    say(msg.message, 'cancel');
  },

  auth_permissions(msg) {
    applyPermissions(msg.role, msg.permissions, true);
    if (Array.isArray(msg.adminMenuActions)) adminActionsChanged(msg.adminMenuActions);
  },

  admin_action_result(msg) {
    adminActionResult(msg);
  },

  admin_roles_list(msg) {
    adminRolesList(msg);
  },

  admin_users_list(msg) {
    adminUsersList(msg);
  },

  signal(msg) {
    peers.handleSignal(msg);
  },

  item_upsert(msg) {
    applyItem(msg.item);
    const item = state.items.get(msg.item.id);
    if (item) itemChanged(item);
  },

  item_remove(msg) {
    itemGone(msg.itemId);
    pianoItemGone(msg.itemId);
    removeItem(msg.itemId);
  },

  ui_definitions(msg) {
    applyUiDefinitions(msg.uiDefinitions);
    state.uiDefinitions = msg.uiDefinitions;
  },

  item_action_result(msg) {
    // Piano mode's answers first (its recording messages, said with a blip).
    if (pianoResult(msg)) return;
    const text = typeof msg.message === 'string' ? msg.message.trim() : '';
    if (!msg.ok) {
      // A refused edit: the item is as the server last said, without a word of its own.
      if (msg.action === 'update' && typeof msg.itemId === 'string') {
        const it = revertItem(msg.itemId);
        if (it) itemChanged(state.items.get(msg.itemId), { quiet: true });
      }
      if (text) {
        recordLine(text);
        say(text, 'cancel');
      } else tone('cancel');
      return;
    }
    // The new version (item_upsert) says what an edit changed.
    if (msg.action === 'update') return;
    if (msg.action === 'use' || msg.action === 'secondary_use') {
      if (text) pushChat(text);
      const item = typeof msg.itemId === 'string' ? state.items.get(msg.itemId) : null;
      // A use with no sound of its own is heard as the locate tone at the item.
      if (item && msg.action === 'use' && !soundUrl(item.params.useSound) && !soundUrl(item.useSound)) {
        const at = itemPlace(item);
        locateTone(at.x, at.y);
      }
      return;
    }
    if (text) pushChat(text, 'confirm');
    else tone('confirm');
  },

  item_transfer_targets(msg) {
    transferTargets(msg);
  },

  item_use_sound(msg) {
    const url = soundUrl(msg.sound);
    if (!url || !state.layers.world) return;
    engine.playAt(url, { x: msg.x, y: msg.y, range: isInt(msg.range) && msg.range > 0 ? msg.range : undefined });
  },

  item_piano_note(msg) {
    remoteNote(msg);
  },

  item_piano_status(msg) {
    pianoStatus(msg);
  },

  item_clock_announce(msg) {
    if (!state.layers.world || !Array.isArray(msg.sounds)) return;
    announceClock(engine, { itemId: msg.itemId, sounds: msg.sounds, x: msg.x, y: msg.y, range: isInt(msg.range) && msg.range > 0 ? msg.range : undefined });
  },
};

/** @param {any} msg @returns {boolean} handled */
export function handleWorldMessage(msg) {
  const h = HANDLERS[msg.type];
  if (!h) return false;
  h(msg);
  return true;
}

export { addPeer };
