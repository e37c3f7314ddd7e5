// Radios and emitting items, measured on a listener's output: a radio playing
// a local live tone stream through the daemon's /media proxy is heard in
// range at its frequency, from its side; mediaChannel left puts it in the
// left ear; out of range, switched off, or with key 3 off it is silent and
// the request upstream has ended. A widget's emit sound loops at its place
// after its initial delay, and is silent when disabled or with key 2 off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  launchBrowser, newPage, register, uniqueName, walkTo, waitForAnnouncement, mark,
  key, keyAndHear, closeAll, budget, addItem,
} from './lib/harness.mjs';
import { startStreamServer, RATE } from './lib/tone-stream.mjs';

const RADIO_HZ = 660;
const EMIT_HZ = 880;

/** A finished WAV: seconds of a sine at freq, mono 16 bit. */
function wavFile(freq, seconds) {
  const n = Math.round(seconds * RATE);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(RATE, 24);
  b.writeUInt32LE(RATE * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(16383 * Math.sin((2 * Math.PI * freq * i) / RATE)), 44 + i * 2);
  return b;
}

/** Set params through the protocol and wait until the listener's page has them. */
async function setParams(a, b, id, params) {
  await a.evaluate(([i, p]) => window.__chatgrid.send({ type: 'item_update', itemId: i, params: p }), [id, params]);
  await b.waitForFunction(([i, p]) => {
    const it = window.__chatgrid.state.items.get(i);
    return it && Object.entries(p).every(([k, v]) => it.params[k] === v);
  }, [id, params], { timeout: budget(10000) }).catch((e) => {
    throw new Error(`${e.message}; a got ${JSON.stringify(a.received.filter((m) => m.type === 'item_action_result').slice(-2))}`);
  });
}

/** Delete an item from its square (the test's stream server goes away with the test). */
async function removeItem(page, id) {
  await page.evaluate((i) => window.__chatgrid.send({ type: 'item_delete', itemId: i }), id);
  await page.waitForFunction((i) => !window.__chatgrid.state.items.has(i), id, { timeout: budget(10000) });
}

const measure = (page, ms = 1200, freqs = [RADIO_HZ, EMIT_HZ]) => page.evaluate(([m, f]) => window.__chatgrid.measure({ ms: m, freqs: f }), [ms, freqs]);

/** Wait until the listener hears freq (peak within 20 Hz, well above the floor). */
async function waitHeard(page, freq, what) {
  const end = Date.now() + budget(15000);
  let m;
  while (Date.now() < end) {
    m = await measure(page, 800, [freq]);
    if (Math.max(m.rmsLeft, m.rmsRight) > 0.003 && m.peakHz.some((h) => Math.abs(h - freq) < 20)) return m;
  }
  throw new Error(`${what}: never heard ${freq} Hz: ${JSON.stringify(m)}`);
}

/** Wait until the listener's output is near silent. */
async function waitSilent(page, what) {
  const end = Date.now() + budget(15000);
  let m;
  while (Date.now() < end) {
    m = await measure(page, 600);
    if (Math.max(m.rmsLeft, m.rmsRight) < 0.001) return m;
  }
  throw new Error(`${what}: still sounding: ${JSON.stringify(m)}`);
}

/** Wait until every proxy request (not the poller's) for a path has ended. */
async function waitUpstreamClosed(server, path, what) {
  const end = Date.now() + budget(10000);
  while (Date.now() < end) {
    const open = server.requests.filter((r) => !r.icy && r.path.startsWith(path) && !r.closedAt);
    if (!open.length) return;
    await sleep(50);
  }
  throw new Error(`${what}: the request upstream is still open`);
}

test('a radio plays its stream through /media, spatially, within its range, and stops upstream when off', { timeout: 240000 }, async () => {
  const server = await startStreamServer();
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    await register(a, uniqueName('ra'));
    await register(b, uniqueName('rb'));
    assert.equal(await keyAndHear(b, '1'), 'Voice layer off.');
    assert.equal(await keyAndHear(a, 'm'), 'Muted.');
    // Only b listens: every request the proxy makes upstream is b's.
    assert.equal(await keyAndHear(a, '3'), 'Media layer off.');
    await walkTo(a, 20, 10);
    await walkTo(b, 14, 10);
    const id = await addItem(a, 'radio_station');
    // The stream URL typed in the property editor.
    const url = server.url(`/radio?hz=${RADIO_HZ}`);
    assert.equal(await keyAndHear(a, 'o'), 'Edit radio (radio). Title: radio');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Stream URL: none');
    await key(a, 'Enter');
    await a.fill('#entryInput', url);
    await a.keyboard.press('Enter');
    await b.waitForFunction(([i, u]) => window.__chatgrid.state.items.get(i).params.streamUrl === u, [id, url], { timeout: budget(10000) });
    await keyAndHear(a, 'Escape');

    // In range (6 squares west of it, range 10): heard, from the right.
    const heard = await waitHeard(b, RADIO_HZ, 'in range');
    assert.ok(heard.rmsRight > heard.rmsLeft * 1.5, `louder on the radio's side: ${JSON.stringify(heard)}`);
    const s = await b.evaluate(() => window.__chatgrid.itemAudio());
    assert.equal(s.streams.length, 1);
    assert.ok(s.streams[0].url.startsWith(`${new URL(await b.evaluate(() => location.href)).origin}/media?url=`), `through the proxy: ${s.streams[0].url}`);
    assert.ok(server.requests.some((r) => !r.icy && r.path.startsWith('/radio')), 'the proxy fetched the stream');

    // Straight north of it: mediaChannel left is heard in the left ear only.
    await walkTo(b, 20, 14);
    await setParams(a, b, id, { mediaChannel: 'left' });
    const left = await waitHeard(b, RADIO_HZ, 'left channel');
    await sleep(300);
    const l2 = await measure(b);
    assert.ok(l2.rmsLeft > l2.rmsRight * 10, `left ear only: ${JSON.stringify(left)} ${JSON.stringify(l2)}`);
    await setParams(a, b, id, { mediaChannel: 'stereo' });
    // An effect: a low pass at full strength (cut off near 50 Hz) takes the tone away,
    // without a new request upstream; off again, it is back.
    const plain = await waitHeard(b, RADIO_HZ, 'stereo again');
    const requests = server.requests.filter((r) => !r.icy).length;
    await setParams(a, b, id, { mediaEffect: 'low_pass', mediaEffectValue: 100 });
    await sleep(400);
    const filtered = await measure(b);
    assert.ok(plain.left[RADIO_HZ] - filtered.left[RADIO_HZ] > 20, `the low pass cuts ${RADIO_HZ} Hz: ${plain.left[RADIO_HZ]} → ${filtered.left[RADIO_HZ]} dB`);
    await setParams(a, b, id, { mediaEffect: 'off' });
    await waitHeard(b, RADIO_HZ, 'effect off');
    assert.equal(server.requests.filter((r) => !r.icy).length, requests, 'the stream played on');

    // Out of range (beyond range + 8): silent, and the stream's request ended.
    await walkTo(b, 20, 29);
    await waitSilent(b, 'out of range');
    await waitUpstreamClosed(server, '/radio', 'out of range');
    assert.deepEqual((await b.evaluate(() => window.__chatgrid.itemAudio())).streams, []);

    // Back in range, then switched off by a's use: silent, upstream ended.
    await walkTo(b, 20, 14);
    await waitHeard(b, RADIO_HZ, 'back in range');
    const from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /^You turn off radio\.$/, { from, region: 'chatLive' });
    await waitSilent(b, 'switched off');
    await waitUpstreamClosed(server, '/radio', 'switched off');

    // On again; key 3 on b silences it and ends its request.
    await sleep(1100);
    await key(a, 'Enter');
    await waitHeard(b, RADIO_HZ, 'switched on');
    assert.equal(await keyAndHear(b, '3'), 'Media layer off.');
    await waitSilent(b, 'media layer off');
    await waitUpstreamClosed(server, '/radio', 'media layer off');
    assert.equal(await keyAndHear(b, '3'), 'Media layer on.');
    await waitHeard(b, RADIO_HZ, 'media layer on');
    // The radio faces north (facing 0, its type is directional): six squares
    // behind it, south, it does not reach; turned to face south, it does.
    await walkTo(b, 20, 4);
    await waitSilent(b, 'behind the radio');
    await setParams(a, b, id, { facing: 180 });
    await waitHeard(b, RADIO_HZ, 'in front of the radio');
    assert.ok(!b.consoleLines.some((l) => l.startsWith('pageerror')), b.consoleLines.join('\n'));
    await removeItem(a, id);
  } finally {
    await closeAll(browser);
    await server.close();
  }
});

test('an emitting item loops its sound after its initial delay; disabled or with key 2 off it is silent', { timeout: 240000 }, async () => {
  const loop = wavFile(EMIT_HZ, 1);
  const server = await startStreamServer({
    '/loop.wav': (req, res) => {
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': loop.length, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : loop);
    },
  });
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    await register(a, uniqueName('ea'));
    await register(b, uniqueName('eb'));
    assert.equal(await keyAndHear(b, '1'), 'Voice layer off.');
    assert.equal(await keyAndHear(a, 'm'), 'Muted.');
    await walkTo(a, 5, 30);
    await walkTo(b, 9, 30);
    const id = await addItem(a, 'widget');
    // The initial delay counts from when the loop is first heard of.
    await setParams(a, b, id, { emitInitialDelay: 3, emitSound: server.url('/loop.wav') });
    const set = Date.now();
    const early = await measure(b, 800, [EMIT_HZ]);
    if (Date.now() - set < 2500) {
      assert.ok(Math.max(early.rmsLeft, early.rmsRight) < 0.001, `silent during the initial delay: ${JSON.stringify(early)}`);
    }
    const heard = await waitHeard(b, EMIT_HZ, 'after the delay');
    assert.ok(Date.now() - set >= 2500, 'not before its initial delay');
    assert.ok(heard.rmsLeft > heard.rmsRight * 1.5, `from its side (west): ${JSON.stringify(heard)}`);
    // A one-second loop keeps sounding.
    await sleep(1500);
    await waitHeard(b, EMIT_HZ, 'looping');

    // Disabled: silent.
    await setParams(a, b, id, { enabled: false });
    await waitSilent(b, 'disabled');
    await setParams(a, b, id, { enabled: true, emitInitialDelay: 0 });
    await waitHeard(b, EMIT_HZ, 'enabled again');
    // Speed 100 plays it twice as fast, an octave up; tempo 100 twice as fast at its own pitch.
    await setParams(a, b, id, { emitSoundSpeed: 100 });
    await waitHeard(b, EMIT_HZ * 2, 'double speed');
    await setParams(a, b, id, { emitSoundSpeed: 50, emitSoundTempo: 100 });
    await b.waitForFunction(() => {
      const e = window.__chatgrid.itemAudio().emitters[0];
      return e && e.rate === 2 && e.preservesPitch === true;
    }, null, { timeout: budget(5000) });
    await waitHeard(b, EMIT_HZ, 'double tempo');
    await setParams(a, b, id, { emitSoundTempo: 50 });
    // Key 2: the item layer.
    assert.equal(await keyAndHear(b, '2'), 'Item layer off.');
    await waitSilent(b, 'item layer off');
    assert.deepEqual((await b.evaluate(() => window.__chatgrid.itemAudio())).emitters, []);
    assert.equal(await keyAndHear(b, '2'), 'Item layer on.');
    await waitHeard(b, EMIT_HZ, 'item layer on');
    assert.ok(!b.consoleLines.some((l) => l.startsWith('pageerror')), b.consoleLines.join('\n'));
    await removeItem(a, id);
  } finally {
    await closeAll(browser);
    await server.close();
  }
});

test('a radio whose stream fails says so once, retries with a growing wait, and plays when the stream is back', { timeout: 180000 }, async () => {
  const tone = wavFile(RADIO_HZ, 20);
  const flaky = { fail: true };
  const server = await startStreamServer({
    '/flaky': (req, res) => {
      if (flaky.fail) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('gone');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': tone.length, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : tone);
    },
  });
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    await register(a, uniqueName('fa'));
    await register(b, uniqueName('fb'));
    assert.equal(await keyAndHear(b, '1'), 'Voice layer off.');
    assert.equal(await keyAndHear(a, 'm'), 'Muted.');
    assert.equal(await keyAndHear(a, '3'), 'Media layer off.');
    await walkTo(a, 33, 5);
    await walkTo(b, 34, 5);
    const id = await addItem(a, 'radio_station');
    const from = await mark(b);
    await setParams(a, b, id, { streamUrl: server.url('/flaky') });
    await waitForAnnouncement(b, /^radio: the stream is unavailable; trying again\.$/, { from, region: 'status' });
    // The first retry comes after about five seconds; it fails too, silently.
    const tries = () => server.requests.filter((r) => !r.icy && r.path === '/flaky').length;
    const first = tries();
    const end = Date.now() + budget(20000);
    while (tries() === first && Date.now() < end) await sleep(100);
    assert.ok(tries() > first, 'tried again');
    await sleep(500);
    const said = (await b.evaluate(() => window.__announcements.slice())).slice(from).filter((x) => /stream/.test(x.text));
    assert.equal(said.length, 1, `said once: ${JSON.stringify(said)}`);
    const s = (await b.evaluate(() => window.__chatgrid.itemAudio())).streams[0];
    assert.ok(s.failures >= 2, `the failures are counted: ${JSON.stringify(s)}`);
    // Back: the next try plays it, and that is said.
    flaky.fail = false;
    await waitForAnnouncement(b, /^radio: stream playing again\.$/, { from, region: 'status', timeout: 30000 });
    await waitHeard(b, RADIO_HZ, 'the stream is back');
    await removeItem(a, id);
  } finally {
    await closeAll(browser);
    await server.close();
  }
});

/** In the page: when the output sounds, as [ms since the epoch, rms] every 25 ms for ms. */
function levels(page, ms) {
  return page.evaluate(async (m) => {
    const e = window.__chatgrid.engine;
    const a = e.ctx.createAnalyser();
    a.fftSize = 1024;
    e.master.connect(a);
    const buf = new Float32Array(a.fftSize);
    const out = [];
    const end = Date.now() + m;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 25));
      a.getFloatTimeDomainData(buf);
      let s = 0;
      for (const v of buf) s += v * v;
      out.push([Date.now(), Math.sqrt(s / buf.length)]);
    }
    e.master.disconnect(a);
    return out;
  }, ms);
}

/** The times a sound starts (silence, then sound). */
function onsets(samples) {
  const t = [];
  for (let i = 1; i < samples.length; i++) if (samples[i][1] > 0.002 && samples[i - 1][1] <= 0.002) t.push(samples[i][0]);
  return t;
}

test('an emitting item\'s loop stays in step while the listener is out of range', { timeout: 180000 }, async () => {
  const loop = wavFile(EMIT_HZ, 1);
  const server = await startStreamServer({
    '/beep.wav': (req, res) => {
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': loop.length, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : loop);
    },
  });
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    await register(a, uniqueName('la'));
    await register(b, uniqueName('lb'));
    assert.equal(await keyAndHear(b, '1'), 'Voice layer off.');
    assert.equal(await keyAndHear(a, 'm'), 'Muted.');
    assert.equal(await keyAndHear(a, '2'), 'Item layer off.');
    await walkTo(a, 36, 36);
    await walkTo(b, 37, 36);
    const id = await addItem(a, 'widget');
    // One second of sound every three seconds, heard within two squares.
    await setParams(a, b, id, { emitRange: 2, emitLoopDelay: 2, emitSound: server.url('/beep.wav') });
    await waitHeard(b, EMIT_HZ, 'in range');
    const first = onsets(await levels(b, 7000));
    assert.ok(first.length >= 2, `it repeats: ${first}`);
    const period = 3000;
    const phase = (t) => ((t - first[0]) % period + period) % period;
    for (const t of first) assert.ok(Math.min(phase(t), period - phase(t)) < 300, `every three seconds: ${first}`);
    // Out of range (released beyond 2 + 8 squares), a while, and back.
    await walkTo(b, 37, 25);
    await b.waitForFunction(() => window.__chatgrid.itemAudio().emitters.length === 0, null, { timeout: budget(5000) });
    await sleep(1700);
    await walkTo(b, 37, 36);
    const again = onsets(await levels(b, 7000));
    assert.ok(again.length >= 2, `it repeats after the return: ${again}`);
    for (const t of again) assert.ok(Math.min(phase(t), period - phase(t)) < 300, `in step with before: ${first} then ${again}`);
    await removeItem(a, id);
  } finally {
    await closeAll(browser);
    await server.close();
  }
});
