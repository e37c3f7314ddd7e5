// Helpers of the admin tools' browser tests (admin-tools, admin-moderation):
// the open menu, moving in it by keys, announcements with what was said on a
// failure, sent packets and the tones a page starts.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForAnnouncement as waitFor, mark, key, budget, announcements } from './harness.mjs';

/** waitForAnnouncement, saying on failure what the page did say. */
export async function waitForAnnouncement(page, re, opts = {}) {
  try {
    return await waitFor(page, re, opts);
  } catch (err) {
    const said = (await announcements(page)).slice(opts.from || 0).map((x) => `${x.region}: ${x.text}`);
    throw new Error(`never heard ${re}; heard ${JSON.stringify(said)}`, { cause: err });
  }
}

/**
 * Press a key on the grid and return the next #status announcement, without
 * the presence news said with it (harness keyAndHear, saying on a failure
 * what was heard).
 */
export async function keyAndHear(page, combo, re = /./) {
  const from = await mark(page);
  await key(page, combo);
  return waitForAnnouncement(page, re, { from, region: 'status', timeout: 5000 });
}

/** Records every tone the page starts: window.__tones [{ type, freq, t }] (an init script). */
export function toneRecorder() {
  window.__tones = [];
  const orig = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function createOscillator() {
    const o = orig.call(this);
    const start = o.start.bind(o);
    o.start = (...args) => {
      window.__tones.push({ type: o.type, freq: o.frequency.value, t: Date.now() });
      return start(...args);
    };
    return o;
  };
}

/** The tones started since t, as "type freq". */
export async function tonesSince(page, t) {
  return page.evaluate((from) => window.__tones.filter((x) => x.t >= from).map((x) => `${x.type} ${Math.round(x.freq)}`), t);
}

export function noViolations(v, screen) {
  assert.deepEqual(v, [], `${screen}: ${JSON.stringify(v, null, 1)}`);
}

/** Wait until the page has sent a packet matching fn; returns it. */
export async function waitSent(page, fn, what, from = 0) {
  const end = Date.now() + budget(10000);
  while (Date.now() < end) {
    const hit = page.sent.slice(from).find(fn);
    if (hit) return hit;
    await sleep(30);
  }
  throw new Error(`never sent: ${what}; sent ${JSON.stringify(page.sent.slice(from).map((m) => m.type))}`);
}

/** The open menu: its name and the current entry's value and spoken text. */
export async function menu(page) {
  return page.evaluate(() => {
    const s = window.__chatgrid.state;
    const m = s.mode === 'menu' ? s.modeState.menu : null;
    if (!m) return { mode: s.mode, name: '', value: undefined, text: '', texts: [] };
    const e = m.entries[m.index];
    return { mode: s.mode, name: m.name, value: e ? e.value : undefined, text: e ? (e.text ?? e.label) : '', texts: m.entries.map((x) => x.text ?? x.label) };
  });
}

/** Press Down until the current entry's value is want (each move is spoken). */
export async function moveTo(page, want) {
  const { texts } = await menu(page);
  for (let i = 0; i <= texts.length; i++) {
    if ((await menu(page)).value === want) return;
    await keyAndHear(page, 'ArrowDown');
  }
  throw new Error(`no entry ${want} in ${JSON.stringify(texts)}`);
}

/** Open the admin menu and go to the action with that label. */
export async function openAction(page, label) {
  assert.match(await keyAndHear(page, 'Shift+KeyZ'), /^Admin\. /);
  const m = await menu(page);
  const i = m.texts.indexOf(label);
  assert.ok(i >= 0, `${label} in ${JSON.stringify(m.texts)}`);
  while ((await menu(page)).text !== label) await keyAndHear(page, 'ArrowDown');
}

/** Press a key in the text field and return the next #status announcement, as keyAndHear. */
export async function pressAndHearField(page, combo) {
  const from = await mark(page);
  await page.keyboard.press(combo);
  return waitForAnnouncement(page, /./, { from, region: 'status' });
}

