// Shared helpers for the browser tests: the daemon, browsers with fake
// microphones, pages with their live regions recorded, and the sign-in steps.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, openSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import os from 'node:os';

const require = createRequire(import.meta.url);

export const URL_BASE = process.env.CG_URL || 'http://10.99.0.1:8791/';
export const ORIGIN = new URL(URL_BASE).origin;
export const ADMIN = { username: process.env.CG_ADMIN_USER || 'cgadmin', password: process.env.CG_ADMIN_PASS || '' };
const TMP = process.env.CG_TMP || '/tmp';

if (!process.env.CG_URL) {
  throw new Error('run the browser tests through tests/browser/run.sh');
}

/**
 * A wait of ms, stretched by how busy the machine is when it is asked (the
 * last minute's load average per CPU, 1 to 30 times) and by CG_TIMEOUT_SCALE
 * (the sanitizer build): waits bound what a hang costs, not how fast the
 * page or the daemon must be.
 * @param {number} ms
 */
export function budget(ms) {
  const load = os.loadavg()[0] / Math.max(1, os.cpus().length);
  const scale = Math.max(1, Number(process.env.CG_TIMEOUT_SCALE) || 1);
  return ms * scale * Math.min(30, Math.max(1, Math.ceil(load)));
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
 * A 48 kHz 16-bit mono WAV of several sines at once (each at amplitude
 * 0.5 / count), optionally gated: on for `on` seconds at the start of every
 * `period` seconds (5 ms ramps), silent the rest. The file lasts a whole
 * number of periods (4 s ungated), so the fake microphone loops it seamlessly.
 * @param {{ freqs: number[], on?: number, period?: number }} spec
 */
export function mixFile(spec) {
  const key = JSON.stringify(spec);
  if (tones.has(key)) return tones.get(key);
  const rate = 48000;
  const period = spec.on ? (spec.period || 2) : 4;
  const seconds = spec.on ? period * Math.max(1, Math.round(4 / period)) : period;
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(44 + n * 2);
  data.write('RIFF', 0, 'ascii');
  data.writeUInt32LE(36 + n * 2, 4);
  data.write('WAVEfmt ', 8, 'ascii');
  data.writeUInt32LE(16, 16);
  data.writeUInt16LE(1, 20);
  data.writeUInt16LE(1, 22);
  data.writeUInt32LE(rate, 24);
  data.writeUInt32LE(rate * 2, 28);
  data.writeUInt16LE(2, 32);
  data.writeUInt16LE(16, 34);
  data.write('data', 36, 'ascii');
  data.writeUInt32LE(n * 2, 40);
  const amp = 0.5 / spec.freqs.length;
  const ramp = 0.005 * rate;
  for (let i = 0; i < n; i++) {
    let g = 1;
    if (spec.on) {
      const t = (i % Math.round(period * rate));
      const len = Math.round(spec.on * rate);
      g = t >= len ? 0 : Math.min(1, t / ramp, (len - t) / ramp);
    }
    let v = 0;
    for (const f of spec.freqs) v += Math.sin(2 * Math.PI * f * i / rate);
    data.writeInt16LE(Math.round(32767 * amp * g * v), 44 + i * 2);
  }
  const file = path.join(TMP, `mix-${spec.freqs.join('-')}${spec.on ? `-on${spec.on}-p${period}` : ''}.wav`);
  writeFileSync(file, data);
  tones.set(key, file);
  return file;
}

/**
 * One browser process (the fake microphone is per process: one per person).
 * tone: one sine's frequency, or a mix (several sines, optionally gated: mixFile).
 * @param {{ tone?: number | { freqs: number[], on?: number, period?: number } }} [opts]
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
  if (typeof opts.tone === 'number') args.push(`--use-file-for-fake-audio-capture=${toneFile(opts.tone)}`);
  else if (opts.tone) args.push(`--use-file-for-fake-audio-capture=${mixFile(opts.tone)}`);
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args });
}

/**
 * Runs in the page before its scripts. Records:
 *   window.__announcements  every text a live region announces, in order:
 *     the whole text of the status regions (#status, #connectionStatus) when
 *     it changes to something non-empty, and each line added to the chat log
 *     region (#chatLive);
 *   window.__fieldErrors    each error message shown under a sign-in field;
 *   window.__focus          document.activeElement, sampled every 10 ms,
 *     one entry per change ({ id, tag, t }), so a moment on BODY is seen.
 */
function recorder() {
  window.__announcements = [];
  window.__fieldErrors = [];
  window.__focus = [];
  const last = {};
  const seen = (region) => {
    const text = (region.textContent || '').trim();
    if (last[region.id] === text) return;
    last[region.id] = text;
    if (text) window.__announcements.push({ region: region.id, text, t: Date.now() });
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      if (!el || !el.closest) continue;
      if (el.id === 'chatLive') {
        for (const n of m.addedNodes) {
          const text = (n.textContent || '').trim();
          if (text) window.__announcements.push({ region: 'chatLive', text, t: Date.now() });
        }
        continue;
      }
      const region = el.closest('#status, #connectionStatus');
      if (region) seen(region);
      const error = el.closest('.field-error');
      if (error && error.textContent) window.__fieldErrors.push({ id: error.id, text: error.textContent, t: Date.now() });
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
  document.addEventListener('DOMContentLoaded', () => {
    const cs = document.getElementById('connectionStatus');
    if (cs) seen(cs);
  });
  let lastFocus = null;
  setInterval(() => {
    const el = document.activeElement;
    if (el === lastFocus) return;
    lastFocus = el;
    window.__focus.push({ id: el ? el.id : '', tag: el ? el.tagName : 'NONE', t: Date.now() });
  }, 10);
}

/**
 * A page of its own (own cookies), recording announcements and sent packets.
 * opts.init: a function run in the page before its scripts (after the recorder);
 * opts.timeout: the page's default timeout (15 s; the benchmark's crowds need more).
 */
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(opts.timeout || budget(15000));
  await page.addInitScript(recorder);
  if (opts.init) await page.addInitScript(opts.init);
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
 * Arrivals and departures (world/presence.js) as our test users are named
 * (no spaces): told up to PRESENCE_MAX_WAIT_MS after the event, and joined
 * with whatever else is said in the same moment, so on a busy machine one
 * may land in an announcement that has nothing to do with it.
 */
export const PRESENCE_NEWS = /(?:\S+ has logged (?:in|out)|\S+ is (?:out of|in) range|\d+ users? (?:logged (?:in|out)|(?:out of|in) range))\./;

/**
 * Wait until a live region has said something matching re (after index from).
 * Each text is tried first without the parts that match strip (by default the
 * presence news; null for none) and then whole, so a wait for the news itself
 * still hears it; the text returned is the one that matched.
 * @returns {Promise<string>} the text
 */
export async function waitForAnnouncement(page, re, { from = 0, timeout = 15000, region, strip = PRESENCE_NEWS } = {}) {
  const handle = await page.waitForFunction(
    ([src, flags, start, reg, stripSrc]) => {
      const r = new RegExp(src, flags);
      const cut = (/** @type {string} */ t) => (stripSrc ? t.replace(new RegExp(stripSrc, 'g'), ' ').replace(/\s+/g, ' ').trim() : t);
      for (const a of window.__announcements.slice(start)) {
        if (reg && a.region !== reg) continue;
        const text = cut(a.text);
        if (text && r.test(text)) return text;
        if (text !== a.text && r.test(a.text)) return a.text;
      }
      return false;
    },
    [re.source, re.flags, from, region, strip ? strip.source : ''],
    { timeout: budget(timeout), polling: 50 },
  );
  return handle.jsonValue();
}

export async function mark(page) {
  return page.evaluate(() => window.__announcements.length);
}

/** Wait until the page's context holds the session cookie (set by a request after auth_result). */
async function waitForSessionCookie(page) {
  const end = Date.now() + budget(10000);
  while (Date.now() < end) {
    if ((await page.context().cookies()).some((c) => c.name === 'chgrid_session_token' && c.value)) return;
    await sleep(50);
  }
  throw new Error('the session cookie was not set');
}

/** Register through the form and wait for the world (and the session cookie). */
export async function register(page, username, password = 'password-123') {
  await page.click('#modeToggleButton');
  await page.fill('#registerUsername', username);
  await page.fill('#registerPassword', password);
  await page.fill('#registerConfirm', password);
  const from = await mark(page);
  await page.click('#connectButton');
  await waitForAnnouncement(page, /^Connected to server\. Version /, { from, timeout: 20000, region: 'connectionStatus' });
  await waitForSessionCookie(page);
}

export async function login(page, username, password) {
  await page.fill('#loginUsername', username);
  await page.fill('#loginPassword', password);
  const from = await mark(page);
  await page.click('#connectButton');
  await waitForAnnouncement(page, /^Connected to server\. Version /, { from, timeout: 20000, region: 'connectionStatus' });
  await waitForSessionCookie(page);
}

/** The focus samples since index from: [{ id, tag, t }]. */
export async function focusTrace(page, from = 0) {
  return page.evaluate((start) => window.__focus.slice(start), from);
}

export async function focusMark(page) {
  return page.evaluate(() => window.__focus.length);
}

/**
 * Wait until the focused element is #id, and check that focus was never on
 * BODY (or nothing) since the focus mark from. Returns the time focus arrived.
 */
export async function expectFocus(page, id, from, what) {
  try {
    await page.waitForFunction((want) => document.activeElement && document.activeElement.id === want, id, { timeout: budget(15000), polling: 20 });
  } catch {
    const now = await page.evaluate(() => `${document.activeElement.tagName}#${document.activeElement.id}`);
    throw new Error(`${what}: focus never reached #${id} (it is on ${now})`);
  }
  // Let the 10 ms sampler see the arrival (or find that it never left).
  await page.waitForFunction((want) => window.__focus.length && window.__focus.at(-1).id === want, id, { timeout: budget(2000), polling: 20 });
  const trace = await focusTrace(page, from);
  const lost = trace.filter((f) => f.tag === 'BODY' || f.tag === 'NONE');
  if (lost.length) throw new Error(`${what}: focus fell to the page: ${JSON.stringify(trace)}`);
  const arrival = trace.filter((f) => f.id === id).at(-1);
  return arrival ? arrival.t : 0;
}

/** The focused element: id, tag, accessible label (its <label> or aria-label) and value. */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const labels = el.labels ? [...el.labels].map((l) => l.textContent.trim()) : [];
    return { id: el.id, tag: el.tagName, type: el.type || '', label: labels[0] || el.getAttribute('aria-label') || '', value: el.value ?? null };
  });
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

/** Press a key on the game surface (focusing it first if focus is elsewhere). */
export async function key(page, combo) {
  if (!(await page.evaluate(() => document.activeElement && document.activeElement.id === 'gameSurface'))) await page.focus('#gameSurface');
  await page.keyboard.press(combo);
}

/** Press a key wherever focus is (in the entry field, say). */
export async function press(page, combo) {
  await page.keyboard.press(combo);
}


/**
 * Press a key wherever focus is and return the next announcement in #status
 * that matches re (default: any), without the presence news said with it.
 */
export async function pressAndHear(page, combo, re = /./, timeout = 5000) {
  const from = await mark(page);
  await page.keyboard.press(combo);
  return waitForAnnouncement(page, re, { from, region: 'status', timeout });
}

/** Press a key and return the next announcement in #status, as pressAndHear. */
export async function keyAndHear(page, combo, re = /./, timeout = 5000) {
  const from = await mark(page);
  await key(page, combo);
  return waitForAnnouncement(page, re, { from, region: 'status', timeout });
}

/**
 * Add an item of a type through the A menu, on the player's square; returns
 * the new item's id (earlier tests may have left others of its type).
 */
export async function addItem(page, type) {
  await key(page, 'a');
  while ((await page.evaluate(() => window.__chatgrid.state.modeState.menu.entries[window.__chatgrid.state.modeState.menu.index].value)) !== type) {
    await keyAndHear(page, 'ArrowDown');
  }
  const from = await mark(page);
  const rec = page.received.length;
  await key(page, 'Enter');
  await waitForAnnouncement(page, /^You placed /, { from, region: 'chatLive' });
  return page.received.slice(rec).find((m) => m.type === 'item_action_result' && m.action === 'add' && m.ok).itemId;
}

export async function walkTo(page, x, y) {
  return page.evaluate(([tx, ty]) => window.__chatgrid.walkTo(tx, ty), [x, y]);
}

/** Wait until a page's state shows a peer with that nickname (or at that place). */
export async function waitForPeer(page, nickname, where) {
  await page.waitForFunction(([n, w]) => [...window.__chatgrid.state.peers.values()].some(
    (p) => p.nickname === n && (!w || (p.x === w[0] && p.y === w[1]))), [nickname, where], { timeout: budget(20000), polling: 100 });
}

/** Wait until a page has a connected peer connection with audio. */
export async function waitForVoice(page, count = 1, timeout = 20000) {
  await page.waitForFunction((n) => window.__chatgrid.peers().filter((p) => p.state === 'connected' && p.hasStream).length >= n,
    count, { timeout: budget(timeout), polling: 100 });
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
  const end = Date.now() + budget(timeout);
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
  await stopDaemon();
  await startDaemon(env);
}

/** Stop chatgridd (SIGTERM) and wait until it is gone. */
export async function stopDaemon() {
  const pid = daemonPid();
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const end = Date.now() + budget(10000);
  while (Date.now() < end) {
    try { process.kill(pid, 0); } catch { return; }
    await sleep(50);
  }
}

/** Start chatgridd again with the same configuration. @param {Record<string, string>} [env] */
export async function startDaemon(env = {}) {
  const log = openSync(process.env.CG_DAEMON_LOG, 'a');
  const child = spawn(process.env.CG_DAEMON, ['-f', '-c', process.env.CG_CONF], {
    detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...env },
  });
  child.unref();
  await waitHealthy();
}

/** SIGHUP: the daemon reloads its configuration and picks up new plugins. */
export function reloadDaemon() {
  process.kill(daemonPid(), 'SIGHUP');
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
