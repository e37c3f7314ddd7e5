// The media proxy (protocol.md section 6): a cross-origin audio stream played
// through GET /media?url=... reaches Web Audio readable (not CORS-tainted) and
// audible, one upstream request per play that ends when the element stops; the
// same stream played directly reaches Web Audio as silence; the proxy refuses
// non-http URLs and requests without a valid session.
//
// The stream server is this process, on the namespace's own address 10.99.0.1
// (a private address: run.sh's config has media_allow_private yes). It serves
// a live WAV: a header with the largest data length, then a 660 Hz sine made on
// the fly, paced at real time a second ahead, respecting backpressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser, newPage, register, uniqueName, closeAll, URL_BASE, budget } from './lib/harness.mjs';

const HOST = '10.99.0.1';
const RATE = 48000;
const TONE = 660;
const OTHER = 440;
const LEAD_S = 1;			// how far ahead of real time the source runs
const MAX_S = 60;			// no stream lasts longer than this
const TICK_MS = 50;

/** A 16-bit mono PCM WAV header whose lengths say "as long as it gets". */
function wavHeader() {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(0xffffffff, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);		// PCM
  h.writeUInt16LE(1, 22);		// mono
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 2, 28);	// bytes per second
  h.writeUInt16LE(2, 32);		// block align
  h.writeUInt16LE(16, 34);		// bits per sample
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(0xffffffff, 40);
  return h;
}

/** Samples [from, from + n) of the sine at freq, half of full scale. */
function sine(freq, from, n) {
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    b.writeInt16LE(Math.round(16383 * Math.sin((2 * Math.PI * freq * (from + i)) / RATE)), i * 2);
  }
  return b;
}

/**
 * The stream server. Every request is a live stream (200, close-delimited, no
 * ranges: a Range header is recorded and, as RFC 9110 allows, ignored).
 * requests: one record per request, { path, range, bytes, closedAt, aborted }.
 */
async function startStreamServer() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const rec = { path: req.url, method: req.method, range: req.headers.range ?? null, at: Date.now(), bytes: 0, closedAt: 0, aborted: false };
    requests.push(rec);
    const freq = Number(new URL(req.url, 'http://x').searchParams.get('hz')) || TONE;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'audio/wav');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Accept-Ranges', 'none');
    // Neither Content-Length nor chunked: the body runs until the connection closes, like Icecast's.
    res.removeHeader('Content-Length');
    res.removeHeader('Transfer-Encoding');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const started = Date.now();
    let sent = 0;			// samples written
    let waiting = false;		// for 'drain'
    let timer = null;
    const stop = () => {
      if (timer) clearInterval(timer);
      timer = null;
    };
    const pump = () => {
      if (waiting || res.destroyed || res.writableEnded) return;
      const elapsed = (Date.now() - started) / 1000;
      if (elapsed >= MAX_S) {
        stop();
        res.end();
        return;
      }
      const target = Math.floor((elapsed + LEAD_S) * RATE);
      while (sent < target) {
        const n = Math.min(RATE / 10, target - sent);
        const chunk = sine(freq, sent, n);
        sent += n;
        rec.bytes += chunk.length;
        if (!res.write(chunk)) {
          waiting = true;
          res.once('drain', () => {
            waiting = false;
            pump();
          });
          return;
        }
      }
    };
    res.on('close', () => {
      stop();
      rec.closedAt = Date.now();
      rec.aborted = !res.writableFinished;
    });
    rec.bytes += 44;
    res.write(wavHeader());
    pump();
    timer = setInterval(pump, TICK_MS);
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address();
  return {
    requests,
    url: (path) => `http://${HOST}:${port}${path}`,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The /media URL for a source, relative to the chatgrid origin. */
const proxied = (src) => `/media?url=${encodeURIComponent(src)}`;

/**
 * In the page: an <audio> playing src through createMediaElementSource into an
 * AnalyserNode (and on to the speakers). Resolves once play() has settled.
 */
async function startPlaying(page, src) {
  return page.evaluate(async (s) => {
    const audio = new Audio();
    audio.preload = 'auto';
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    ctx.createMediaElementSource(audio).connect(analyser);
    analyser.connect(ctx.destination);
    const t = { audio, ctx, analyser, errors: [] };
    audio.addEventListener('error', () => t.errors.push(audio.error ? `${audio.error.code} ${audio.error.message}` : 'error'));
    window.__mediaTest = t;
    audio.src = s;
    await ctx.resume();
    try {
      await audio.play();
      return { played: true, state: ctx.state };
    } catch (err) {
      return { played: false, error: String(err), errors: t.errors, state: ctx.state };
    }
  }, src);
}

/**
 * In the page: power near two frequencies (dB, summed over +-2 bins, averaged
 * over ms), the strongest frequency and the waveform's RMS.
 */
async function listen(page, ms = 600) {
  return page.evaluate(async ([m, freqs]) => {
    const { audio, ctx, analyser, errors } = window.__mediaTest;
    const bins = analyser.frequencyBinCount;
    const spec = new Float32Array(bins);
    const time = new Float32Array(analyser.fftSize);
    const sum = new Float64Array(bins);
    let frames = 0;
    let rms = 0;
    const end = Date.now() + m;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      analyser.getFloatFrequencyData(spec);
      for (let b = 0; b < bins; b++) sum[b] += Math.pow(10, spec[b] / 10);
      analyser.getFloatTimeDomainData(time);
      let s = 0;
      for (const v of time) s += v * v;
      rms += Math.sqrt(s / time.length);
      frames++;
    }
    const hzPerBin = ctx.sampleRate / analyser.fftSize;
    const db = {};
    for (const f of freqs) {
      const c = Math.round(f / hzPerBin);
      let p = 0;
      for (let b = c - 2; b <= c + 2; b++) p += sum[b] / frames;
      db[f] = Math.round(10 * Math.log10(p + 1e-20) * 10) / 10;
    }
    let best = 1;
    for (let b = 2; b < bins; b++) if (sum[b] > sum[best]) best = b;
    return {
      db, peakHz: Math.round(best * hzPerBin), rms: Math.round((rms / frames) * 1000) / 1000,
      currentTime: audio.currentTime, readyState: audio.readyState, paused: audio.paused,
      ctxState: ctx.state, sampleRate: ctx.sampleRate, errors,
    };
  }, [ms, [TONE, OTHER]]);
}

const gets0 = (source) => JSON.stringify(source.requests[0]?.range ?? null);
const audible = (m) => m.db[TONE] > -60 && m.db[TONE] - m.db[OTHER] > 30 && m.rms > 0.05;

/** In the page: stop the element and drop its source, as a client leaving a stream would. */
async function stopPlaying(page) {
  await page.evaluate(async () => {
    const { audio, ctx } = window.__mediaTest;
    audio.pause();
    audio.removeAttribute('src');
    audio.load();
    await ctx.close();
  });
}

async function waitFor(what, fn, timeout) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (fn()) return;
    await sleep(50);
  }
  assert.fail(`timed out after ${timeout} ms waiting for ${what}`);
}

test('a cross-origin WAV stream played through /media reaches Web Audio readable and audible; stopping it ends the upstream request', { timeout: 90000 }, async (t) => {
  const source = await startStreamServer();
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    await register(page, uniqueName('med'));
    const cookies = await page.context().cookies(URL_BASE);
    assert.ok(cookies.some((c) => c.name === 'chgrid_session_token' && c.value), 'registered: the page holds the session cookie');

    const src = source.url('/live.wav?hz=660');
    const started = await startPlaying(page, proxied(src));
    assert.ok(started.played, `play() through /media: ${JSON.stringify(started)}`);

    const end = Date.now() + budget(15000);
    let m;
    do {
      m = await listen(page);
    } while (!audible(m) && Date.now() < end);
    assert.ok(audible(m), `the ${TONE} Hz tone is audible through the proxy (readable, not tainted): ${JSON.stringify(m)}; upstream: ${JSON.stringify(source.requests)}`);
    t.diagnostic(`through /media: ${TONE} Hz ${m.db[TONE]} dB, ${OTHER} Hz ${m.db[OTHER]} dB, rms ${m.rms}, peak ${m.peakHz} Hz, Range ${gets0(source)}`);
    assert.ok(Math.abs(m.peakHz - TONE) < 15, `the strongest frequency is ${TONE} Hz: ${JSON.stringify(m)}`);
    assert.ok(m.currentTime > 0 && !m.paused, `the element is playing: ${JSON.stringify(m)}`);

    const gets = source.requests.filter((r) => r.path === '/live.wav?hz=660');
    assert.equal(gets.length, 1, `one upstream GET for one play: ${JSON.stringify(source.requests)}`);
    assert.equal(gets[0].method, 'GET');
    assert.equal(gets[0].closedAt, 0, 'the upstream request is still open while the element plays');

    // Stopping the element must end the upstream request: nobody streams to nobody.
    const stoppedAt = Date.now();
    await stopPlaying(page);
    await waitFor('the upstream request to close after the element stopped', () => gets[0].closedAt !== 0, 5000);
    assert.ok(gets[0].aborted, 'the proxy hung up on the source (the source did not end the stream)');
    const after = gets[0].closedAt - stoppedAt;
    assert.ok(after < 5000, `closed ${after} ms after the element stopped`);
    t.diagnostic(`upstream closed ${after} ms after the element stopped, ${gets[0].bytes} bytes sent`);
    assert.equal(source.requests.length, 1, `no further upstream requests: ${JSON.stringify(source.requests)}`);

    // The daemon logged the relay and its end.
    const log = () => readFileSync(process.env.CG_DAEMON_LOG, 'utf8');
    const u = new URL(src);
    await waitFor('the daemon to log the stream', () => log().includes(`relaying ${src} (200 audio/wav)`) &&
      log().includes(`http ${u.host}${u.pathname}${u.search} ended after `), 5000);
  } finally {
    await closeAll(browser);
    await source.close();
  }
});

test('control: the same stream played directly (cross-origin, no CORS) reaches Web Audio as silence', { timeout: 60000 }, async (t) => {
  const source = await startStreamServer();
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    const started = await startPlaying(page, source.url('/direct.wav?hz=660'));
    assert.ok(started.played, `play() of the direct stream: ${JSON.stringify(started)}`);
    // Wait until the element has really played a while, then listen.
    await page.waitForFunction(() => window.__mediaTest.audio.currentTime > 1.5, null, { timeout: budget(15000), polling: 100 });
    const m = await listen(page, 1000);
    assert.ok(m.currentTime > 1.5 && !m.paused, `the direct stream plays: ${JSON.stringify(m)}`);
    t.diagnostic(`direct: played ${m.currentTime.toFixed(1)} s, ${TONE} Hz ${m.db[TONE]} dB, rms ${m.rms}`);
    assert.ok(!audible(m) && m.rms === 0, `a tainted source gives Web Audio silence: ${JSON.stringify(m)}`);
    assert.ok(source.requests.length >= 1, 'the browser fetched the stream itself');
    await stopPlaying(page);
  } finally {
    await closeAll(browser);
    await source.close();
  }
});

test('the media proxy refuses a non-http URL (400) and requests without a valid session (401)', { timeout: 60000 }, async () => {
  const source = await startStreamServer();
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    await register(page, uniqueName('mer'));
    const ask = (u) => page.evaluate(async (x) => {
      const r = await fetch(x, { signal: AbortSignal.timeout(10000) });
      return { status: r.status, body: (await r.text()).slice(0, 200) };
    }, u);
    const ftp = await ask(proxied(`ftp://${HOST}/x`));
    assert.equal(ftp.status, 400, `ftp: ${JSON.stringify(ftp)}`);
    assert.match(ftp.body, /only http and https/);
    const creds = await ask(proxied(source.url('/x.wav').replace('http://', 'http://u:p@')));
    assert.equal(creds.status, 400, `credentials in the URL: ${JSON.stringify(creds)}`);
    const none = await ask('/media');
    assert.equal(none.status, 400, `no url: ${JSON.stringify(none)}`);

    // A context that never logged in: no cookie at all, then a made-up one.
    const stranger = await browser.newContext();
    try {
      const valid = URL_BASE.replace(/\/$/, '') + proxied(source.url('/live.wav?hz=660'));
      const anon = await stranger.request.get(valid, { timeout: 10000 });
      assert.equal(anon.status(), 401, `no cookie: ${anon.status()} ${await anon.text()}`);
      assert.match(await anon.text(), /missing session/);
      const forged = await stranger.request.get(valid, { timeout: 10000, headers: { Cookie: 'chgrid_session_token=not-a-session' } });
      assert.equal(forged.status(), 401, `made-up cookie: ${forged.status()} ${await forged.text()}`);
      assert.match(await forged.text(), /invalid session/);
    } finally {
      await stranger.close();
    }
    assert.deepEqual(source.requests, [], 'nothing refused reached the stream server');
  } finally {
    await closeAll(browser);
    await source.close();
  }
});
