// The voice benchmark (not a timed test): N Chromium pages with fake
// microphones on one square, first on the mesh, then through a Janus SFU.
// The grid is made 5 cells wide for it, so everyone is in everyone's
// hearing range from the start without walking.
// For each page: the outbound audio bitrate, its peer connections and Opus
// encoders (from getStats), and the CPU of its browser's processes; plus
// chatgridd's and Janus's CPU. Run it with `make bench-voice` (inside the
// browser tests' network namespace, through tests/browser/run.sh); N from
// CG_VOICE_BENCH_N (default 6), the measuring window from
// CG_VOICE_BENCH_SECONDS (default 20). The figures go to stdout and, as JSON,
// to CG_VOICE_BENCH_OUT when set. docs/benchmarks.md records them.
import { test, after } from 'node:test';
import { readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser, newPage, register, uniqueName, closeAll, toneFile } from '../browser/lib/harness.mjs';
import { haveJanus, startJanus, stopJanus, sfuDaemon, meshDaemon } from '../browser/lib/janus.mjs';

const N = Number(process.env.CG_VOICE_BENCH_N || 6);
const SECONDS = Number(process.env.CG_VOICE_BENCH_SECONDS || 20);
const TICKS = 100; // USER_HZ on Linux
const results = {};

/** CPU ticks (user + system) of pid and all its descendants. */
function treeTicks(pid) {
  const parent = new Map();
  const ticks = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch { /* gone */ }
  }
  let sum = 0;
  for (const [p, t] of ticks) {
    let q = p;
    while (q > 1 && q !== pid) q = parent.get(q) || 0;
    if (q === pid) sum += t;
  }
  return sum;
}

/** The main process of the browser whose fake microphone plays file. */
function browserPid(file) {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (args.includes(`--use-file-for-fake-audio-capture=${file}`) && !args.some((a) => a.startsWith('--type='))) {
        return Number(d);
      }
    } catch { /* gone */ }
  }
  return 0;
}

function pidOf(file) {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return 0;
  }
}

function janusPid() {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'janus') return Number(d);
    } catch { /* gone */ }
  }
  return 0;
}

/** N people on one square; measure; close. */
async function scenario(mode) {
  const browsers = [];
  try {
    const tones = Array.from({ length: N }, (_, i) => 300 + 60 * i);
    for (const t of tones) browsers.push(await launchBrowser({ tone: t }));
    const pages = [];
    for (const [i, b] of browsers.entries()) {
      const p = await newPage(b, { timeout: 60000 });
      await register(p, uniqueName(`bv${i}`));
      pages.push(p);
    }
    // Everyone hears everyone.
    for (const [i, p] of pages.entries()) {
      try {
        await p.waitForFunction((n) => window.__chatgrid.peers().filter((x) => x.state === 'connected' && x.hasStream).length >= n,
          N - 1, { timeout: 240000, polling: 250 });
      } catch (err) {
        const seen = await Promise.all(pages.map((q) => q.evaluate(() => ({
          self: window.__chatgrid.state.selfId, x: window.__chatgrid.state.x, y: window.__chatgrid.state.y,
          peers: window.__chatgrid.peers(),
        }))));
        throw new Error(`page ${i} does not hear everyone: ${JSON.stringify(seen)}`);
      }
    }
    await sleep(5000); // let bitrates settle
    const pids = tones.map((t) => browserPid(toneFile(t)));
    const daemon = pidOf(process.env.CG_PIDFILE);
    const janus = mode === 'sfu' ? janusPid() : 0;
    const before = await Promise.all(pages.map((p) => p.evaluate(() => window.__chatgrid.rtcStats())));
    const cpu0 = pids.map(treeTicks);
    const d0 = daemon ? treeTicks(daemon) : 0;
    const j0 = janus ? treeTicks(janus) : 0;
    const t0 = Date.now();
    await sleep(SECONDS * 1000);
    const after_ = await Promise.all(pages.map((p) => p.evaluate(() => window.__chatgrid.rtcStats())));
    const wall = (Date.now() - t0) / 1000;
    const cpu1 = pids.map(treeTicks);
    const perPage = pages.map((_, i) => ({
      uploadKbps: ((after_[i].bytesSent - before[i].bytesSent) * 8) / 1000 / wall,
      downloadKbps: ((after_[i].bytesReceived - before[i].bytesReceived) * 8) / 1000 / wall,
      peerConnections: after_[i].pcs,
      encoders: after_[i].encoders,
      decoders: after_[i].decoders,
      cpuPercent: ((cpu1[i] - cpu0[i]) / TICKS / wall) * 100,
      targetKbps: after_[i].targetBitrate / 1000,
      codecs: [...new Set(after_[i].codecs)],
    }));
    const mean = (k) => perPage.reduce((s, p) => s + p[k], 0) / perPage.length;
    const r = {
      mode, n: N, seconds: Math.round(wall), loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
      uploadKbps: mean('uploadKbps'), downloadKbps: mean('downloadKbps'), targetKbps: mean('targetKbps'),
      peerConnections: mean('peerConnections'), encoders: mean('encoders'), decoders: mean('decoders'),
      browserCpuPercent: mean('cpuPercent'),
      chatgriddCpuPercent: daemon ? ((treeTicks(daemon) - d0) / TICKS / wall) * 100 : null,
      janusCpuPercent: janus ? ((treeTicks(janus) - j0) / TICKS / wall) * 100 : null,
      perPage,
    };
    results[mode] = r;
    const f = (v) => (v === null ? '-' : v.toFixed(1));
    console.log(`# ${mode} N=${N}: upload ${f(r.uploadKbps)} kbit/s, download ${f(r.downloadKbps)} kbit/s, ` +
      `${f(r.peerConnections)} peer connections, ${f(r.encoders)} encoders, ${f(r.decoders)} decoders, ` +
      `browser CPU ${f(r.browserCpuPercent)} %, chatgridd ${f(r.chatgriddCpuPercent)} %, Janus ${f(r.janusCpuPercent)} % ` +
      `(load average ${r.loadAverage})`);
    return r;
  } finally {
    await closeAll(...browsers);
  }
}

const SQUARE = 'grid_size 5';

test(`voice benchmark: ${N} pages on one square, mesh`, { timeout: 900000 }, async () => {
  try {
    await sfuDaemon('mesh', SQUARE);
    await scenario('mesh');
  } finally {
    await meshDaemon();
  }
});

test(`voice benchmark: ${N} pages on one square, SFU`, { timeout: 900000, skip: haveJanus() ? false : 'janus is not installed' }, async () => {
  await startJanus();
  try {
    await sfuDaemon('sfu', SQUARE);
    await scenario('sfu');
  } finally {
    await meshDaemon();
    await stopJanus();
  }
});

after(() => {
  const out = process.env.CG_VOICE_BENCH_OUT;
  if (out) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  else if (process.env.CG_TMP) appendFileSync(`${process.env.CG_TMP}/voice-bench.json`, JSON.stringify(results));
});
