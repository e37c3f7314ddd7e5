/**
 * The connect flow, welcome, stale-connection recovery and disconnect cleanup,
 * in the order of docs/protocol.md and the runtime-flow contract.
 */
import { state, resetSessionState, hasPermission } from '../state.js';
import { engine, media, peers, sfu, heartbeat, send, setSocket, getSocket, setStaleHandler, itemAudio } from '../services.js';
import { SignalingClient, socketUrl } from '../net/signaling.js';
import { setSessionCookie, clearSessionCookie, checkSessionCookie } from './cookie.js';
import { applyPermissions, applyMicEnabled } from './permissions.js';
import { settings, isPolicy } from '../settings.js';
import { CLIENT_VERSION } from '../version.js';
import {
  WELCOME_TIMEOUT_MS, RECONNECT_DELAY_MS, RECONNECT_ATTEMPTS, RECONNECT_ATTEMPT_TIMEOUT_MS, LOGOUT_ANSWER_MS,
} from '../constants.js';
import { sanitizeUsername } from '../text.js';
import { say, recordLine, sample, tone } from '../feedback.js';
import { SAMPLES } from '../audio/sounds.js';
import { setConnectionStatus, clearConnectionStep } from '../ui/speech.js';
import {
  showGame, showLogout, focusSurface, focusNeedsHome, focusInSignIn, focusConnect, setConnectBusy, pageLocation, replaceLocation,
} from '../ui/dom.js';
import {
  setAuthView, applyPolicy as showPolicy, readForm, clearPasswords, setUsernames, showFieldError, clearFieldErrors,
  focusField, focusFirstField,
} from '../ui/authform.js';
import { applyUiDefinitions } from '../items/registry.js';
import { stopClocks } from '../audio/clock.js';
import { isInt } from '../net/protocol.js';

/** The credentials packet to send when the server asks for authentication. */
/** @type {Record<string, any> | null} */
let pendingAuth = null;
let welcomeTimer = 0;
let reloadScheduled = false;
let mediaProblem = '';
/** Why the last attempt failed, for the reconnect loop's last word. */
let lastFailure = '';
/** @type {Array<(ok: boolean) => void>} */
let waiters = [];
/** Resolves the wait for the server's answer to auth_logout. */
let logoutAnswered = () => {};

/**
 * Server refusals that are about one field: the field, per form. The error
 * is shown under that field; passwords are cleared only when the message is
 * about the password.
 * @type {Array<{ re: RegExp, login?: string, register?: string }>}
 */
const FIELD_ERRORS = [
  { re: /username or password/i, login: 'loginPassword' },
  { re: /^username /i, login: 'loginUsername', register: 'registerUsername' },
  { re: /^password /i, login: 'loginPassword', register: 'registerPassword' },
  { re: /^email /i, register: 'registerEmail' },
];

/** @param {boolean} ok */
function settle(ok) {
  const w = waiters;
  waiters = [];
  for (const fn of w) fn(ok);
}

/** @param {any} p */
function adoptPolicy(p) {
  if (!isPolicy(p)) return;
  state.authPolicy = p;
  settings.setAuthPolicy(p);
  showPolicy(p);
}

/**
 * Check the form; the packet to authenticate with, or null for a saved session.
 * @returns {{ error: string, field: string | null } | { packet: Record<string, any> | null }}
 */
function validateForm() {
  const p = state.authPolicy;
  const f = readForm(/** @type {'login'|'register'|'session'} */ (state.authMode));
  if (f.mode === 'session') return { packet: null };
  const username = sanitizeUsername(f.username, p.usernameMaxLength);
  if (f.mode === 'login') {
    if (!username && !f.password && state.hasSavedSession) return { packet: null };
    if (!username) {
      return {
        error: state.hasSavedSession ? 'Enter your username, or leave both fields empty to use your saved session.' : 'Enter your username.',
        field: 'loginUsername',
      };
    }
    if (!f.password) return { error: 'Enter your password.', field: 'loginPassword' };
    return { packet: { type: 'auth_login', username, password: f.password } };
  }
  if (username.length < p.usernameMinLength || username.length > p.usernameMaxLength) {
    return { error: `Username must be between ${p.usernameMinLength} and ${p.usernameMaxLength} characters.`, field: 'registerUsername' };
  }
  if (f.password.length < p.passwordMinLength || f.password.length > p.passwordMaxLength) {
    return { error: `Password must be between ${p.passwordMinLength} and ${p.passwordMaxLength} characters.`, field: 'registerPassword' };
  }
  if (f.password !== f.confirm) return { error: 'The two passwords differ.', field: 'registerConfirm' };
  /** @type {Record<string, any>} */
  const packet = { type: 'auth_register', username, password: f.password };
  if (f.email) packet.email = f.email;
  return { packet };
}

/** @param {number} [extraMs] what the server said it still needs, on top of the usual wait */
function armWelcomeTimer(extraMs = 0) {
  clearTimeout(welcomeTimer);
  welcomeTimer = window.setTimeout(() => {
    if (!state.running && state.connecting) fail('Connect failed. Timed out waiting for the server.');
  }, WELCOME_TIMEOUT_MS + extraMs);
}

/** When the queue place was last said, so repeats every few seconds are not all spoken. */
let queuedSaidAt = 0;

/**
 * The world the session runs (world/, wired by main.js at boot): it gets the
 * messages the session does not handle itself, and the welcome's users and
 * items; start begins its loop. The session sits below the world and imports
 * none of it.
 * @typedef {{ handleMessage: (msg: any) => void, addPeer: (u: any) => void,
 *             replaceItems: (items: any) => void, start: () => void }} World
 */
/** @type {World} */
let world = { handleMessage: () => {}, addPeer: () => {}, replaceItems: () => {}, start: () => {} };

/** Wire the world the session runs. @param {World} w */
export function attachWorld(w) {
  world = w;
}

/** Longest wait the client accepts from one auth_queued, in seconds. */
const QUEUED_MAX_S = 600;
/** Say the place in line again at most this often. */
const QUEUED_REPEAT_MS = 15000;

/**
 * The server has the sign-in in line for password hashing (chatgrid's
 * auth_queued, see docs/protocol.md §3): say so, and wait as long as it
 * estimates on top of the usual time before giving up.
 * @param {any} msg
 */
function noteQueued(msg) {
  if (!state.connecting || state.running) return;
  const eta = isInt(msg.etaSeconds) && msg.etaSeconds > 0 ? Math.min(msg.etaSeconds, QUEUED_MAX_S) : 1;
  const pos = isInt(msg.position) && msg.position > 0 ? msg.position : 1;
  armWelcomeTimer(eta * 1000);
  const now = Date.now();
  if (queuedSaidAt && now - queuedSaidAt < QUEUED_REPEAT_MS) return;
  queuedSaidAt = now;
  const secs = eta === 1 ? 'about 1 second' : `about ${eta} seconds`;
  setConnectionStatus(`Server busy. You are number ${pos} in line to sign in, ${secs}.`, { step: true });
}

/**
 * Tell a sign-in problem once: under its field (which gets focus) when it is
 * about one, else in the connection status, with focus on the field named
 * or on Connect (unless the user has moved on to another part of the page).
 * @param {string} message
 * @param {{ field?: string, focus?: string }} where
 */
function tellFailure(message, where) {
  if (where.field) {
    clearConnectionStep();
    // Focus reads the field with its error; a field that had focus already needs the words said.
    if (showFieldError(where.field, message)) setConnectionStatus(message);
    return;
  }
  setConnectionStatus(message);
  if (where.focus) focusField(where.focus);
  else if (focusInSignIn()) focusConnect();
}

/**
 * An attempt that did not reach the world: undo it and say why. During a
 * reconnect the loop tells the outcome, and the grid keeps the focus.
 * @param {string} message
 * @param {{ field?: string, focus?: string }} [where]
 */
function fail(message, where = {}) {
  clearTimeout(welcomeTimer);
  const s = getSocket();
  if (s) s.close();
  setSocket(null);
  media.stop();
  engine.setInputStream(null);
  pendingAuth = null;
  state.connecting = false;
  setConnectBusy(false);
  lastFailure = message;
  if (!state.reconnecting) tellFailure(message, where);
  settle(false);
}

/**
 * Connect: validate, set up local media, open /ws, authenticate, join.
 * @param {{ reconnect?: boolean }} [opts]
 * @returns {Promise<boolean>} whether welcome arrived
 */
export async function connect(opts = {}) {
  // A press while connecting (the button is only aria-disabled) does nothing.
  if (state.connecting || state.running || state.loggingOut) return false;
  let packet = null;
  if (!opts.reconnect) {
    const v = validateForm();
    if ('error' in v) {
      tellFailure(v.error, { field: v.field });
      return false;
    }
    clearFieldErrors();
    packet = v.packet;
  }
  state.connecting = true;
  setConnectBusy(true);
  setConnectionStatus(opts.reconnect ? 'Reconnecting...' : 'Connecting...', { step: true });
  const done = new Promise((resolve) => waiters.push(resolve));

  // Local media first (the contract's step 2); a refusal leaves a listener.
  engine.ensureContext();
  const captured = await media.start(settings.inputDevice().id);
  mediaProblem = '';
  if (captured.ok) engine.setInputStream(captured.stream);
  else mediaProblem = /** @type {{ ok: false, message: string }} */ (captured).message;
  applyMicEnabled();
  if (!state.connecting) return done;

  // Typed credentials mean that account, whatever an old cookie says.
  if (packet) await clearSessionCookie();
  pendingAuth = packet;
  const client = new SignalingClient(socketUrl(pageLocation()), { onMessage: handleMessage, onUnexpectedClose });
  setSocket(client);
  try {
    await client.open();
  } catch {
    if (getSocket() === client) fail('Connect failed. The server may be offline or unreachable.');
    return done;
  }
  if (getSocket() !== client) return done;
  setConnectionStatus(packet ? 'Connected. Authenticating...' : 'Connected. Resuming your saved session...', { step: true });
  armWelcomeTimer();
  return done;
}

/** @param {any} msg */
function handleMessage(msg) {
  switch (msg.type) {
    case 'auth_required':
      adoptPolicy(msg.authPolicy);
      if (pendingAuth) {
        send(pendingAuth);
        pendingAuth = null;
        queuedSaidAt = 0;
        setConnectionStatus('Authenticating...', { step: true });
        armWelcomeTimer();
        return;
      }
      forgetSavedSession();
      fail(state.reconnecting
        ? 'Your saved session is no longer valid. Log in again.'
        : 'Authentication required. Enter your username and password, then press Connect.', { focus: 'loginUsername' });
      return;
    case 'auth_result':
      adoptPolicy(msg.authPolicy);
      // The answer to Log out ends the session: it is not a login.
      if (state.loggingOut) {
        logoutAnswered();
        return;
      }
      if (msg.ok) authSucceeded(msg);
      else authFailed(String(msg.message || 'Authentication failed.'));
      return;
    case 'auth_queued':
      noteQueued(msg);
      return;
    case 'welcome':
      applyWelcome(msg);
      return;
    case 'pong':
      if (msg.clientSentAt < 0) {
        heartbeat.pong();
        return;
      }
      break;
    default:
      break;
  }
  if (state.running && !sfu.handle(msg)) world.handleMessage(msg);
}

function forgetSavedSession() {
  state.hasSavedSession = false;
  state.authMode = 'login';
  setAuthView('login', '', false);
}

/** @param {any} msg */
function authSucceeded(msg) {
  if (typeof msg.sessionToken === 'string' && msg.sessionToken) {
    setSessionCookie(msg.sessionToken).then((ok) => {
      if (!ok) say('Session save failed. You may need to log in again after a reload.');
    });
  } else {
    // Resumed from the cookie, which the server never echoes: /check renews its Max-Age.
    checkSessionCookie();
  }
  state.hasSavedSession = true;
  if (typeof msg.username === 'string' && msg.username) {
    state.username = msg.username;
    settings.setUsername(msg.username);
    setUsernames(msg.username);
  }
  if (typeof msg.nickname === 'string' && msg.nickname) state.nickname = msg.nickname;
  applyPermissions(msg.role, msg.permissions, false);
  clearPasswords();
  setConnectionStatus('Authenticated. Joining world...', { step: true });
}

/** @param {string} message */
function authFailed(message) {
  const aboutSession = /session/i.test(message);
  // Passwords are typed again only when the refusal is about them.
  if (/password/i.test(message)) clearPasswords();
  if (aboutSession) {
    clearSessionCookie().then((ok) => {
      if (!ok) say('Session clear failed. Your browser may keep an old login cookie.');
    });
    forgetSavedSession();
  }
  if (state.running) {
    // Kicked, banned, deleted or replaced by a newer window: no reconnect.
    disconnect(message);
    tone('cancel');
    return;
  }
  if (aboutSession) {
    fail(`${message} Log in with your username and password.`, { focus: 'loginUsername' });
    return;
  }
  const rule = FIELD_ERRORS.find((r) => r.re.test(message));
  const field = rule ? rule[/** @type {'login'|'register'} */ (state.authMode)] : undefined;
  fail(message, field ? { field } : {});
}

/** @param {any} msg */
function applyWelcome(msg) {
  const info = msg.serverInfo && typeof msg.serverInfo === 'object' ? msg.serverInfo : {};
  const version = typeof info.version === 'string' && info.version ? info.version : 'unknown';
  const instanceId = typeof info.instanceId === 'string' ? info.instanceId : '';
  if (version !== 'unknown' && version !== CLIENT_VERSION && !reloadScheduled) {
    const here = new URL(pageLocation().href);
    if (here.searchParams.get('v') !== version) {
      reloadScheduled = true;
      setConnectionStatus(`Server version ${version} detected. Reloading client...`);
      here.searchParams.set('v', version);
      here.searchParams.set('t', String(Date.now()));
      window.setTimeout(() => replaceLocation(here.toString()), 50);
      return;
    }
    // Already reloaded for this version and still different: go on, but say so.
    say(`This page is client version ${CLIENT_VERSION}; the server is ${version}. Clear the browser cache if something misbehaves.`);
  }
  clearTimeout(welcomeTimer);
  const reconnecting = state.reconnecting;
  const restarted = !!state.lastInstanceId && !!instanceId && instanceId !== state.lastInstanceId;
  if (instanceId) state.lastInstanceId = instanceId;
  state.serverInfo = { instanceId, version };

  const wc = msg.worldConfig && typeof msg.worldConfig === 'object' ? msg.worldConfig : {};
  if (isInt(wc.gridSize) && wc.gridSize > 0) state.gridSize = wc.gridSize;
  if (isInt(wc.movementTickMs) && wc.movementTickMs > 0) state.movementTickMs = Math.max(1, wc.movementTickMs);
  if (isInt(wc.movementMaxStepsPerTick) && wc.movementMaxStepsPerTick > 0) state.movementMaxStepsPerTick = wc.movementMaxStepsPerTick;
  state.interestRadius = isInt(wc.interestRadius) ? wc.interestRadius : 0;
  state.iceServers = Array.isArray(wc.iceServers) ? wc.iceServers.filter((s) => s && s.urls) : [];
  applyUiDefinitions(msg.uiDefinitions);
  state.uiDefinitions = msg.uiDefinitions || null;
  const auth = msg.auth && typeof msg.auth === 'object' ? msg.auth : null;
  if (auth) {
    adoptPolicy(auth.policy);
    if (Array.isArray(auth.permissions)) applyPermissions(auth.role, auth.permissions, false);
    if (typeof auth.userId === 'string') state.userId = auth.userId;
  }

  state.selfId = msg.id;
  const player = msg.player;
  const clamp = (/** @type {any} */ v) => Math.min(state.gridSize - 1, Math.max(0, isInt(v) ? v : 0));
  state.x = state.drawX = clamp(player.x);
  state.y = state.drawY = clamp(player.y);
  if (typeof player.nickname === 'string' && player.nickname) state.nickname = player.nickname;
  if (typeof player.userId === 'string') state.userId = player.userId;

  state.peers.clear();
  peers.reset();
  for (const u of Array.isArray(msg.users) ? msg.users : []) {
    if (!u || typeof u.id !== 'string' || u.id === state.selfId) continue;
    world.addPeer(u);
    peers.setOfferer(u.id, 'self'); // the newcomer offers
  }
  world.replaceItems(msg.items);

  state.running = true;
  state.connecting = false;
  setConnectBusy(false);
  showGame(true);
  showLogout(true);
  // A reconnect kept the grid and its focus; a first join moves focus to it.
  if (!reconnecting || focusNeedsHome()) focusSurface();

  send({ type: 'update_position', x: state.x, y: state.y });
  send({ type: 'update_nickname', nickname: state.nickname });
  peers.iceServers = state.iceServers;
  sfu.iceServers = state.iceServers;
  sfu.start(wc.voiceMode);
  peers.activate();
  engine.setVoiceLayer(state.layers.voice);
  itemAudio.setItemLayer(state.layers.item);
  itemAudio.setMediaLayer(state.layers.media);
  heartbeat.start();
  world.start();

  if (!reconnecting) sample(SAMPLES.logon, { gain: 1 });
  const text = `${reconnecting ? 'Reconnected to server' : 'Connected to server'}. Version ${version}.`;
  const status = restarted ? `Server restarted. ${text}` : text;
  if (restarted) tone('confirm');
  setConnectionStatus(status);
  recordLine(status);
  if (mediaProblem) say(mediaProblem, 'cancel');
  else if (!hasPermission('voice.send')) say('Voice send is disabled for this account; others cannot hear you.');
  settle(true);
}

/** @param {number} code */
function onUnexpectedClose(code) {
  if (state.loggingOut) {
    logoutAnswered();
    return;
  }
  if (state.running && !state.reconnecting) {
    reconnect('close');
    return;
  }
  if (state.connecting) fail(`Connect failed. The connection closed (code ${code}).`);
}

/**
 * Show the sign-in view again; focus moves to its first control (Connect on
 * the saved-session view, else the username) when the focused control was
 * hidden with the game.
 */
function showSignIn() {
  showGame(false);
  showLogout(state.hasSavedSession);
  state.authMode = state.hasSavedSession ? 'session' : state.authMode === 'session' ? 'login' : state.authMode;
  setAuthView(/** @type {'login'|'register'|'session'} */ (state.authMode), settings.username(), state.hasSavedSession);
  if (focusNeedsHome()) focusFirstField(/** @type {'login'|'register'|'session'} */ (state.authMode));
}

/**
 * What the layers above the session clear when it ends, in the order
 * registered (main.js: the world's loop, a teleport under way, the input
 * modes, presence). The session imports none of them: it tells them.
 * @type {Array<() => void>}
 */
const cleanupHooks = [];

/**
 * Run fn in every disconnect's cleanup, after the clocks stop and before the
 * session state is reset.
 * @param {() => void} fn
 */
export function onDisconnectCleanup(fn) {
  cleanupHooks.push(fn);
}

/**
 * Disconnect cleanup, as the contract lists it: close signalling, stop the
 * heartbeat, stop local media, clean up peers and audio runtimes, reset UI,
 * modes and lists. keepGrid (a reconnect) leaves the grid shown and focused.
 * @param {string} [status]
 * @param {{ keepGrid?: boolean }} [opts]
 */
export function disconnect(status = 'Disconnected.', opts = {}) {
  const wasRunning = state.running;
  clearTimeout(welcomeTimer);
  const s = getSocket();
  if (s) s.close();
  setSocket(null);
  heartbeat.stop();
  media.stop();
  peers.reset();
  sfu.reset();
  engine.cleanupVoices();
  itemAudio.stopAll();
  stopClocks();
  for (const fn of cleanupHooks) fn();
  resetSessionState();
  state.loopback = false;
  pendingAuth = null;
  setConnectBusy(false);
  if (!opts.keepGrid) showSignIn();
  setConnectionStatus(status);
  // The chat log keeps the end of a session (a reconnect logs its own line).
  if (wasRunning && !opts.keepGrid) recordLine(status);
  if (wasRunning) sample(SAMPLES.logout);
  settle(false);
}

/** The user's own disconnect (button, double Escape): no reconnect follows. */
export function userDisconnect() {
  state.reconnecting = false;
  disconnect('Disconnected.');
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Stale-connection recovery: clean up, then up to three attempts, five
 * seconds apart, each resuming the saved session from the cookie.
 * @param {'close'|'heartbeat'} reason
 */
export async function reconnect(reason) {
  if (state.reconnecting) return;
  state.reconnecting = true;
  state.reconnectAttempt = 1;
  heartbeat.stop();
  const text = reason === 'heartbeat' ? 'Connection stale. Reconnecting...' : 'Disconnected from server. Reconnecting...';
  recordLine(text);
  tone('cancel');
  // The grid stays, focused; its keys answer "Reconnecting, attempt 1 of 3."
  disconnect(text, { keepGrid: true });
  for (let attempt = 1; attempt <= RECONNECT_ATTEMPTS; attempt++) {
    state.reconnectAttempt = attempt;
    await sleep(RECONNECT_DELAY_MS);
    if (!state.reconnecting) return;
    const ok = await Promise.race([connect({ reconnect: true }), sleep(RECONNECT_ATTEMPT_TIMEOUT_MS).then(() => false)]);
    if (!state.reconnecting) return;
    if (ok) {
      state.reconnecting = false;
      return;
    }
    if (state.connecting) fail('Reconnect attempt timed out.');
    if (!state.hasSavedSession) {
      // The session itself was refused: trying again cannot help.
      giveUp(lastFailure || 'Your saved session is no longer valid. Log in again.');
      return;
    }
    if (attempt < RECONNECT_ATTEMPTS) {
      const retry = `Reconnect attempt ${attempt} failed. Retrying in 5 seconds...`;
      setConnectionStatus(retry);
      recordLine(retry);
    }
  }
  giveUp('Reconnect failed after 3 attempts. Press Connect to retry.');
}

/** The reconnect loop ends without the world: back to sign-in, said once. @param {string} text */
function giveUp(text) {
  state.reconnecting = false;
  showSignIn();
  setConnectionStatus(text);
  recordLine(text);
  tone('cancel');
}

setStaleHandler(() => {
  if (state.running && !state.loggingOut) reconnect('heartbeat');
});

/**
 * Use another microphone now. Peers keep their connection: what they receive
 * is the engine's outbound track, whose source is swapped underneath.
 * @param {string} deviceId
 * @returns {Promise<string>} what to tell the user
 */
export async function switchMicrophone(deviceId) {
  if (!state.running) return 'Microphone saved.';
  const captured = await media.start(deviceId);
  if (!captured.ok) {
    engine.setInputStream(null);
    return /** @type {{ ok: false, message: string }} */ (captured).message;
  }
  engine.setInputStream(captured.stream);
  applyMicEnabled();
  return 'Microphone changed.';
}

/**
 * Log out: end the session on the server (waiting for its answer, which is
 * no login), clear the cookie, forget the username.
 */
export async function logout() {
  if (state.loggingOut) return;
  state.loggingOut = true;
  state.reconnecting = false;
  if (state.running && send({ type: 'auth_logout' })) {
    await new Promise((resolve) => {
      logoutAnswered = () => resolve(undefined);
      window.setTimeout(resolve, LOGOUT_ANSWER_MS);
    });
    logoutAnswered = () => {};
  }
  settings.setUsername('');
  state.hasSavedSession = false;
  state.authMode = 'login';
  const cleared = await clearSessionCookie();
  state.loggingOut = false;
  setUsernames('');
  disconnect(cleared ? 'Logged out.' : 'Logged out. Session clear failed: your browser may keep an old login cookie.');
}
