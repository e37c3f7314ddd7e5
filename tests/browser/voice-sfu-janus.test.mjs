// SFU voice against a real Janus (lib/janus.mjs starts it inside the tests'
// network namespace): subscriptions follow hearing range at Janus, a mute or
// a ban takes the feed away there, and a client that knows only the mesh is
// meshed with by SFU clients.
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
  test('sfu: walking out of range unsubscribes at Janus, walking back restores the sound', { timeout: 180000 }, async () => {
    const ba = await launchBrowser({ tone: A_TONE });
    const bb = await launchBrowser({ tone: B_TONE });
    try {
      const a = await newPage(ba);
      const b = await newPage(bb);
      const an = uniqueName('ra');
      await register(b, uniqueName('rb'));
      await walkTo(b, 20, 30);
      await register(a, an);
      await walkTo(a, 12, 30);
      await waitForVoice(b);
      await until(b, 'A heard on the left', (m) => m.left[A_TONE] > SILENT && m.left[A_TONE] - m.right[A_TONE] > 6);
      const aId = await selfId(a);
      await untilFeeds(aId, 'B subscribes to A', (f) => f.length === 1 && f[0].subscribers === 1);

      // 30 squares apart: beyond VOICE_FAR (28), B's subscription lets A's feed go.
      await walkTo(b, 35, 30);
      await walkTo(a, 5, 30);
      await untilFeeds(aId, 'nobody subscribes to A out of range', (f) => subscribers(f) === 0);
      await b.waitForFunction(() => window.__chatgrid.peers().length === 0, null, { timeout: budget(10000) });
      await until(b, 'A out of range is silent', (m) => m.left[A_TONE] < SILENT && m.right[A_TONE] < SILENT);

      await walkTo(a, 27, 30);
      await waitForVoice(b);
      await untilFeeds(aId, 'B subscribes to A again', (f) => subscribers(f) === 1);
      await until(b, 'A heard again on the left', (m) => m.left[A_TONE] > SILENT && m.left[A_TONE] - m.right[A_TONE] > 6);
    } finally {
      await closeAll(ba, bb);
    }
  });

  test('sfu: a voice mute unpublishes A\'s feed at Janus and an unmute brings it back; a ban closes it', { timeout: 180000 }, async () => {
    const ba = await launchBrowser({ tone: A_TONE });
    const bb = await launchBrowser({ tone: B_TONE });
    const bc = await launchBrowser({ tone: C_TONE });
    try {
      const a = await newPage(ba);
      const b = await newPage(bb);
      const c = await newPage(bc);
      const an = uniqueName('ma');
      await register(b, uniqueName('mb'));
      await walkTo(b, 20, 5);
      await register(a, an);
      await walkTo(a, 14, 5);
      await login(c, ADMIN.username, ADMIN.password);
      await walkTo(c, 30, 5);
      await waitForVoice(b);
      const aId = await selfId(a);
      await untilFeeds(aId, 'A publishes to B and C', (f) => subscribers(f) === 2);
      const both = await until(b, 'A on the left and C on the right', (m) =>
        m.left[A_TONE] - m.right[A_TONE] > 6 && m.right[C_TONE] - m.left[C_TONE] > 6);
      // C's tone leaks into A's bins about 37 dB below it: silent means 30 dB below A.
      const aBefore = Math.max(both.left[A_TONE], both.right[A_TONE]);
      const aSilent = (/** @type {any} */ m) => Math.max(m.left[A_TONE], m.right[A_TONE]) < aBefore - 30;

      await c.evaluate((name) => window.__chatgrid.send({ type: 'admin_user_mute', username: name, target: 'voice', minutes: 5 }), an);
      await untilFeeds(aId, 'a muted A has no feed', (f) => f.length === 0, 5000);
      await until(b, 'muted A is silent', aSilent, 3000);
      // The client cannot publish again while muted: the server gives it no feed to send.
      assert.deepEqual((await a.evaluate(() => window.__chatgrid.sfu())).publish, []);

      await c.evaluate((name) => window.__chatgrid.send({ type: 'admin_user_mute', username: name, target: 'voice', minutes: 0 }), an);
      await untilFeeds(aId, 'an unmuted A publishes again', (f) => subscribers(f) === 2);
      await until(b, 'A heard after the unmute', (m) => m.left[A_TONE] > aBefore - 6);

      const fromA = await mark(a);
      await c.evaluate((name) => window.__chatgrid.send({ type: 'admin_user_ban', username: name }), an);
      await waitForAnnouncement(a, /Account is disabled\./, { from: fromA });
      await untilFeeds(aId, 'a banned A has no feed', (f) => f.length === 0, 5000);
      await b.waitForFunction(() => window.__chatgrid.peers().length === 1, null, { timeout: budget(10000) });
      await until(b, 'banned A is silent', aSilent);
    } finally {
      await closeAll(ba, bb, bc);
    }
  });

  test('sfu: a client that knows only the mesh (a reference client) is meshed with, and hears and is heard', { timeout: 180000 }, async () => {
    // A reference client ignores worldConfig.voiceMode: ours without it behaves the same.
    const legacy = () => {
      const Orig = window.WebSocket;
      window.WebSocket = class extends Orig {
        set onmessage(fn) {
          super.onmessage = (ev) => {
            let data = ev.data;
            try {
              const m = JSON.parse(data);
              if (m.type === 'welcome' && m.worldConfig) {
                delete m.worldConfig.voiceMode;
                data = JSON.stringify(m);
              }
            } catch { /* not JSON */ }
            fn.call(this, { data });
          };
        }
      };
    };
    const bl = await launchBrowser({ tone: A_TONE });
    const bb = await launchBrowser({ tone: B_TONE });
    const bc = await launchBrowser({ tone: C_TONE });
    try {
      const l = await newPage(bl, { init: legacy });
      const b = await newPage(bb);
      const c = await newPage(bc);
      await register(b, uniqueName('lb'));
      await walkTo(b, 20, 35);
      await register(c, uniqueName('lc'));
      await walkTo(c, 28, 35);
      await register(l, uniqueName('ll'));
      await walkTo(l, 12, 35);
      await waitForVoice(b, 2);
      await waitForVoice(l, 2);
      assert.ok(!l.sent.some((m) => m.type === 'voice_join'), 'the mesh-only client never joins the SFU');
      const viaB = Object.fromEntries((await b.evaluate(() => window.__chatgrid.peers())).map((p) => [p.peerId, p.via || 'mesh']));
      assert.equal(viaB[await selfId(l)], 'mesh', 'B meshes with the mesh-only client');
      assert.equal(viaB[await selfId(c)], 'sfu', 'B hears C through the SFU');
      await expectVia(l, 'mesh');
      await until(b, 'B hears the mesh-only client left and C right', (m) =>
        m.left[A_TONE] - m.right[A_TONE] > 6 && m.right[C_TONE] - m.left[C_TONE] > 6);
      await until(l, 'the mesh-only client hears B and C on its right', (m) =>
        m.right[B_TONE] > SILENT && m.right[B_TONE] - m.left[B_TONE] > 6 && m.right[C_TONE] > SILENT, 10000, [B_TONE, C_TONE]);
    } finally {
      await closeAll(bl, bb, bc);
    }
  });
}
