/**
 * Settings kept in localStorage, under the reference client's keys so a
 * browser that used it keeps its choices. Every getter tolerates missing,
 * malformed or blocked storage and falls back to the default.
 */
import { MASTER_VOLUME_DEFAULT, MIC_GAIN_DEFAULT, DEFAULT_AUTH_POLICY, VOICE_EFFECTS, EFFECT_LEVEL_DEFAULT } from './constants.js';
import { snapGain } from './text.js';

const K = {
  masterVolume: 'chatGridMasterVolume',
  micGain: 'chatGridMicInputGain',
  outputMode: 'chatGridAudioOutputMode',
  layers: 'chatGridAudioLayers',
  inputId: 'chatGridAudioInputDeviceId',
  inputName: 'chatGridAudioInputDeviceName',
  outputId: 'chatGridAudioOutputDeviceId',
  outputName: 'chatGridAudioOutputDeviceName',
  peerGains: 'chatGridPeerListenGains',
  effectLevels: 'chatGridEffectLevels',
  /** Ours: the reference kept the chosen effect for the page only (docs/decisions.md). */
  voiceEffect: 'chatGridVoiceEffect',
  username: 'chatGridAuthUsername',
  policy: 'chgridAuthPolicy',
  legacyToken: 'chatGridAuthSessionToken',
};

/** @param {string} key */
function read(key) {
  try {
    return globalThis.localStorage ? localStorage.getItem(key) : null;
  } catch {
    return null;
  }
}

/** @param {string} key @param {string | null} value */
function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage full or blocked: the setting lasts for this page only */
  }
}

/** @param {string} key */
function readJson(key) {
  const raw = read(key);
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

export const settings = {
  masterVolume() {
    const v = Number(read(K.masterVolume));
    return read(K.masterVolume) !== null && Number.isFinite(v) ? Math.min(100, Math.max(0, Math.round(v))) : MASTER_VOLUME_DEFAULT;
  },
  /** @param {number} v */
  setMasterVolume(v) { write(K.masterVolume, String(v)); },

  micGain() {
    const v = Number(read(K.micGain));
    return read(K.micGain) !== null && Number.isFinite(v) ? snapGain(v) : MIC_GAIN_DEFAULT;
  },
  /** @param {number} v */
  setMicGain(v) { write(K.micGain, String(v)); },

  monoOutput() { return read(K.outputMode) === 'mono'; },
  /** @param {boolean} mono */
  setMonoOutput(mono) { write(K.outputMode, mono ? 'mono' : 'stereo'); },

  layers() {
    const saved = readJson(K.layers) || {};
    /** @type {{voice: boolean, item: boolean, media: boolean, world: boolean}} */
    const layers = { voice: true, item: true, media: true, world: true };
    for (const key of Object.keys(layers)) if (typeof saved[key] === 'boolean') layers[key] = saved[key];
    return layers;
  },
  /** @param {{voice: boolean, item: boolean, media: boolean, world: boolean}} layers */
  setLayers(layers) { write(K.layers, JSON.stringify(layers)); },

  /** @returns {{id: string, name: string}} */
  inputDevice() { return { id: read(K.inputId) || '', name: read(K.inputName) || '' }; },
  /** @param {string} id @param {string} name */
  setInputDevice(id, name) { write(K.inputId, id || null); write(K.inputName, name || null); },
  /** @returns {{id: string, name: string}} */
  outputDevice() { return { id: read(K.outputId) || '', name: read(K.outputName) || '' }; },
  /** @param {string} id @param {string} name */
  setOutputDevice(id, name) { write(K.outputId, id || null); write(K.outputName, name || null); },

  /** @returns {Record<string, number>} */
  peerListenGains() {
    const saved = readJson(K.peerGains);
    /** @type {Record<string, number>} */
    const out = {};
    if (saved && typeof saved === 'object') {
      for (const [k, v] of Object.entries(saved)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = snapGain(v);
    }
    return out;
  },
  /** @param {Record<string, number>} gains */
  setPeerListenGains(gains) { write(K.peerGains, JSON.stringify(gains)); },

  /** The chosen outgoing voice effect ('off' when none or unknown). */
  voiceEffect() {
    const id = read(K.voiceEffect);
    return VOICE_EFFECTS.some((e) => e.id === id) ? /** @type {string} */ (id) : 'off';
  },
  /** @param {string} id */
  setVoiceEffect(id) { write(K.voiceEffect, id); },

  /** Every effect's level 0..100 (default 50), whatever was saved. @returns {Record<string, number>} */
  effectLevels() {
    const saved = readJson(K.effectLevels) || {};
    /** @type {Record<string, number>} */
    const out = {};
    for (const { id } of VOICE_EFFECTS) {
      const v = saved[id];
      out[id] = typeof v === 'number' && Number.isFinite(v) ? Math.min(100, Math.max(0, Math.round(v))) : EFFECT_LEVEL_DEFAULT;
    }
    return out;
  },
  /** @param {Record<string, number>} levels */
  setEffectLevels(levels) { write(K.effectLevels, JSON.stringify(levels)); },

  username() { return read(K.username) || ''; },
  /** @param {string} name */
  setUsername(name) { write(K.username, name || null); },

  authPolicy() {
    const p = readJson(K.policy);
    return isPolicy(p) ? p : { ...DEFAULT_AUTH_POLICY };
  },
  /** @param {any} p */
  setAuthPolicy(p) { if (isPolicy(p)) write(K.policy, JSON.stringify(p)); },

  /** The token never lives in script-readable storage; drop what old clients left. */
  forgetLegacyToken() { write(K.legacyToken, null); },
};

/** @param {any} p @returns {p is import('./state.js').AuthPolicy} */
export function isPolicy(p) {
  if (!p || typeof p !== 'object') return false;
  const keys = ['usernameMinLength', 'usernameMaxLength', 'passwordMinLength', 'passwordMaxLength'];
  if (!keys.every((k) => Number.isInteger(p[k]) && p[k] > 0)) return false;
  return p.usernameMaxLength >= p.usernameMinLength && p.passwordMaxLength >= p.passwordMinLength;
}
