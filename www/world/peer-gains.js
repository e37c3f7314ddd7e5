/** Per-user listen volumes, kept by lower-cased nickname. */
import { state } from '../state.js';
import { settings } from '../settings.js';

/** @param {string} nickname */
export function peerGainKey(nickname) {
  return nickname.trim().toLowerCase();
}

/** @param {string} nickname */
export function getPeerGain(nickname) {
  return state.peerListenGains[peerGainKey(nickname)] ?? 1;
}

/** @param {string} nickname @param {number} gain */
export function setPeerGain(nickname, gain) {
  state.peerListenGains[peerGainKey(nickname)] = gain;
  settings.setPeerListenGains(state.peerListenGains);
}
