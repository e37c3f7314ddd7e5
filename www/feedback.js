/**
 * What the user hears and reads about an event: words through one live
 * region, with a sound cue beside them (never instead of them), and the chat
 * history that , . < > read back and the page's chat log shows.
 */
import { state } from './state.js';
import { engine } from './services.js';
import { speak, announceChat } from './ui/speech.js';
import { appendChatLog } from './ui/chatlog.js';
import { TONES } from './audio/sounds.js';
import { CHAT_HISTORY_MAX } from './constants.js';

/** @typedef {keyof typeof TONES} ToneName */

/** @param {ToneName} name */
export function tone(name) {
  const [freq, seconds, type, gain] = TONES[name];
  engine.tone(/** @type {number} */ (freq), /** @type {number} */ (seconds), /** @type {OscillatorType} */ (type), /** @type {number} */ (gain));
}

/**
 * Say text with an optional tone.
 * @param {string} text
 * @param {ToneName} [cue]
 */
export function say(text, cue) {
  speak(text);
  if (cue) tone(cue);
}

/** @param {string} url @param {{ gain?: number, fadeMs?: number, dx?: number, dy?: number, range?: number }} [opts] */
export function sample(url, opts) {
  engine.playSample(url, opts);
}

/**
 * Add a line to the history and the visible chat log without saying it:
 * for lines whose announcement goes elsewhere (connection events, presence).
 * @param {string} text
 */
export function recordLine(text) {
  state.chatHistory.push(text);
  if (state.chatHistory.length > CHAT_HISTORY_MAX) state.chatHistory.shift();
  state.chatCursor = state.chatHistory.length - 1;
  appendChatLog(text, CHAT_HISTORY_MAX);
}

/**
 * A chat line: into the history and the chat log, and spoken once through
 * the chat's own live region.
 * @param {string} text
 * @param {ToneName} [cue]
 */
export function pushChat(text, cue) {
  recordLine(text);
  announceChat(text);
  if (cue) tone(cue);
}
