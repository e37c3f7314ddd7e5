/**
 * Boot, and the client's composition root: read settings, wire the page, wait
 * for Connect. The layers below (docs/decisions.md, "Layout: the web client")
 * never import the ones above; what they must tell the layers above goes
 * through the hooks wired here.
 */
import { state } from './state.js';
import { settings } from './settings.js';
import { engine, media, peers, sfu, send, itemAudio, setSpeech } from './services.js';
import { CLIENT_VERSION } from './version.js';
import { checkSessionCookie } from './session/cookie.js';
import { connect, userDisconnect, logout, switchMicrophone, attachWorld, onDisconnectCleanup } from './session/connection.js';
import { handleWorldMessage, addPeer } from './world/handlers.js';
import { replaceItems } from './world/items.js';
import { cancelTeleport } from './world/movement.js';
import { startLoop, stopLoop } from './world/loop.js';
import { resetPresence } from './world/presence.js';
import { MediaSession } from './session/media.js';
import { handleKeyDown, handleKeyUp, surfaceLeft, releaseAll, resetModes } from './input/router.js';
import { handleEntryKey, entryLeft } from './input/modes.js';
import { say, tone } from './feedback.js';
import { setConnectionStatus } from './ui/speech.js';
import { setVersionText, focusSurface, showLogout } from './ui/dom.js';
import { setAuthView, applyPolicy, setUsernames, installFieldHandlers, focusFirstField } from './ui/authform.js';
import { installEntry } from './ui/entry.js';
import { renderHelp, toggleHelp } from './ui/help.js';
import { helpSections } from './help.js';
import { previewNote, pianoSynth } from './piano/remote.js';
import { pianoSummary } from './piano/mode.js';
import { INSTRUMENT_DEFAULTS } from './piano/synth.js';
import { installKeyboard } from './ui/keyboard.js';
import { installControls, pageQuery } from './ui/controls.js';
import { installAudioDialog, fillDevices, showDeviceSummary, setAudioDialogStatus } from './ui/audio-dialog.js';
import { resumeMuted } from './ui/media-elements.js';
import { installDiagnostics } from './ui/diagnostics.js';

// Events upward: the layers below tell the ones above through these hooks.
// The services (radios, the SFU) speak through feedback.js.
setSpeech((text, cue) => say(text, /** @type {any} */ (cue)));
// The session runs the world: its messages, the welcome's users and items, its loop.
attachWorld({ handleMessage: handleWorldMessage, addPeer, replaceItems, start: startLoop });
// A disconnect's cleanup, in this order: the loop, a teleport, the input modes, presence.
onDisconnectCleanup(stopLoop);
onDisconnectCleanup(cancelTeleport);
onDisconnectCleanup(resetModes);
onDisconnectCleanup(resetPresence);

function loadSettings() {
  settings.forgetLegacyToken();
  state.masterVolume = settings.masterVolume();
  state.micGain = settings.micGain();
  state.voiceEffect = settings.voiceEffect();
  state.effectLevels = settings.effectLevels();
  state.monoOutput = settings.monoOutput();
  state.layers = settings.layers();
  state.peerListenGains = settings.peerListenGains();
  state.authPolicy = settings.authPolicy();
  engine.masterVolume = state.masterVolume;
  engine.micGain = state.micGain;
  engine.effect = { name: state.voiceEffect, level: state.effectLevels[state.voiceEffect] };
  engine.mono = state.monoOutput;
  engine.voiceLayer = state.layers.voice;
  engine.outputDeviceId = settings.outputDevice().id;
}

/** @param {'login'|'register'|'session'} mode */
function setMode(mode) {
  state.authMode = mode;
  setAuthView(mode, settings.username(), state.hasSavedSession);
}

async function refreshDevices() {
  try {
    // Labels need a permission, which a short capture grants.
    if (!media.stream && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const t of s.getTracks()) t.stop();
    }
    const devices = await MediaSession.listDevices();
    fillDevices(devices, settings.inputDevice(), settings.outputDevice(), typeof (/** @type {any} */ (AudioContext.prototype)).setSinkId === 'function');
    setAudioDialogStatus(devices.inputs.length ? '' : 'No microphone found. You can still listen.');
  } catch {
    setAudioDialogStatus('Could not list devices. Allow microphone access to choose one.');
  }
}

async function boot() {
  loadSettings();
  setVersionText(CLIENT_VERSION);
  renderHelp(helpSections());
  applyPolicy(state.authPolicy);
  installFieldHandlers(state.authPolicy.usernameMaxLength);
  const remembered = settings.username();
  setUsernames(remembered);
  showDeviceSummary(settings.inputDevice().name, settings.outputDevice().name);

  installControls({
    connect: () => { engine.ensureContext(); resumeMuted(); connect(); },
    // The new form is a group named by its heading: focus entering it says which form it is.
    toggleMode: () => {
      setMode(state.authMode === 'register' ? 'login' : 'register');
      focusFirstField(/** @type {'login'|'register'} */ (state.authMode));
    },
    otherAccount: () => { setMode('login'); focusFirstField('login'); },
    disconnect: () => userDisconnect(),
    logout: () => { logout(); },
    // The screen reader names the grid as it takes focus; the blip is all we add.
    focusGrid: () => { focusSurface(); tone('blip'); },
    help: () => { toggleHelp(); },
  });
  installKeyboard({
    onKeyDown: handleKeyDown,
    onKeyUp: handleKeyUp,
    onSurfaceBlur: surfaceLeft,
    onWindowBlur: releaseAll,
  });
  installEntry({ onKey: handleEntryKey, onLeave: entryLeft });
  installAudioDialog({
    onOpen: () => { refreshDevices(); },
    onInput: (id, name) => {
      settings.setInputDevice(id, name);
      showDeviceSummary(name, settings.outputDevice().name);
      switchMicrophone(id).then(setAudioDialogStatus);
    },
    onOutput: (id, name) => {
      settings.setOutputDevice(id, name);
      engine.setOutputDevice(id);
      showDeviceSummary(settings.inputDevice().name, name);
      setAudioDialogStatus('Speakers saved.');
    },
  });
  installDiagnostics({
    state, engine, peers, sfu, send, media, itemAudio,
    piano: { previewNote, synth: pianoSynth, summary: pianoSummary, defaults: INSTRUMENT_DEFAULTS },
  });

  setMode('login');
  const q = pageQuery();
  setConnectionStatus(q.has('v') && q.has('t')
    ? 'Client updated, please reconnect.'
    : 'Welcome to Chat Grid. Log in or create an account, then press Connect.');
  if (await checkSessionCookie()) {
    state.hasSavedSession = true;
    setMode('session');
    showLogout(true);
    if (!q.has('v')) setConnectionStatus(remembered
      ? `Welcome back, ${remembered}. Press Connect to join.`
      : 'Welcome back. Press Connect to join with your saved session.');
  }
}

boot();
