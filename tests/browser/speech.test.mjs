// One voice per message: every announced text appears in exactly one live
// region (#connectionStatus, #status or the chat log region #chatLive); a
// repeat is spoken again; arrivals and departures come in batches, so a burst
// of twelve departures is at most two announcements and a chat line sent in
// the middle of it is announced once and stays in the visible chat log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, uniqueName, announcements, waitForAnnouncement, mark, key, keyAndHear, press,
  clientState, closeAll, budget,
} from './lib/harness.mjs';

/** Texts announced in more than one region: [[text, [regions]]]. */
function inSeveralRegions(said) {
  const regions = new Map();
  for (const a of said) {
    if (!regions.has(a.text)) regions.set(a.text, new Set());
    regions.get(a.text).add(a.region);
  }
  return [...regions].filter(([, r]) => r.size > 1).map(([t, r]) => [t, [...r]]);
}

test('each announced text is in exactly one live region; a repeat is spoken again', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    const an = uniqueName('sa');
    const bn = uniqueName('sb');
    await register(a, an);
    await register(b, bn);
    await a.waitForFunction((n) => [...window.__chatgrid.state.peers.values()].some((p) => p.nickname === n), bn);

    // Key answers, chat both ways, a refused value, a nickname, a ping.
    await keyAndHear(a, 'c');
    await keyAndHear(a, 'u');
    await keyAndHear(a, 'l');
    await key(a, 'Slash');
    await a.keyboard.type('hello from a');
    await press(a, 'Enter');
    await waitForAnnouncement(b, new RegExp(`^${an}: hello from a$`));
    await key(b, 'Slash');
    await b.keyboard.type('hello from b');
    await press(b, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^${bn}: hello from b$`));
    await key(a, 'v');
    await a.keyboard.type('9');
    await press(a, 'Enter');
    await waitForAnnouncement(a, /^Volume must be between/);
    await press(a, 'Escape');
    await key(a, 'n');
    await a.keyboard.type(`${an}q`.slice(0, 32));
    await press(a, 'Enter');
    await waitForAnnouncement(a, /^You are now known as /);
    await keyAndHear(a, 'p', /^Ping/);

    // A repeat within a moment is spoken again (no duplicate suppression).
    const { x, y } = await clientState(a);
    const from = await mark(a);
    await key(a, 'c');
    await new Promise((r) => setTimeout(r, 100));
    await key(a, 'c');
    await a.waitForFunction(([start, text]) => window.__announcements.slice(start)
      .reduce((n, e) => n + e.text.split(text).length - 1, 0) >= 2, [from, `${x}, ${y}`], { timeout: budget(5000) });

    // The other user leaves; then this one disconnects.
    await key(b, 'Escape');
    await key(b, 'Escape');
    await waitForAnnouncement(a, new RegExp(`^${bn} has logged out\\.$`));
    await key(a, 'Escape');
    await key(a, 'Escape');
    await waitForAnnouncement(a, /^Disconnected\.$/);

    const said = await announcements(a);
    assert.deepEqual(inSeveralRegions(said), [], JSON.stringify(said, null, 1));
    const region = (re) => [...new Set(said.filter((e) => re.test(e.text)).map((e) => e.region))];
    assert.deepEqual(region(/^Connected to server\./), ['connectionStatus']);
    assert.deepEqual(region(/: hello from [ab]$/), ['chatLive']);
    assert.deepEqual(region(/^Volume must be between/), ['status']);
    assert.deepEqual(region(/has logged (in|out)\.$/), ['status']);
    assert.equal(said.filter((e) => /^Connected to server\./.test(e.text)).length, 1, 'connected said once');

    // The chat log stays readable after disconnecting.
    assert.equal(await a.isVisible('#chatLog'), true);
    const log = await a.$$eval('#chatLog li', (lis) => lis.map((li) => li.textContent));
    for (const line of [`${an}: hello from a`, `${bn}: hello from b`, `${bn} has logged out.`, 'Disconnected.']) {
      assert.ok(log.includes(line), `${line} in ${JSON.stringify(log)}`);
    }
  } finally {
    await closeAll(browser);
  }
});

/** In a page of the server's origin: n raw WebSocket users, registered and in the world. */
async function rawUsers(page, prefix, n) {
  await page.evaluate(async ([pre, count]) => {
    window.__raw = [];
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    await Promise.all(Array.from({ length: count }, (_, i) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      window.__raw.push(ws);
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        if (m.type === 'auth_required') ws.send(JSON.stringify({ type: 'auth_register', username: `${pre}${i}`, password: 'password-123' }));
        else if (m.type === 'auth_result' && !m.ok) reject(new Error(`${pre}${i}: ${m.message}`));
        else if (m.type === 'welcome') resolve(undefined);
      };
      ws.onerror = () => reject(new Error(`${pre}${i}: socket error`));
    })));
  }, [prefix, n]);
}

/** How many users the presence announcements count ("12 users logged out." or "x has logged out."). */
function counted(texts, verb) {
  let n = 0;
  for (const t of texts) {
    for (const m of t.matchAll(new RegExp(`(\\d+) users ${verb}\\.|\\S+ has ${verb}\\.`, 'g'))) n += m[1] ? Number(m[1]) : 1;
  }
  return n;
}

test('twelve departures are at most two announcements; a chat line sent among them is announced once and stays in the chat log', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    await register(a, uniqueName('pw'));
    const helper = await newPage(browser);
    const prefix = uniqueName('pr').slice(0, 28);

    const fromIn = await mark(a);
    await rawUsers(helper, prefix, 12);
    await a.waitForFunction(() => window.__chatgrid.state.peers.size === 12, null, { timeout: budget(20000) });
    await a.waitForFunction(([start]) => window.__announcements.slice(start).some((e) => /logged in\./.test(e.text)), [fromIn]);
    await new Promise((r) => setTimeout(r, 3500)); // the longest a batch waits
    const arrivals = (await announcements(a)).slice(fromIn).filter((e) => /logged in\./.test(e.text)).map((e) => e.text);
    assert.ok(arrivals.length <= 2, `arrivals in at most two announcements: ${JSON.stringify(arrivals)}`);
    assert.equal(counted(arrivals, 'logged in'), 12, JSON.stringify(arrivals));

    const from = await mark(a);
    const line = 'IMPORTANT: fire drill now';
    await helper.evaluate((text) => {
      const raw = window.__raw;
      for (const ws of raw.slice(0, 6)) ws.close();
      raw[11].send(JSON.stringify({ type: 'chat_message', message: text }));
      for (const ws of raw.slice(6)) ws.close();
    }, line);
    await a.waitForFunction(() => window.__chatgrid.state.peers.size === 0, null, { timeout: budget(20000) });
    await new Promise((r) => setTimeout(r, 3500));
    const said = (await announcements(a)).slice(from);
    const departures = said.filter((e) => /logged out\./.test(e.text));
    assert.ok(departures.length <= 2, `departures in at most two announcements: ${JSON.stringify(departures)}`);
    assert.equal(counted(departures.map((e) => e.text), 'logged out'), 12, JSON.stringify(departures));
    assert.ok(departures.every((e) => e.region === 'status'));

    const chat = said.filter((e) => e.text.endsWith(line));
    assert.equal(chat.length, 1, `the chat line announced once: ${JSON.stringify(said)}`);
    assert.equal(chat[0].region, 'chatLive');
    assert.ok(!said.some((e) => e.region !== 'chatLive' && e.text.includes('IMPORTANT')), 'no other region carries it');
    const log = await a.$$eval('#chatLog li', (lis) => lis.map((li) => li.textContent));
    assert.ok(log.some((t) => t === `${prefix}11: ${line}`), `in the chat log: ${JSON.stringify(log.slice(-16))}`);
    assert.equal(log.filter((t) => / has logged out\.$/.test(t)).length, 12, 'every departure is in the log');
    assert.equal(await a.isVisible('#chatLog'), true);
  } finally {
    await closeAll(browser);
  }
});
