// Versions: a server of another version makes the page reload once; a second
// window of the same account closes the first without forgetting its session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, login, uniqueName, waitForAnnouncement, mark, clientState,
  restartDaemon, closeAll, budget,
} from './lib/harness.mjs';

test('a server of another version reloads the page once, then the page connects', { timeout: 90000 }, async () => {
  const browser = await launchBrowser();
  try {
    await restartDaemon({ CHGRID_SERVER_VERSION: '9.9.9' });
    const page = await newPage(browser);
    await page.click('#modeToggleButton');
    await page.fill('#registerUsername', uniqueName('ver'));
    await page.fill('#registerPassword', 'password-123');
    await page.fill('#registerConfirm', 'password-123');
    await Promise.all([
      page.waitForURL(/[?&]v=9\.9\.9&t=\d+/, { timeout: budget(20000) }),
      page.click('#connectButton'),
    ]);
    await page.waitForFunction(() => document.getElementById('connectionStatus').textContent === 'Client updated, please reconnect.');
    // The saved session joins; the page does not reload a second time for the same version.
    await page.waitForFunction(() => !document.getElementById('sessionView').hidden);
    await page.click('#connectButton');
    await waitForAnnouncement(page, /Connected to server\. Version 9\.9\.9\./, { timeout: 20000 });
    await waitForAnnouncement(page, /client version 0\.1\.0; the server is 9\.9\.9/);
    assert.match(page.url(), /v=9\.9\.9/);
    assert.equal((await clientState(page)).running, true);
  } finally {
    await closeAll(browser);
    await restartDaemon();
  }
});

test('logging in from a second window closes the first, which keeps its saved session and does not reconnect', { timeout: 60000 }, async () => {
  const b1 = await launchBrowser();
  const b2 = await launchBrowser();
  try {
    const first = await newPage(b1);
    const second = await newPage(b2);
    const name = uniqueName('dup');
    await register(first, name);
    const from = await mark(first);
    await login(second, name, 'password-123');
    await waitForAnnouncement(first, /^You connected from another window; this one is closed\.$/, { from });
    await first.waitForFunction(() => !window.__chatgrid.state.running);
    await new Promise((r) => setTimeout(r, 6500));
    const said = (await first.evaluate(() => window.__announcements.slice())).slice(from).map((a) => a.text);
    assert.ok(!said.some((t) => /Reconnect/.test(t)), `no reconnect: ${JSON.stringify(said)}`);
    assert.equal(await first.isVisible('#sessionView'), true, 'the saved session is kept');
    assert.ok((await first.context().cookies()).some((c) => c.name === 'chgrid_session_token' && c.value));
    assert.equal((await clientState(second)).running, true);
  } finally {
    await closeAll(b1, b2);
  }
});
