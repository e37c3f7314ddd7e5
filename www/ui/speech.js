/**
 * The live regions, one voice per message (docs/accessibility.md, "The page"):
 *
 *   #connectionStatus  the connection's state; keeps its text until replaced.
 *   #status            everything else said in game: key answers, events,
 *                      errors, presence.
 *   #chatLive          a role=log region: each chat line once, as it arrives.
 *
 * A text goes to exactly one of them. Texts said in the same moment are
 * joined in #status, so none is lost when a screen reader reads the region.
 */
import { byId } from './dom.js';
import { STATUS_CLEAR_MS, CONNECTION_STEP_MS, CHAT_LIVE_KEEP_MS, CHAT_LIVE_MAX } from '../constants.js';

/** @type {string[]} */
let pending = [];
let flushTimer = 0;
let clearTimer = 0;

function flush() {
  flushTimer = 0;
  const text = pending.join(' ');
  pending = [];
  const region = byId('status');
  region.textContent = text;
  clearTimeout(clearTimer);
  clearTimer = window.setTimeout(() => {
    if (region.textContent === text) region.textContent = '';
  }, STATUS_CLEAR_MS);
}

/**
 * Say something through #status. Every call is spoken, a repeat of the last
 * text included: the region is emptied first, so the same words are announced
 * again.
 * @param {string} text
 */
export function speak(text) {
  const clean = String(text || '').replace(/\s+/g, ' ').trim();
  if (!clean) return;
  pending.push(clean);
  if (!flushTimer) {
    byId('status').textContent = '';
    flushTimer = window.setTimeout(flush, 40);
  }
}

let stepTimer = 0;
/** Whether #connectionStatus shows (or is about to show) a step in progress. */
let showingStep = false;

/**
 * Set the connection state. A step in progress ("Connecting...") is written
 * only once it has lasted CONNECTION_STEP_MS, so a quick connect is one
 * announcement, not five; a final text is written at once and drops any step
 * still waiting.
 * @param {string} text
 * @param {{ step?: boolean }} [opts]
 */
export function setConnectionStatus(text, opts = {}) {
  clearTimeout(stepTimer);
  stepTimer = 0;
  showingStep = !!opts.step;
  if (opts.step) {
    stepTimer = window.setTimeout(() => {
      stepTimer = 0;
      byId('connectionStatus').textContent = text;
    }, CONNECTION_STEP_MS);
    return;
  }
  byId('connectionStatus').textContent = text;
}

/**
 * Forget a step in progress without saying anything else: used when the
 * outcome is told elsewhere (a field's own error message). Emptying a live
 * region is not announced.
 */
export function clearConnectionStep() {
  if (!showingStep) return;
  clearTimeout(stepTimer);
  stepTimer = 0;
  showingStep = false;
  byId('connectionStatus').textContent = '';
}

export function connectionStatusText() {
  return byId('connectionStatus').textContent || '';
}

/**
 * Announce a chat line through the chat's own log region. Lines leave the
 * region after a while (removals are not announced); the visible chat log
 * keeps them.
 * @param {string} text
 */
export function announceChat(text) {
  const region = byId('chatLive');
  const line = document.createElement('p');
  line.textContent = text;
  region.append(line);
  while (region.childElementCount > CHAT_LIVE_MAX) region.firstElementChild.remove();
  window.setTimeout(() => line.remove(), CHAT_LIVE_KEEP_MS);
}
