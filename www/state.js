/**
 * The client's one mutable state. Every module reads and writes it here; none
 * keeps world or session state of its own.
 */
import { DEFAULT_GRID_SIZE, DEFAULT_MOVEMENT_TICK_MS, DEFAULT_AUTH_POLICY } from './constants.js';

/**
 * @typedef {{ id: string, userId: string, nickname: string, x: number, y: number }} Peer
 * @typedef {{ usernameMinLength: number, usernameMaxLength: number,
 *             passwordMinLength: number, passwordMaxLength: number }} AuthPolicy
 * @typedef {'normal'|'chat'|'nickname'|'helpView'|'listUsers'|'micGainEdit'|'menu'|'itemPropertyEdit'|'piano'|'adminEntry'} Mode
 */

export const state = {
  /** connection */
  connecting: false,
  running: false,
  reconnecting: false,
  /** The reconnect attempt in progress or waited for (1..RECONNECT_ATTEMPTS). */
  reconnectAttempt: 0,
  /** Log out sent: the server's answer ends the session, it is no login. */
  loggingOut: false,
  /** @type {string} */ lastInstanceId: '',
  /** @type {{ instanceId: string, version: string }} */ serverInfo: { instanceId: '', version: '' },
  /** @type {AuthPolicy} */ authPolicy: { ...DEFAULT_AUTH_POLICY },
  /** 'login' | 'register' | 'session' */
  authMode: 'login',
  hasSavedSession: false,

  /** account */
  selfId: '',
  userId: '',
  username: '',
  role: 'user',
  /** @type {Set<string>} */ permissions: new Set(),
  /** The admin actions the server lists for the account (admin/admin.js). @type {Array<{id: string, label: string, tooltip?: string}>} */ adminMenuActions: [],

  /** world */
  gridSize: DEFAULT_GRID_SIZE,
  movementTickMs: DEFAULT_MOVEMENT_TICK_MS,
  movementMaxStepsPerTick: 1,
  interestRadius: 0,
  /** @type {RTCIceServer[]} */ iceServers: [],
  nickname: 'anon',
  x: 20,
  y: 20,
  /** Drawn position while a teleport slides. */
  drawX: 20,
  drawY: 20,
  /** @type {Map<string, Peer>} */ peers: new Map(),
  /** @type {Map<string, any>} */ items: new Map(),
  /** @type {any} */ uiDefinitions: null,

  /** input */
  /** @type {Mode} */ mode: 'normal',
  /** @type {Set<string>} */ pressed: new Set(),
  escapePendingUntil: 0,
  /**
   * Data of the current mode: the list shown and its position, where help
   * returns to, loopback and gain before the gain field opened. (Text being
   * typed lives in the entry field itself.)
   * The open item menu (input/menu.js) lives here too; helpSource: which
   * help the viewer reads (normal or piano).
   * @type {{ listIds: string[], index: number, helpReturn: Mode, helpSource: 'normal'|'piano', loopbackBefore: boolean, gainBefore: number, menu: any }}
   */
  modeState: { listIds: [], index: 0, helpReturn: 'normal', helpSource: 'normal', loopbackBefore: false, gainBefore: 2, menu: null },
  /**
   * Piano mode's data while it is on (piano/mode.js): the piano, the keys
   * held and sounding, the recording state, the demo.
   * @type {import('./piano/mode.js').PianoState | null}
   */
  piano: null,
  calibrating: false,
  /**
   * Walking: the last movement window stepped in, the blocked direction (one
   * wall bump per direction), and a tap not yet stepped.
   * @type {{ lastWindow: number, blocked: string, tap: { dx: number, dy: number } | null }}
   */
  movement: { lastWindow: -1, blocked: '', tap: null },
  /** @type {{ fromX: number, fromY: number, toX: number, toY: number, start: number, duration: number, label: string } | null} */
  teleport: null,

  /** chat */
  /** @type {string[]} */ chatHistory: [],
  chatCursor: -1,

  /** audio */
  muted: false,
  loopback: false,
  monoOutput: false,
  masterVolume: 50,
  micGain: 2,
  /** The outgoing voice effect (an id of VOICE_EFFECTS) and every effect's level. */
  voiceEffect: 'off',
  /** @type {Record<string, number>} */ effectLevels: {},
  layers: { voice: true, item: true, media: true, world: true },
  /** @type {Record<string, number>} lower-cased nickname → gain */
  peerListenGains: {},
};

/** Everything a disconnect resets (the seed's "reset UI/mode state and lists"). */
export function resetSessionState() {
  state.running = false;
  state.connecting = false;
  state.selfId = '';
  state.peers.clear();
  state.items.clear();
  state.mode = 'normal';
  state.modeState = { listIds: [], index: 0, helpReturn: 'normal', helpSource: 'normal', loopbackBefore: false, gainBefore: state.micGain, menu: null };
  state.piano = null;
  state.pressed.clear();
  state.escapePendingUntil = 0;
  state.teleport = null;
  state.role = 'user';
  state.permissions = new Set();
  state.adminMenuActions = [];
}

/** @param {string} key */
export function hasPermission(key) {
  return state.permissions.has(key);
}
