// Janus for the SFU voice tests: started by the test inside the browser
// tests' network namespace from the Debian package (scripts/janus-local
// writes its configuration), its admin API for what the tests check, and
// chatgridd restarted with an SFU configuration (and back to the shared one).
import { before, after } from 'node:test';
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { restartDaemon, budget } from './harness.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const TMP = process.env.CG_TMP || '/tmp';
export const JANUS_IP = '10.99.0.1';
export const JANUS_PORT = 8288;
export const JANUS_URL = `http://${JANUS_IP}:${JANUS_PORT}/janus`;
const ADMIN_URL = `http://${JANUS_IP}:${JANUS_PORT + 1}/admin`;
const API_SECRET = 'test-api-secret';
const ADMIN_KEY = 'test-admin-key';
const ADMIN_SECRET = 'test-admin-secret';
const DIR = path.join(TMP, 'janus');

/** Is janus installed? */
export function haveJanus() {
  try {
    execFileSync('sh', ['-c', 'command -v janus'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let child = null;

/** Start Janus and wait until its API answers. */
export async function startJanus() {
  mkdirSync(DIR, { recursive: true });
  child = spawn(path.join(ROOT, 'scripts/janus-local'), [
    '-d', DIR, '-i', JANUS_IP, '-p', String(JANUS_PORT), '-r', '30000-30999',
    '-s', API_SECRET, '-k', ADMIN_KEY, '-A', ADMIN_SECRET,
  ], { stdio: 'ignore' });
  const end = Date.now() + budget(15000);
  while (Date.now() < end) {
    try {
      const r = await fetch(`${JANUS_URL}/info`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return child.pid;
    } catch { /* not yet */ }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`Janus did not start: ${tail()}`);
}

/** The end of Janus's log, for failure messages. */
export function tail(lines = 20) {
  try {
    return readFileSync(path.join(DIR, 'janus.log'), 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Stop Janus: SIGKILL (a crash) or SIGTERM; resolves when it is gone. */
export async function stopJanus(signal = 'SIGTERM') {
  if (!child || child.exitCode !== null) return;
  const c = child;
  const gone = new Promise((resolve) => c.once('exit', resolve));
  c.kill(signal);
  await Promise.race([gone, sleep(10000)]);
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** The shared configuration plus the voice lines (and extra); chatgridd restarted with it. */
export async function sfuDaemon(mode = 'sfu', extra = '') {
  const base = readFileSync(process.env.CG_BASE_CONF || process.env.CG_CONF, 'utf8');
  if (!process.env.CG_BASE_CONF) process.env.CG_BASE_CONF = process.env.CG_CONF;
  const conf = path.join(TMP, `chatgridd-${mode}.conf`);
  const janus = mode === 'mesh' ? '' : `janus_url ${JANUS_URL}
janus_api_secret ${API_SECRET}
janus_admin_key ${ADMIN_KEY}
`;
  writeFileSync(conf, `${base}
voice_mode ${mode}
${janus}${extra}
`);
  process.env.CG_CONF = conf;
  await restartDaemon();
}

/** chatgridd back on the shared (mesh) configuration, for the test files after this one. */
export async function meshDaemon() {
  if (process.env.CG_BASE_CONF) process.env.CG_CONF = process.env.CG_BASE_CONF;
  await restartDaemon();
}

async function admin(sub, body) {
  const r = await fetch(`${ADMIN_URL}${sub}`, {
    method: 'POST',
    body: JSON.stringify({ ...body, transaction: `t${Date.now()}${Math.random()}`, admin_secret: ADMIN_SECRET }),
    signal: AbortSignal.timeout(5000),
  });
  return r.json();
}

/**
 * Every VideoRoom handle in Janus with what its plugin says of it:
 * [{ session, handle, info }] where info is plugin_specific.
 */
export async function handles() {
  const out = [];
  const s = await admin('', { janus: 'list_sessions' });
  for (const session of s.sessions || []) {
    const h = await admin(`/${session}`, { janus: 'list_handles' });
    for (const handle of h.handles || []) {
      const i = await admin(`/${session}/${handle}`, { janus: 'handle_info' });
      if (i.info && i.info.plugin === 'janus.plugin.videoroom') out.push({ session, handle, info: i.info.plugin_specific || {} });
    }
  }
  return out;
}

/** The publishers of a connection id (its feeds) with their subscriber counts. */
export async function feedsOf(connId) {
  return (await handles())
    .filter((h) => h.info.type === 'publisher' && h.info.display === connId && Array.isArray(h.info.streams) && h.info.streams.length)
    .map((h) => ({ id: h.info.id, subscribers: h.info.streams.reduce((n, s) => n + (s.subscribers || 0), 0) }));
}

/**
 * For a test file: Janus started and chatgridd switched to voice_mode mode
 * before its tests, both put back after. Returns a skip reason, or false.
 */
export function useSfu(mode) {
  if (!haveJanus()) return 'janus is not installed (apt-get install janus)';
  before(async () => {
    await startJanus();
    await sfuDaemon(mode);
  });
  after(async () => {
    await meshDaemon();
    await stopJanus();
  });
  return false;
}
