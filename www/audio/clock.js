/**
 * Clock announcements (item_clock_announce): the samples in order, each at
 * the clock's square, each waiting for the one before. A newer announcement
 * from the same clock stops what is left of the older one.
 */
import { soundUrl } from './urls.js';

/** @type {Map<string, { stop: () => void }>} itemId → the announcement playing */
const playing = new Map();

/**
 * @param {import('./engine.js').AudioEngine} engine
 * @param {{ itemId: string, sounds: unknown[], x: number, y: number, range?: number }} msg
 */
export async function announceClock(engine, msg) {
  const before = playing.get(msg.itemId);
  if (before) before.stop();
  let cancelled = false;
  /** @type {{ stop: () => void } | null} */
  let current = null;
  const me = {
    stop: () => {
      cancelled = true;
      if (current) current.stop();
    },
  };
  playing.set(msg.itemId, me);
  for (const ref of msg.sounds) {
    if (cancelled) break;
    const url = soundUrl(ref);
    if (!url) continue;
    const h = engine.playAt(url, { x: msg.x, y: msg.y, range: msg.range });
    current = h;
    await h.ended;
  }
  if (playing.get(msg.itemId) === me) playing.delete(msg.itemId);
}

/** Stop every announcement (the world layer went off, or a disconnect). */
export function stopClocks() {
  for (const a of playing.values()) a.stop();
  playing.clear();
}
