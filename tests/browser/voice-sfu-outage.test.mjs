// SFU voice when Janus fails: the pages say so once and recover with it,
// while the world goes on; and voice_mode auto switching a square from the
// mesh to the SFU as a fourth person arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, login, uniqueName, walkTo, waitForPeer, waitForVoice,
  waitForAnnouncement, mark, closeAll, announcements, ADMIN, budget,
} from './lib/harness.mjs';
import { until, expectVia, A_TONE, B_TONE, C_TONE, SILENT } from './lib/voice-cases.mjs';
import { useSfu, startJanus, stopJanus, sfuDaemon, feedsOf, tail } from './lib/janus.mjs';

const skip = useSfu('sfu');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A page's connection id. */
const selfId = (page) => page.evaluate(() => window.__chatgrid.state.selfId);

/** Wait until the subscribers of a connection's feeds in Janus satisfy f. */
async function untilFeeds(connId, what, f, timeout = 15000) {
  const end = Date.now() + timeout;
  let feeds;
  while (Date.now() < end) {
    feeds = await feedsOf(connId);
    if (f(feeds)) return feeds;
    await sleep(200);
  }
  throw new Error(`${what}: Janus shows ${JSON.stringify(feeds)}`);
}
const subscribers = (feeds) => feeds.reduce((n, f) => n + f.subscribers, 0);

if (skip) test('SFU voice', { skip }, () => {});
else {
  test('sfu: Janus killed: pages say so once, chat and movement go on, voice comes back with Janus', { timeout: 180000 }, async () => {
    const ba = await launchBrowser({ tone: A_TONE });
    const bb = await launchBrowser({ tone: B_TONE });
    try {
      const a = await newPage(ba);
      const b = await newPage(bb);
      const an = uniqueName('ka');
      await register(b, uniqueName('kb'));
      await walkTo(b, 20, 25);
      await register(a, an);
      await walkTo(a, 12, 25);
      await waitForVoice(b);
      await until(b, 'A heard before the crash', (m) => m.left[A_TONE] > SILENT);

      const fromA = await mark(a);
      const fromB = await mark(b);
      await stopJanus('SIGKILL');
      await waitForAnnouncement(b, /^Voice server unavailable\./, { from: fromB });
      await waitForAnnouncement(a, /^Voice server unavailable\./, { from: fromA });
      // The world goes on: a step and a chat line reach B.
      await walkTo(a, 13, 25);
      await waitForPeer(b, an, [13, 25]);
      await a.evaluate(() => window.__chatgrid.send({ type: 'chat_message', message: 'still here' }));
      await b.waitForFunction(() => window.__announcements.some((x) => /still here/.test(x.text)), null, { timeout: budget(10000) });
      // Several of chatgridd's retries pass; nothing more is said.
      await sleep(3000);

      await startJanus();
      await waitForAnnouncement(b, /^Voice server back\.$/, { from: fromB, timeout: 20000 });
      await waitForVoice(b);
      await until(b, 'A heard after Janus came back', (m) => m.left[A_TONE] > SILENT && m.left[A_TONE] - m.right[A_TONE] > 6, 15000);
      const said = (await announcements(b)).slice(fromB).map((x) => x.text);
      assert.equal(said.filter((t) => /Voice server unavailable/.test(t)).length, 1, `said once: ${JSON.stringify(said)}`);
      assert.equal(said.filter((t) => /Voice server back/.test(t)).length, 1, `said once: ${JSON.stringify(said)}`);
    } catch (err) {
      err.message += `\nJanus log:\n${tail()}`;
      throw err;
    } finally {
      await closeAll(ba, bb);
    }
  });

  test('auto: a fourth person in the square crosses a threshold of 3; everyone keeps hearing everyone', { timeout: 240000 }, async () => {
    await sfuDaemon('auto', 'voice_sfu_threshold 3');
    const D_TONE = 880;
    const tones = [A_TONE, B_TONE, C_TONE, D_TONE];
    const browsers = [];
    try {
      for (const t of tones) browsers.push(await launchBrowser({ tone: t }));
      const pages = [];
      for (const br of browsers) pages.push(await newPage(br));
      const [a, b, c, d] = pages;
      await register(b, uniqueName('ub'));
      await walkTo(b, 20, 15);
      await register(a, uniqueName('ua'));
      await walkTo(a, 14, 15);
      await register(c, uniqueName('uc'));
      await walkTo(c, 26, 15);
      // Three people, two others in each one's range: the mesh.
      await waitForVoice(b, 2);
      await expectVia(b, 'mesh');
      await until(b, 'on the mesh, B hears A left and C right', (m) =>
        m.left[A_TONE] - m.right[A_TONE] > 6 && m.right[C_TONE] - m.left[C_TONE] > 6);

      await register(d, uniqueName('ud'));
      await walkTo(d, 20, 19);
      // Four: three others in range reaches the threshold; the area goes to the SFU.
      // Each listener is switched on its own, a moment apart: wait for every page.
      for (const page of [b, a, c, d]) {
        await page.waitForFunction(() => {
          const p = window.__chatgrid.peers();
          return p.length === 3 && p.every((x) => x.via === 'sfu' && x.state === 'connected');
        }, null, { timeout: budget(30000), polling: 200 });
      }
      for (const [i, page] of pages.entries()) {
        await waitForVoice(page, 3, 30000);
        await expectVia(page, 'sfu');
        const others = tones.filter((_, k) => k !== i);
        await until(page, `page ${i} hears the three others through the SFU`,
          (m) => others.every((t) => Math.max(m.left[t], m.right[t]) > SILENT), 15000, others);
      }
      await until(b, 'B still hears A left and C right', (m) =>
        m.left[A_TONE] - m.right[A_TONE] > 6 && m.right[C_TONE] - m.left[C_TONE] > 6);
    } finally {
      await closeAll(...browsers);
      await sfuDaemon('sfu');
    }
  });
}
