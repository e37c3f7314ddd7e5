// A web client of the reference chat_grid project served from www_root (issue
// 14, point 10). That client reloads itself whenever welcome.serverInfo.version
// differs from the CHGRID_WEB_VERSION its own version.js sets; chatgridd used
// to report its package version, so the page reloaded for ever. The page here
// is built the way that project builds its pages: version.js first, then a
// script that signs in, compares the versions exactly as that client does and
// reloads on a difference, and says welcome_ready. It must load once, reach
// the world, and be refused nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser, uniqueName, closeAll, budget, URL_BASE } from './lib/harness.mjs';

const REFERENCE_VERSION = '2026.02.28 R316';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loading</title>
<script src="version.js"></script></head>
<body><p>Chat Grid</p>
<script>
const loads = Number(sessionStorage.getItem('loads') || 0) + 1;
sessionStorage.setItem('loads', String(loads));
const user = new URLSearchParams(location.search).get('u') + '_' + loads;
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.type === 'auth_required') {
    ws.send(JSON.stringify({ type: 'auth_register', username: user, password: 'password-123' }));
  } else if (m.type === 'welcome') {
    const v = m.serverInfo && m.serverInfo.version;
    if (v !== window.CHGRID_WEB_VERSION) {
      // "Client updated, please reconnect." and a reload, as that client does;
      // a test must end, so the fifth load stops and says so.
      if (loads < 5) { document.title = 'reloading'; location.reload(); } else document.title = 'looping ' + v;
      return;
    }
    ws.send(JSON.stringify({ type: 'welcome_ready' }));
    document.title = 'ready ' + v;
  } else if (m.type === 'error') {
    document.title = 'refused ' + m.code;
  }
};
</script></body></html>
`;

async function waitFor(what, fn, timeout) {
  const end = Date.now() + budget(timeout);
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Rewrite the daemon's configuration with extra lines (or none) and reload it. */
async function reconfigure(extra) {
  const conf = process.env.CG_CONF;
  const base = readFileSync(conf, 'utf8').replace(/\n# reference-client\.test[^\n]*\n[^\n]*\n?/g, '\n');
  writeFileSync(conf, extra ? `${base.replace(/\n*$/, '\n')}# reference-client.test\n${extra}\n` : base);
  const before = readFileSync(process.env.CG_DAEMON_LOG, 'utf8').split('reloaded configuration').length;
  process.kill(Number(readFileSync(process.env.CG_PIDFILE, 'utf8').trim()), 'SIGHUP');
  await waitFor('the daemon to reload its configuration',
    () => readFileSync(process.env.CG_DAEMON_LOG, 'utf8').split('reloaded configuration').length > before, 30000);
}

test('the reference project\'s client, served from www_root, loads once and is not reloaded in a loop', { timeout: 120000 }, async () => {
  const www = mkdtempSync(join(tmpdir(), 'cg-refclient-'));
  chmodSync(www, 0o755);
  writeFileSync(join(www, 'index.html'), PAGE);
  writeFileSync(join(www, 'version.js'), `window.CHGRID_WEB_VERSION = "${REFERENCE_VERSION}";\n`);
  const browser = await launchBrowser();
  try {
    await reconfigure(`www_root ${www}`);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${URL_BASE}?u=${uniqueName('refc')}`);
    await waitFor('the page to settle', async () => /^(ready|looping|refused)/.test(await page.title()), 20000);
    // welcome_ready was sent with the welcome: give an error to it time to arrive.
    await sleep(budget(1000));
    assert.equal(await page.title(), `ready ${REFERENCE_VERSION}`);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('loads')), '1');
  } finally {
    await closeAll(browser);
    await reconfigure('');
  }
});
