// Shared helpers for the browser tests: the daemon, browsers with fake
// microphones, pages with their live regions recorded, and the sign-in steps.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, openSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';

const require = createRequire(import.meta.url);

export const URL_BASE = process.env.CG_URL || 'http://10.99.0.1:8791/';
export const ORIGIN = new URL(URL_BASE).origin;
export const ADMIN = { username: process.env.CG_ADMIN_USER || 'cgadmin', password: process.env.CG_ADMIN_PASS || '' };
const TMP = process.env.CG_TMP || '/tmp';

if (!process.env.CG_URL) {
  throw new Error('run the browser tests through tests/browser/run.sh');
}

let counter = 0;
/** A fresh username for each test user. */
export function uniqueName(prefix) {
  counter += 1;
  return `${prefix}${process.pid % 1000}${Date.now() % 100000}${counter}`.slice(0, 30);
}

const tones = new Map();
/** A 48 kHz 16-bit mono WAV of a sine at freq Hz, made with sox. */
export function toneFile(freq) {
  if (tones.has(freq)) return tones.get(freq);
  const file = path.join(TMP, `tone${freq}.wav`);
  if (!existsSync(file)) {
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', file, 'synth', '5', 'sine', String(freq), 'vol', '0.5']);
  }
  tones.set(freq, file);
  return file;
}

/**
 * One browser process (the fake microphone is per process: one per person).
 * @param {{ tone?: number }} [opts]
 */
export async function launchBrowser(opts = {}) {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-renderer-backgrounding', '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
    // The test server is plain http on a private address: let it use the microphone.
    `--unsafely-treat-insecure-origin-as-secure=${ORIGIN}`,
  ];
  if (opts.tone) args.push(`--use-file-for-fake-audio-capture=${toneFile(opts.tone)}`);
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args });
}

/** Records every text the two live regions show, in order. */
function recorder() {
  window.__announcements = [];
  const last = {};
  const seen = (region) => {
    const text = (region.textContent || '').trim();
    if (!text || last[region.id] === text) return;
    last[region.id] = text;
    window.__announcements.push({ region: region.id, text, t: Date.now() });
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      const region = el && el.closest ? el.closest('#status, #connectionStatus') : null;
      if (region) seen(region);
      else if (el && el.id === 'status') seen(el);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
  document.addEventListener('DOMContentLoaded', () => {
    const cs = document.getElementById('connectionStatus');
    if (cs) seen(cs);
  });
}

/** A page of its own (own cookies), recording announcements and sent packets. */
export async function newPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await page.addInitScript(recorder);
  page.sent = [];
  page.received = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => { try { page.sent.push(JSON.parse(f.payload)); } catch { /* not JSON */ } });
    ws.on('framereceived', (f) => { try { page.received.push(JSON.parse(f.payload)); } catch { /* not JSON */ } });
  });
  page.consoleLines = [];
  page.on('console', (m) => page.consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => page.consoleLines.push(`pageerror: ${e.message}`));
  const pending = new Map();
  page.on('request', (r) => pending.set(r, r.url()));
  page.on('requestfinished', (r) => pending.delete(r));
  page.on('requestfailed', (r) => pending.delete(r));
  await page.goto(URL_BASE);
  try {
    await page.waitForFunction(() => document.getElementById('connectionStatus').textContent !== 'Loading…');
  } catch (err) {
    throw new Error(`the page did not boot; requests still open: ${JSON.stringify([...pending.values()])}; console: ${JSON.stringify(page.consoleLines)}`);
  }
  return page;
}

/** Every announcement so far: [{region, text}]. */
export async function announcements(page) {
  return page.evaluate(() => window.__announcements.slice());
}

/**
 * Wait until a live region has said something matching re (after index from).
 * @returns {Promise<string>} the text
 */
export async function waitForAnnouncement(page, re, { from = 0, timeout = 15000, region } = {}) {
  const handle = await page.waitForFunction(
    ([src, flags, start, reg]) => {
      const r = new RegExp(src, flags);
      const hit = window.__announcements.slice(start).find((a) => (!reg || a.region === reg) && r.test(a.text));
      return hit ? hit.text : false;
    },
    [re.source, re.flags, from, region],
    { timeout, polling: 50 },
  );
  return handle.jsonValue();
}

export async function mark(page) {
  return page.evaluate(() => window.__announcements.length);
}

/** Register through the form and wait for the world. */
export async function register(page, username, password = 'password-123') {
  await page.click('#modeToggleButton');
  await page.fill('#registerUsername', username);
  await page.fill('#registerPassword', password);
  await page.fill('#registerConfirm', password);
  await page.click('#connectButton');
  await waitForAnnouncement(page, /^Connected to server\. Version /, { timeout: 20000, region: 'status' });
}

export async function login(page, username, password) {
  await page.fill('#loginUsername', username);
  await page.fill('#loginPassword', password);
  await page.click('#connectButton');
  await waitForAnnouncement(page, /^Connected to server\. Version /, { timeout: 20000, region: 'status' });
}

/** The client's state, as the diagnostics hook shows it. */
export async function clientState(page) {
  return page.evaluate(() => {
    const s = window.__chatgrid.state;
    return {
      running: s.running, x: s.x, y: s.y, nickname: s.nickname, selfId: s.selfId, mode: s.mode,
      gridSize: s.gridSize, peers: [...s.peers.values()], permissions: [...s.permissions],
      masterVolume: s.masterVolume, muted: s.muted,
    };
  });
}

/** Press a key on the focused game surface. */
export async function key(page, combo) {
  await page.focus('#gameSurface');
  await page.keyboard.press(combo);
}

/** Press a key and return the next announcement in #status. */
export async function keyAndHear(page, combo, re = /./, timeout = 5000) {
  const from = await mark(page);
  await key(page, combo);
  return waitForAnnouncement(page, re, { from, region: 'status', timeout });
}

export async function walkTo(page, x, y) {
  return page.evaluate(([tx, ty]) => window.__chatgrid.walkTo(tx, ty), [x, y]);
}

/** Wait until a page's state shows a peer with that nickname (or at that place). */
export async function waitForPeer(page, nickname, where) {
  await page.waitForFunction(([n, w]) => [...window.__chatgrid.state.peers.values()].some(
    (p) => p.nickname === n && (!w || (p.x === w[0] && p.y === w[1]))), [nickname, where], { timeout: 20000, polling: 100 });
}

/** Wait until a page has a connected peer connection with audio. */
export async function waitForVoice(page, count = 1, timeout = 20000) {
  await page.waitForFunction((n) => window.__chatgrid.peers().filter((p) => p.state === 'connected' && p.hasStream).length >= n,
    count, { timeout, polling: 100 });
}

/** Power per ear at the given frequencies. */
export async function measure(page, ms = 1500, freqs = [440, 660]) {
  return page.evaluate(([m, f]) => window.__chatgrid.measure({ ms: m, freqs: f }), [ms, freqs]);
}

/** axe-core on the current page; returns the violations. */
export async function axe(page) {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

// --- the daemon ---

function daemonPid() {
  try {
    return Number(readFileSync(process.env.CG_PIDFILE, 'utf8').trim());
  } catch {
    return 0;
  }
}

async function waitHealthy(timeout = 15000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${URL_BASE}healthz`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error('chatgridd did not come back');
}

/**
 * Stop chatgridd (SIGTERM) and start it again with the same configuration.
 * @param {Record<string, string>} [env] extra environment (CHGRID_SERVER_VERSION)
 */
export async function restartDaemon(env = {}) {
  const pid = daemonPid();
  if (pid) {
    process.kill(pid, 'SIGTERM');
    const end = Date.now() + 10000;
    while (Date.now() < end) {
      try { process.kill(pid, 0); } catch { break; }
      await sleep(50);
    }
  }
  const log = openSync(process.env.CG_DAEMON_LOG, 'a');
  const child = spawn(process.env.CG_DAEMON, ['-f', '-c', process.env.CG_CONF], {
    detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...env },
  });
  child.unref();
  await waitHealthy();
}

/** SIGSTOP / SIGCONT the daemon (a server that stops answering). */
export function pauseDaemon() {
  process.kill(daemonPid(), 'SIGSTOP');
}
export function resumeDaemon() {
  process.kill(daemonPid(), 'SIGCONT');
}

/** Close browsers whatever happened. */
export async function closeAll(...browsers) {
  await Promise.all(browsers.filter(Boolean).map((b) => b.close().catch(() => {})));
}
