/**
 * The two live regions. #status speaks every in-game event (and anything else
 * said to the user); #connectionStatus holds the connection's state and stays
 * until replaced. Texts said in the same moment are joined, so none is lost
 * when a screen reader reads the region.
 */
import { byId } from './dom.js';
import { STATUS_CLEAR_MS, STATUS_DEDUPE_MS } from '../constants.js';

/** @type {string[]} */
let pending = [];
let flushTimer = 0;
let clearTimer = 0;
let lastText = '';
let lastAt = 0;

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
 * Say something through the status region.
 * @param {string} text
 */
export function speak(text) {
  const clean = String(text || '').replace(/\s+/g, ' ').trim();
  if (!clean) return;
  const now = Date.now();
  if (clean === lastText && now - lastAt < STATUS_DEDUPE_MS) return;
  lastText = clean;
  lastAt = now;
  pending.push(clean);
  if (!flushTimer) {
    // Empty the region first so a repeated text is announced again.
    byId('status').textContent = '';
    flushTimer = window.setTimeout(flush, 40);
  }
}

/** @param {string} text */
export function setConnectionStatus(text) {
  byId('connectionStatus').textContent = text;
}

export function connectionStatusText() {
  return byId('connectionStatus').textContent || '';
}
