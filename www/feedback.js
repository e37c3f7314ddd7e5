/**
 * What the user hears and reads about an event: words through the live
 * region, with a sound cue beside them (never instead of them), and the chat
 * history that , . < > read back.
 */
import { state } from './state.js';
import { engine } from './services.js';
import { speak } from './ui/speech.js';
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
 * Add a line to the chat history and say it.
 * @param {string} text
 * @param {ToneName} [cue]
 */
export function pushChat(text, cue) {
  state.chatHistory.push(text);
  if (state.chatHistory.length > CHAT_HISTORY_MAX) state.chatHistory.shift();
  state.chatCursor = state.chatHistory.length - 1;
  say(text, cue);
}
