/**
 * The long-lived runtime objects (audio engine, peers, media, socket,
 * heartbeat), created once at boot. World and session state live in state.js.
 */
import { AudioEngine } from './audio/engine.js';
import { MediaSession } from './session/media.js';
import { PeerManager } from './webrtc/peers.js';
import { SfuManager } from './webrtc/sfu.js';
import { Heartbeat } from './net/heartbeat.js';
import { ItemAudio } from './audio/item-audio.js';
import { globalProperties } from './items/registry.js';
import { state } from './state.js';

/** @type {import('./net/signaling.js').SignalingClient | null} */
let socket = null;

export const engine = new AudioEngine();
/**
 * Where the services' own news (a radio's stream, the SFU) is spoken:
 * feedback.js say(), which sits above this module (it plays through engine),
 * plugged in by main.js at boot.
 * @type {(text: string, cue?: string) => void}
 */
let speak = () => {};

/** @param {(text: string, cue?: string) => void} fn */
export function setSpeech(fn) {
  speak = fn;
}

/** Radios and emitting items (audio/item-audio.js). */
export const itemAudio = new ItemAudio({ engine, say: (text) => speak(text), globals: globalProperties });
export const media = new MediaSession();

/** @param {Record<string, any>} msg @returns {boolean} */
export function send(msg) {
  return socket ? socket.send(msg) : false;
}

/** @param {import('./net/signaling.js').SignalingClient | null} s */
export function setSocket(s) {
  socket = s;
}

export function getSocket() {
  return socket;
}

/** The listen gain chosen for a peer, by lower-cased nickname. @param {string} peerId */
export function listenGain(peerId) {
  const p = state.peers.get(peerId);
  if (!p) return 1;
  return state.peerListenGains[p.nickname.trim().toLowerCase()] ?? 1;
}

export const peers = new PeerManager({
  send,
  engine,
  selfId: () => state.selfId,
  listenGain,
  route: (peerId) => sfu.route(peerId),
  ensurePeer: (msg) => {
    if (state.peers.has(msg.senderId)) return;
    state.peers.set(msg.senderId, {
      id: msg.senderId,
      userId: '',
      nickname: typeof msg.senderNickname === 'string' && msg.senderNickname ? msg.senderNickname : 'user',
      x: Number.isInteger(msg.x) ? msg.x : 20,
      y: Number.isInteger(msg.y) ? msg.y : 20,
    });
  },
});

/** Voice through the server's SFU when worldConfig.voiceMode asks for it. */
export const sfu = new SfuManager({
  send,
  engine,
  listenGain,
  closeMesh: (peerId) => peers.close(peerId),
  planned: () => peers.activate(),
  say: (text, cue) => speak(text, cue),
});

/** Set by the connection module: what a stale heartbeat starts. */
let onStale = () => {};
/** @param {() => void} fn */
export function setStaleHandler(fn) {
  onStale = fn;
}
export const heartbeat = new Heartbeat(send, () => onStale());
