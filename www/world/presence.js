/**
 * Arrivals and departures, told in batches: events that come within a quiet
 * second of each other are one announcement ("12 users logged out."), so a
 * burst never buries chat or other news. A lone event keeps its own words
 * ("alice has logged out."). Who is here now is always on U.
 */
import { say, sample } from '../feedback.js';
import { SAMPLES } from '../audio/sounds.js';
import { plural } from '../text.js';
import { PRESENCE_QUIET_MS, PRESENCE_MAX_WAIT_MS } from '../constants.js';

/** @typedef {'login'|'logout'|'in_range'|'out_of_range'} PresenceKind */

/** How a batch of one kind is told. */
const MANY = { login: 'logged in', logout: 'logged out', in_range: 'in range', out_of_range: 'out of range' };

/** @type {Array<{ kind: PresenceKind, sentence: string }>} */
let batch = [];
let firstAt = 0;
let timer = 0;

function flush() {
  timer = 0;
  const events = batch;
  batch = [];
  /** @type {Map<PresenceKind, string[]>} in order of first appearance */
  const byKind = new Map();
  for (const e of events) {
    if (!byKind.has(e.kind)) byKind.set(e.kind, []);
    byKind.get(e.kind).push(e.sentence);
  }
  const parts = [];
  for (const [kind, sentences] of byKind) {
    parts.push(sentences.length === 1 ? sentences[0]
      : `${sentences.length} ${plural(sentences.length, 'user', 'users')} ${MANY[kind]}.`);
  }
  say(parts.join(' '));
  if (byKind.has('login')) sample(SAMPLES.logon);
  if (byKind.has('logout')) sample(SAMPLES.logout);
}

/**
 * Someone arrived or left; told with the others of the same moment.
 * @param {PresenceKind} kind
 * @param {string} sentence how this event alone is told
 */
export function presence(kind, sentence) {
  const now = Date.now();
  if (!batch.length) firstAt = now;
  batch.push({ kind, sentence });
  clearTimeout(timer);
  timer = window.setTimeout(flush, Math.max(0, Math.min(PRESENCE_QUIET_MS, firstAt + PRESENCE_MAX_WAIT_MS - now)));
}

/** Drop what is waiting (disconnect). */
export function resetPresence() {
  clearTimeout(timer);
  timer = 0;
  batch = [];
}
