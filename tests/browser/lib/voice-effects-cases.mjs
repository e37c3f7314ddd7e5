// The outgoing voice effects as another user hears them, in every voice
// mode: a low pass takes A's high tone away and keeps the low one (also after
// A reloads, the effect being remembered); an echo repeats A's gated tone
// after the echo's delay, at B and in A's own loopback. voice-effects.test.mjs
// runs them on the mesh, voice-effects-sfu.test.mjs through a Janus SFU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, uniqueName, walkTo, waitForPeer, waitForVoice, measure,
  keyAndHear, waitForAnnouncement, mark, closeAll, budget,
} from './harness.mjs';
import { expectVia } from './voice-cases.mjs';

const LOW = 300;
const HIGH = 4000;
const ECHO_TONE = 1000;
/** The echo at level 100: 0.04 + 0.76 * 0.8 s (docs/audio.md). */
const ECHO_DELAY_S = 0.04 + 0.76 * 0.8;

/** The page's effect, level and what the engine runs. @param {import('playwright-core').Page} page */
export async function effectState(page) {
  return page.evaluate(() => {
    const { state, engine } = window.__chatgrid;
    return { effect: state.voiceEffect, levels: { ...state.effectLevels }, engine: { ...engine.effect } };
  });
}

/** Press a key n times, returning the last thing said. */
export async function keyTimes(page, combo, n) {
  let said = '';
  for (let i = 0; i < n; i++) said = await keyAndHear(page, combo);
  return said;
}

/** Louder ear's level of each frequency, averaged (in power) over a few measurements. */
async function levels(page, freqs, rounds = 3) {
  const sum = Object.fromEntries(freqs.map((f) => [f, 0]));
  for (let i = 0; i < rounds; i++) {
    const m = await measure(page, 1000, freqs);
    for (const f of freqs) sum[f] += Math.pow(10, Math.max(m.left[f], m.right[f]) / 10);
  }
  return Object.fromEntries(freqs.map((f) => [f, 10 * Math.log10(sum[f] / rounds)]));
}

/** Wait until the levels satisfy f (the effect and the voice glide in), then return them. */
async function levelsUntil(page, what, freqs, f, timeout = 15000) {
  const end = Date.now() + budget(timeout);
  let l;
  while (Date.now() < end) {
    l = await levels(page, freqs, 1);
    if (f(l)) return levels(page, freqs);
  }
  throw new Error(`${what}: last levels ${JSON.stringify(l)}`);
}

/** Reload, resume the session from its cookie, and wait for the world. */
export async function reloadAndResume(page) {
  await page.reload();
  await page.waitForFunction(() => !document.getElementById('sessionView').hidden, null, { timeout: budget(15000) });
  const from = await mark(page);
  await page.click('#connectButton');
  await waitForAnnouncement(page, /^Connected to server\. Version /, { from, timeout: 20000, region: 'connectionStatus' });
}

/** Two users a square apart: A (its fake microphone playing tone) and B, who hears A. */
async function pair(tone) {
  const ba = await launchBrowser({ tone });
  const bb = await launchBrowser({ tone: 550 });
  const a = await newPage(ba);
  const b = await newPage(bb);
  const an = uniqueName('fa');
  await register(b, uniqueName('fb'));
  await walkTo(b, 20, 20);
  await register(a, an);
  await walkTo(a, 20, 20);
  await waitForPeer(b, an, [20, 20]);
  await waitForVoice(b);
  return { ba, bb, a, b, an };
}

/**
 * How much of A's gated tone B hears again after the echo's delay: the
 * envelope's autocorrelation at lags around that delay, over its energy.
 * @param {import('playwright-core').Page} page
 */
async function echoShare(page) {
  const env = await page.evaluate((f) => window.__chatgrid.envelope({ ms: 6000, freq: f, blockMs: 10 }), ECHO_TONE);
  const amp = env.powers.map((p) => Math.sqrt(p));
  const energy = amp.reduce((s, v) => s + v * v, 0) || 1e-30;
  let best = { share: -Infinity, lagS: 0 };
  const lo = Math.round(((ECHO_DELAY_S - 0.1) * 1000) / env.blockMs);
  const hi = Math.round(((ECHO_DELAY_S + 0.1) * 1000) / env.blockMs);
  for (let lag = lo; lag <= hi; lag++) {
    let s = 0;
    for (let i = 0; i + lag < amp.length; i++) s += amp[i] * amp[i + lag];
    if (s / energy > best.share) best = { share: s / energy, lagS: (lag * env.blockMs) / 1000 };
  }
  return { ...best, peak: Math.max(...amp) };
}

/** Register the voice-effect tests for a mode ('mesh' or 'sfu'). @param {string} mode */
export function effectVoiceCases(mode) {
  test(`Low Pass on A's voice (${mode}): B loses A's high tone and keeps the low one, also after A reloads`, { timeout: 240000 }, async () => {
    const { ba, bb, a, b } = await pair({ freqs: [LOW, HIGH] });
    try {
      const freqs = [LOW, HIGH];
      await expectVia(b, mode);
      const plain = await levelsUntil(b, 'B hears both of A\'s tones', freqs, (l) => l[LOW] > -70 && l[HIGH] > -70);
      assert.equal(await keyAndHear(a, 'e'), 'Effects. Off');
      assert.equal(await keyAndHear(a, 'ArrowUp'), 'Low Pass');
      assert.equal(await keyAndHear(a, 'Enter'), 'Low Pass.');
      // Level 90: cutoff 825 Hz (docs/audio.md): 300 Hz passes, 4000 Hz is some 27 dB down.
      assert.equal(await keyTimes(a, 'Shift+Equal', 8), 'Low Pass 90.');
      const filtered = await levelsUntil(b, 'A\'s high tone drops', freqs, (l) => l[HIGH] < plain[HIGH] - 15);
      assert.ok(plain[HIGH] - filtered[HIGH] > 15, `high tone ${plain[HIGH].toFixed(1)} → ${filtered[HIGH].toFixed(1)} dB`);
      assert.ok(Math.abs(filtered[LOW] - plain[LOW]) < 4, `low tone ${plain[LOW].toFixed(1)} → ${filtered[LOW].toFixed(1)} dB`);

      // A reloads: the Low Pass at 90 is applied again to what B hears.
      await reloadAndResume(a);
      assert.deepEqual((await effectState(a)).engine, { name: 'low_pass', level: 90 });
      await waitForVoice(b);
      await expectVia(b, mode);
      const restored = await levelsUntil(b, 'A back, still filtered', freqs, (l) => l[LOW] > plain[LOW] - 4);
      assert.ok(plain[HIGH] - restored[HIGH] > 15, `after the reload the high tone is ${restored[HIGH].toFixed(1)} dB (plain ${plain[HIGH].toFixed(1)})`);

      // Off brings the high tone back: the effect was what took it.
      assert.equal(await keyAndHear(a, 'e'), 'Effects. Low Pass');
      assert.equal(await keyAndHear(a, 'End'), 'Off');
      assert.equal(await keyAndHear(a, 'Enter'), 'Off.');
      await levelsUntil(b, 'A\'s high tone back with the effect off', freqs, (l) => l[HIGH] > plain[HIGH] - 4);
    } finally {
      await closeAll(ba, bb);
    }
  });

  test(`Echo on A's voice (${mode}): B hears A's tone bursts again after the echo's delay`, { timeout: 180000 }, async () => {
    // 0.15 s of tone every 2 s.
    const { ba, bb, a, b } = await pair({ freqs: [ECHO_TONE], on: 0.15, period: 2 });
    try {
      await expectVia(b, mode);
      const end = Date.now() + budget(15000);
      let plain = await echoShare(b);
      while (plain.peak < 1e-4 && Date.now() < end) plain = await echoShare(b);
      assert.ok(plain.peak >= 1e-4, `B hears A's bursts (peak ${plain.peak})`);
      assert.ok(plain.share < 0.15, `without the effect nothing comes back after ${ECHO_DELAY_S} s: ${JSON.stringify(plain)}`);

      assert.equal(await keyAndHear(a, 'e'), 'Effects. Off');
      assert.equal(await keyAndHear(a, 'e'), 'Echo');
      assert.equal(await keyAndHear(a, 'Enter'), 'Echo.');
      assert.equal(await keyTimes(a, 'Shift+Equal', 10), 'Echo 100.');
      const echoed = await echoShare(b);
      assert.ok(echoed.share > 0.35, `with the echo the bursts come back: ${JSON.stringify(echoed)} (plain ${JSON.stringify(plain)})`);
      assert.ok(Math.abs(echoed.lagS - ECHO_DELAY_S) < 0.06, `after the echo's delay: ${echoed.lagS} s, want ${ECHO_DELAY_S} s`);

      // A's own loopback monitor carries the same echo.
      assert.equal(await keyAndHear(a, 'Shift+Digit1'), 'Loopback on.');
      const self = await echoShare(a);
      assert.ok(self.share > 0.35 && Math.abs(self.lagS - ECHO_DELAY_S) < 0.06, `A's loopback echoes too: ${JSON.stringify(self)}`);
    } finally {
      await closeAll(ba, bb);
    }
  });
}
