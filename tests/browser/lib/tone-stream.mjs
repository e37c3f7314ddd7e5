// A live tone stream served by the test itself, and the page-side helpers that
// play a URL through an <audio> element into Web Audio and measure what comes
// out (for the media proxy tests).
//
// The stream server listens on the namespace's own address 10.99.0.1 (a
// private address: run.sh's config has media_allow_private yes). A GET of any
// path is a live WAV: a header with the largest data length, then a sine
// (?hz=, default 660) made on the fly, paced at real time a second ahead,
// respecting backpressure. Routes given to startStreamServer answer their
// paths instead.
import http from 'node:http';
import { once } from 'node:events';

export const HOST = '10.99.0.1';
export const RATE = 48000;
export const TONE = 660;
export const OTHER = 440;
const LEAD_S = 1;
const MAX_S = 60;
const TICK_MS = 50;

function wavHeader() {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(0xffffffff, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(0xffffffff, 40);
  return h;
}

function sine(freq, from, n) {
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    b.writeInt16LE(Math.round(16383 * Math.sin((2 * Math.PI * freq * (from + i)) / RATE)), i * 2);
  }
  return b;
}

/**
 * Start the server. requests: one record per request, { path, method, at,
 * bytes, closedAt, aborted }.
 * @param {Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>} [routes]
 */
export async function startStreamServer(routes = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    // icy: asked for ICY metadata (the radio plugin's poller does; the media proxy does not).
    const rec = { path: req.url, method: req.method, icy: req.headers['icy-metadata'] === '1', at: Date.now(), bytes: 0, closedAt: 0, aborted: false };
    requests.push(rec);
    const route = routes[new URL(req.url, 'http://x').pathname];
    if (route) {
      route(req, res);
      return;
    }
    const freq = Number(new URL(req.url, 'http://x').searchParams.get('hz')) || TONE;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'audio/wav');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Accept-Ranges', 'none');
    res.removeHeader('Content-Length');
    res.removeHeader('Transfer-Encoding');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const started = Date.now();
    let sent = 0;
    let waiting = false;
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
    url: (p) => `http://${HOST}:${port}${p}`,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/**
 * In the page: an <audio> playing src through createMediaElementSource into an
 * AnalyserNode (and on to the speakers). Resolves once play() has settled.
 */
export async function startPlaying(page, src) {
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
    window.__toneTest = t;
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

/** In the page: power near TONE and OTHER (dB), the strongest frequency and the RMS, over ms. */
export async function listen(page, ms = 600) {
  return page.evaluate(async ([m, freqs]) => {
    const { audio, ctx, analyser, errors } = window.__toneTest;
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
      currentTime: audio.currentTime, paused: audio.paused, ctxState: ctx.state, errors,
    };
  }, [ms, [TONE, OTHER]]);
}

/** The TONE is clearly there and OTHER is not: the element's audio reached Web Audio untainted. */
export const audible = (m) => m.db[TONE] > -60 && m.db[TONE] - m.db[OTHER] > 30 && m.rms > 0.05;

/** In the page: stop the element and drop its source. */
export async function stopPlaying(page) {
  await page.evaluate(async () => {
    const { audio, ctx } = window.__toneTest;
    audio.pause();
    audio.removeAttribute('src');
    audio.load();
    await ctx.close();
  });
}
