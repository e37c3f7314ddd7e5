// The voice assertions, run in every voice mode: fake microphones play known
// tones, and an AnalyserNode tap on the listener's output measures what it
// hears per ear. voice.test.mjs runs them on the mesh, voice-sfu.test.mjs
// through a Janus SFU: a listener must not be able to tell the difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, login, uniqueName, walkTo, waitForPeer, waitForVoice, measure,
  key, waitForAnnouncement, mark, closeAll, ADMIN, budget,
} from './harness.mjs';

export const A_TONE = 440;
export const B_TONE = 550;
export const C_TONE = 660;
/** Below this (dB of summed analyser power) a tone is not there. */
export const SILENT = -75;

/** Wait until f(measurement) holds, measuring again and again (audio glides). */
export async function until(page, what, f, timeout = 10000, freqs = [A_TONE, C_TONE]) {
  const end = Date.now() + budget(timeout);
  let m;
  while (Date.now() < end) {
    m = await measure(page, 700, freqs);
    if (f(m)) return m;
  }
  throw new Error(`${what}: last measurement ${JSON.stringify({ left: m.left, right: m.right, peakHz: m.peakHz })}`);
}

/** Every voice a page hears travels the mode's way: all mesh, or all through the SFU. */
export async function expectVia(page, mode) {
  const list = await page.evaluate(() => window.__chatgrid.peers());
  const want = mode === 'sfu' ? 'sfu' : 'mesh';
  for (const p of list) assert.equal(p.via || 'mesh', want, `voice of ${p.peerId} travels by ${p.via || 'mesh'}`);
}

/** Register the voice tests for a mode ('mesh' or 'sfu'). @param {string} mode */
export function voiceCases(mode) {
  test(`two users (${mode}): A is heard on the side where A stands, and only within hearing range; mute silences A`, { timeout: 180000 }, async () => {
    const ba = await launchBrowser({ tone: A_TONE });
    const bb = await launchBrowser({ tone: B_TONE });
    try {
      const a = await newPage(ba);
      const b = await newPage(bb);
      const an = uniqueName('va');
      const bn = uniqueName('vb');
      await register(b, bn);
      await walkTo(b, 20, 20);
      await register(a, an);
      await walkTo(a, 12, 20); // 8 squares west of B
      await waitForPeer(b, an, [12, 20]);
      await waitForVoice(b);
      await waitForVoice(a);

      const west = await until(b, 'A heard louder on the left', (m) => m.left[A_TONE] > SILENT && m.left[A_TONE] - m.right[A_TONE] > 6);
      assert.ok(Math.abs(west.peakHz[0] - A_TONE) < 5, `the loudest frequency is A's tone (${west.peakHz[0]})`);

      await walkTo(a, 28, 20); // 8 squares east
      await waitForPeer(b, an, [28, 20]);
      await until(b, 'A heard louder on the right', (m) => m.right[A_TONE] > SILENT && m.right[A_TONE] - m.left[A_TONE] > 6);

      // 23 squares away: beyond hearing range (20), still connected, silent.
      await walkTo(b, 35, 20);
      await walkTo(a, 12, 20);
      await waitForPeer(b, an, [12, 20]);
      await until(b, 'A beyond hearing range is silent', (m) => m.left[A_TONE] < SILENT && m.right[A_TONE] < SILENT);
      // 33 squares: the connection is torn down.
      await walkTo(a, 2, 20);
      await b.waitForFunction(() => window.__chatgrid.peers().length === 0, null, { timeout: budget(10000) });

      // Back in range; A mutes with M.
      await walkTo(a, 30, 20);
      await waitForVoice(b);
      await until(b, 'A heard again when back in range', (m) => m.left[A_TONE] > SILENT);
      const from = await mark(a);
      await key(a, 'm');
      await waitForAnnouncement(a, /^Muted\.$/, { from });
      await until(b, 'muted A is silent', (m) => m.left[A_TONE] < SILENT && m.right[A_TONE] < SILENT, 3000);
      await key(a, 'm');
      await until(b, 'unmuted A is heard', (m) => m.left[A_TONE] > SILENT);
    } finally {
      await closeAll(ba, bb);
    }
  });

  test(`three users (${mode}): B hears A on one side and C on the other; an admin's voice mute silences A within a second`, { timeout: 180000 }, async () => {
    const ba = await launchBrowser({ tone: A_TONE });
    const bb = await launchBrowser({ tone: B_TONE });
    const bc = await launchBrowser({ tone: C_TONE });
    try {
      const a = await newPage(ba);
      const b = await newPage(bb);
      const c = await newPage(bc);
      const an = uniqueName('ta');
      await register(b, uniqueName('tb'));
      await walkTo(b, 20, 10);
      await register(a, an);
      await walkTo(a, 12, 10);
      await login(c, ADMIN.username, ADMIN.password);
      await walkTo(c, 28, 10);
      await waitForVoice(b, 2);
    await expectVia(b, mode);

      const both = await until(b, 'A on the left and C on the right', (m) =>
        m.left[A_TONE] - m.right[A_TONE] > 6 && m.right[C_TONE] - m.left[C_TONE] > 6);
      // With C's tone in the same ears (its spectral leakage sits about 37 dB
      // below it), "silent" means at least 30 dB below what A was.
      const aBefore = Math.max(both.left[A_TONE], both.right[A_TONE]);
      const aSilent = (/** @type {any} */ m) => Math.max(m.left[A_TONE], m.right[A_TONE]) < aBefore - 30;

      const fromA = await mark(a);
      const fromC = await mark(c);
      await c.evaluate((name) => window.__chatgrid.send({ type: 'admin_user_mute', username: name, target: 'voice', minutes: 5 }), an);
      // Within a second of the admin's message (on a quiet machine; stretched
      // by the load, as every wait is), B's ears hold no more of A.
      await new Promise((r) => setTimeout(r, budget(1000)));
      const after = await measure(b, 500, [A_TONE, C_TONE]);
      assert.ok(aSilent(after), `A silenced within a second: before ${aBefore} dB, after ${JSON.stringify(after.left)} ${JSON.stringify(after.right)}`);
      assert.ok(after.right[C_TONE] > SILENT, 'C is still heard');
      await waitForAnnouncement(a, /Voice send permission revoked/, { from: fromA });
      await waitForAnnouncement(c, /^Muted /, { from: fromC });
      assert.deepEqual(await a.evaluate(() => window.__chatgrid.micEnabled()), [false]);
      // M now refuses.
      const fromA2 = await mark(a);
      await key(a, 'm');
      await waitForAnnouncement(a, /^Voice send is disabled for this account\.$/, { from: fromA2 });
      // Unmute: 0 minutes.
      await c.evaluate((name) => window.__chatgrid.send({ type: 'admin_user_mute', username: name, target: 'voice', minutes: 0 }), an);
      await waitForAnnouncement(a, /Voice send permission granted/, { from: fromA2 });
      await until(b, 'A heard after the mute ends', (m) => m.left[A_TONE] > aBefore - 6);
    } finally {
      await closeAll(ba, bb, bc);
    }
  });
}
