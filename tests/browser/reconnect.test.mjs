// Stale-connection recovery: a restarted server, and one that stops answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, uniqueName, walkTo, waitForPeer, waitForVoice, measure, mark,
  waitForAnnouncement, clientState, restartDaemon, pauseDaemon, resumeDaemon, closeAll, budget,
} from './lib/harness.mjs';

test('chatgridd restarts: both pages reconnect, announce the restart, keep their places, and voice comes back', { timeout: 120000 }, async () => {
  const ba = await launchBrowser({ tone: 440 });
  const bb = await launchBrowser({ tone: 550 });
  try {
    const a = await newPage(ba);
    const b = await newPage(bb);
    const an = uniqueName('ra');
    await register(b, uniqueName('rb'));
    await walkTo(b, 20, 30);
    await register(a, an);
    await walkTo(a, 14, 30);
    await waitForVoice(b);
    const before = await clientState(b);
    const instance = await b.evaluate(() => window.__chatgrid.state.serverInfo.instanceId);
    const fromA = await mark(a);
    const fromB = await mark(b);

    await restartDaemon();

    await waitForAnnouncement(b, /^Disconnected from server\. Reconnecting\.\.\.$/, { from: fromB });
    const said = await waitForAnnouncement(b, /Reconnected to server\. Version \S+\./, { from: fromB, timeout: 30000 });
    assert.ok(said);
    await waitForAnnouncement(b, /Server restarted\./, { from: fromB });
    await waitForAnnouncement(a, /Reconnected to server\. Version \S+\./, { from: fromA, timeout: 30000 });
    const after = await clientState(b);
    assert.equal(after.running, true);
    assert.deepEqual([after.x, after.y], [before.x, before.y], 'position kept across the restart');
    assert.notEqual(await b.evaluate(() => window.__chatgrid.state.serverInfo.instanceId), instance);
    await waitForPeer(b, an, [14, 30]);
    await waitForVoice(b);
    const end = Date.now() + budget(10000);
    let m;
    do {
      m = await measure(b, 700, [440]);
    } while (m.left[440] < -60 && Date.now() < end);
    assert.ok(m.left[440] > -60 && m.left[440] > m.right[440], `voice back, on the left: ${JSON.stringify(m.left)} ${JSON.stringify(m.right)}`);
  } finally {
    await closeAll(ba, bb);
  }
});

test('a server that stops answering: the missed heartbeat pong starts a reconnect', { timeout: 90000 }, async () => {
  const browser = await launchBrowser();
  let paused = false;
  try {
    const page = await newPage(browser);
    await register(page, uniqueName('hb'));
    const from = await mark(page);
    pauseDaemon();
    paused = true;
    // A ping goes out every 10 s; the one after an unanswered ping gives up.
    await waitForAnnouncement(page, /^Connection stale\. Reconnecting\.\.\.$/, { from, timeout: 25000 });
    resumeDaemon();
    paused = false;
    await waitForAnnouncement(page, /Reconnected to server\. Version \S+\./, { from, timeout: 30000 });
    const said = (await page.evaluate(() => window.__announcements.slice())).slice(from).map((x) => x.text);
    assert.ok(!said.some((t) => /Server restarted/.test(t)), 'same instance: no restart announced');
    assert.equal((await clientState(page)).running, true);
  } finally {
    if (paused) resumeDaemon();
    await closeAll(browser);
  }
});
