/** Audio commands of normal mode: mute, mono, layers, loopback, volume, voice effect, mic gain, calibration. */
import { state, hasPermission } from '../state.js';
import { engine, media, itemAudio } from '../services.js';
import { settings } from '../settings.js';
import { say, tone } from '../feedback.js';
import { applyMicEnabled } from '../session/permissions.js';
import { calibrate } from '../audio/calibrate.js';
import { stopClocks } from '../audio/clock.js';
import { stopRemote } from '../piano/remote.js';
import { openEntry } from '../ui/entry.js';
import { openMenu, closeMenu } from './menu.js';
import { MASTER_VOLUME_STEP, MASTER_VOLUME_DEFAULT, VOICE_EFFECTS, EFFECT_LEVEL_STEP, EFFECT_LEVEL_DEFAULT } from '../constants.js';
import { formatNumber } from '../text.js';

const LAYER_NAMES = { voice: 'Voice', item: 'Item', media: 'Media', world: 'World' };

function voiceRefused() {
  if (hasPermission('voice.send')) return false;
  say('Voice send is disabled for this account.', 'cancel');
  return true;
}

export function toggleMute() {
  if (voiceRefused()) return;
  state.muted = !state.muted;
  applyMicEnabled();
  say(state.muted ? 'Muted.' : 'Unmuted.', state.muted ? 'cancel' : 'confirm');
}

export function toggleMono() {
  state.monoOutput = !state.monoOutput;
  engine.setMono(state.monoOutput);
  settings.setMonoOutput(state.monoOutput);
  say(state.monoOutput ? 'Mono output.' : 'Stereo output.', 'blip');
}

/** @param {'voice'|'item'|'media'|'world'} layer */
export function toggleLayer(layer) {
  state.layers[layer] = !state.layers[layer];
  settings.setLayers(state.layers);
  if (layer === 'voice') engine.setVoiceLayer(state.layers.voice);
  if (layer === 'item') itemAudio.setItemLayer(state.layers.item);
  // Others' piano notes are item sounds too (your own playing is not).
  if (layer === 'item' && !state.layers.item) stopRemote();
  if (layer === 'media') itemAudio.setMediaLayer(state.layers.media);
  if (layer === 'world' && !state.layers.world) {
    stopClocks();
    engine.stopPlaced();
  }
  say(`${LAYER_NAMES[layer]} layer ${state.layers[layer] ? 'on' : 'off'}.`, 'blip');
}

export function toggleLoopback() {
  state.loopback = !state.loopback;
  engine.setLoopback(state.loopback);
  say(state.loopback ? 'Loopback on.' : 'Loopback off.', 'blip');
}

/** @param {number} direction +1 or -1 */
export function stepMasterVolume(direction) {
  const v = Math.min(100, Math.max(0, state.masterVolume + direction * MASTER_VOLUME_STEP));
  state.masterVolume = v;
  engine.setMasterVolume(v);
  settings.setMasterVolume(v);
  say(`Master volume ${v}`);
  engine.tone(v === MASTER_VOLUME_DEFAULT ? 659.25 : 440, 0.1, 'sine', 0.35);
}

/** @param {string} id */
function effectLabel(id) {
  const e = VOICE_EFFECTS.find((x) => x.id === id);
  return e ? e.label : 'Off';
}

/** Apply the chosen effect at its level to the outgoing voice and the loopback. */
export function applyVoiceEffect() {
  engine.setVoiceEffect(state.voiceEffect, state.effectLevels[state.voiceEffect] ?? EFFECT_LEVEL_DEFAULT);
}

/** E: the Effects menu, on the current effect; Enter applies, Escape cancels. */
export function openEffectMenu() {
  openMenu('Effects', {
    name: 'effects',
    entries: VOICE_EFFECTS.map((e) => ({ label: e.label, value: e.id, help: `${e.label} on your voice, for everyone and your loopback.` })),
    index: Math.max(0, VOICE_EFFECTS.findIndex((e) => e.id === state.voiceEffect)),
    hint: 'Up and Down choose an effect, Enter applies it to your voice, Escape cancels.',
    select: (e) => {
      closeMenu();
      state.voiceEffect = e.value;
      settings.setVoiceEffect(e.value);
      applyVoiceEffect();
      say(`${e.label}.`, 'blip');
    },
  });
}

/** Shift+Minus / Shift+Equal: the current effect's level, in steps of 5. @param {number} direction +1 or -1 */
export function stepEffectLevel(direction) {
  const id = state.voiceEffect;
  if (id === 'off') {
    say('No effect selected.', 'cancel');
    return;
  }
  const before = state.effectLevels[id] ?? EFFECT_LEVEL_DEFAULT;
  const v = Math.min(100, Math.max(0, before + direction * EFFECT_LEVEL_STEP));
  if (v === before) {
    say(`${effectLabel(id)} ${v}.`, 'cancel');
    return;
  }
  state.effectLevels = { ...state.effectLevels, [id]: v };
  settings.setEffectLevels(state.effectLevels);
  applyVoiceEffect();
  say(`${effectLabel(id)} ${v}.`);
  engine.tone(v === EFFECT_LEVEL_DEFAULT ? 659.25 : 440, 0.1, 'sine', 0.35);
}

/** V: the gain field, with loopback on so the user hears the result. */
export function openMicGain() {
  if (voiceRefused()) return;
  state.mode = 'micGainEdit';
  state.modeState.loopbackBefore = state.loopback;
  state.modeState.gainBefore = state.micGain;
  state.loopback = true;
  engine.setLoopback(true);
  openEntry({
    label: 'Microphone gain', value: formatNumber(state.micGain), maxLength: 8, inputMode: 'decimal', selectAll: true,
    hint: 'From 0.5 to 4. Up and Down change it by 0.05, Page Up and Page Down by 0.5, or type a number. Enter keeps it, Escape puts it back.',
  });
  tone('blip');
}

/** The gain mode ends: loopback goes back to what it was (the field is closed by the caller). */
export function closeMicGain() {
  state.loopback = state.modeState.loopbackBefore;
  engine.setLoopback(state.loopback);
  state.mode = 'normal';
}

/** @param {number} gain */
export function applyMicGain(gain) {
  state.micGain = gain;
  engine.setMicGain(gain);
}

export async function startCalibration() {
  if (voiceRefused()) return;
  if (state.calibrating) {
    say('Mic calibration already running.', 'cancel');
    return;
  }
  const track = media.track();
  if (!track || track.readyState !== 'live') {
    say('No active microphone track for calibration.', 'cancel');
    return;
  }
  state.calibrating = true;
  say('Speak for 5 seconds to calibrate your microphone.', 'blip');
  const gain = await calibrate(engine.ensureContext(), track);
  state.calibrating = false;
  if (gain === null) {
    say('No audio detected, please try again.', 'cancel');
    return;
  }
  applyMicGain(gain);
  settings.setMicGain(gain);
  say(`Mic calibration set to ${formatNumber(gain)}x.`);
  tone('confirm');
}
