// Connect flow: packet order, announcements, the session cookie, logout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, login, uniqueName, announcements, waitForAnnouncement, mark,
  clientState, closeAll, URL_BASE,
} from './lib/harness.mjs';

test('register: packets in the contract order, announcements, cookie set', { timeout: 60000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    const first = await announcements(page);
    assert.ok(first.some((a) => a.region === 'connectionStatus' && /^Welcome to Chat Grid/.test(a.text)));
    const name = uniqueName('reg');
    const clickedAt = await page.evaluate(() => Date.now());
    const from = await mark(page);
    await register(page, name);

    const types = page.sent.map((m) => m.type);
    // auth_register answers auth_required; then the welcome echo, the nickname and the heartbeat.
    assert.deepEqual(types.slice(0, 4), ['auth_register', 'update_position', 'update_nickname', 'ping']);
    const welcome = page.received.find((m) => m.type === 'welcome');
    assert.deepEqual(page.sent[1], { type: 'update_position', x: welcome.player.x, y: welcome.player.y });
    assert.equal(page.sent[2].nickname, welcome.player.nickname);
    assert.ok(page.sent[3].clientSentAt < 0, 'heartbeat ping is negative');
    const recvTypes = page.received.map((m) => m.type);
    assert.ok(recvTypes.indexOf('auth_required') < recvTypes.indexOf('auth_result'));
    assert.ok(recvTypes.indexOf('auth_result') < recvTypes.indexOf('welcome'));

    // One voice for the connect: the steps on the way are announced only
    // when one lasts a second, so there are at most 1 + (elapsed seconds) texts.
    const said = (await announcements(page)).slice(from).filter((a) => a.region === 'connectionStatus');
    const final = said.at(-1);
    assert.equal(final.text, `Connected to server. Version ${welcome.serverInfo.version}.`);
    const steps = said.slice(0, -1);
    for (const s of steps) {
      assert.match(s.text, /^(Connecting\.\.\.|Connected\. Authenticating\.\.\.|Authenticating\.\.\.|Authenticated\. Joining world\.\.\.)$/);
    }
    assert.ok(steps.length <= Math.floor((final.t - clickedAt) / 950), `steps announced only after a second each: ${JSON.stringify(said)}`);
    const everywhere = (await announcements(page)).slice(from).filter((a) => a.text === final.text);
    assert.equal(everywhere.length, 1, `said once, in one region: ${JSON.stringify(everywhere)}`);
    const cookies = await page.context().cookies();
    const c = cookies.find((k) => k.name === 'chgrid_session_token');
    assert.ok(c && c.value.length > 20, 'session cookie set');
    assert.equal(c.httpOnly, true);
    const s = await clientState(page);
    assert.equal(s.running, true);
    assert.equal(s.x, welcome.player.x);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'gameSurface');
  } finally {
    await closeAll(browser);
  }
});

test('reload resumes the saved session without a password; logout clears it', { timeout: 90000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    const name = uniqueName('res');
    await register(page, name);
    const before = await clientState(page);
    const registered = page.received.find((m) => m.type === 'auth_result' && m.ok);
    assert.equal(typeof registered.sessionToken, 'string', 'a registration returns the token for /auth/session/set');

    // Twice: the cookie a resumed session relies on must survive the resume
    // itself, although the resume no longer hands the page the token (issue 13).
    for (let round = 0; round < 2; round++) {
      await page.reload();
      await page.waitForFunction(() => !document.getElementById('sessionView').hidden);
      await waitForAnnouncement(page, new RegExp(`Welcome back, ${name}`));
      assert.equal(await page.inputValue('#loginPassword'), '');
      page.sent.length = 0;
      page.received.length = 0;
      const renewed = page.waitForResponse((r) => r.url().endsWith('/auth/session/check') && r.status() === 204);
      await page.click('#connectButton');
      await waitForAnnouncement(page, /^Connected to server\. Version /);
      // With no token to hand to /auth/session/set, the page renews the cookie through /check.
      const check = await renewed;
      assert.match((await check.allHeaders())['set-cookie'] || '', /^chgrid_session_token=[^;]+; Path=\/; HttpOnly/);
      assert.ok(!page.sent.some((m) => m.type === 'auth_login' || m.type === 'auth_register'), 'no credentials sent');
      const resumed = page.received.find((m) => m.type === 'auth_result' && m.ok);
      assert.ok(resumed, 'resumed from the cookie');
      assert.ok(!('sessionToken' in resumed), `a cookie resume never carries the token: ${JSON.stringify(resumed)}`);
      const after = await clientState(page);
      assert.equal(after.x, before.x, 'position restored');
      assert.equal(after.y, before.y);
      const c = (await page.context().cookies()).find((k) => k.name === 'chgrid_session_token');
      assert.ok(c && c.value.length > 20 && c.httpOnly, 'the session cookie is still there');
    }

    const from = await mark(page);
    await page.click('#logoutButton');
    await waitForAnnouncement(page, /^Logged out\.$/, { from });
    assert.ok(page.sent.some((m) => m.type === 'auth_logout'));
    const cookies = await page.context().cookies();
    assert.ok(!cookies.some((k) => k.name === 'chgrid_session_token' && k.value), 'cookie cleared');
    await page.reload();
    await page.waitForFunction(() => document.getElementById('connectionStatus').textContent.startsWith('Welcome to Chat Grid'));
    assert.equal(await page.isVisible('#loginFields'), true);
    assert.equal(await page.isVisible('#sessionView'), false);
  } finally {
    await closeAll(browser);
  }
});

test('wrong password is refused with the server\'s words; no cookie', { timeout: 60000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    const name = uniqueName('bad');
    await register(page, name);
    await page.context().clearCookies();
    await page.goto(URL_BASE);
    const from = await mark(page);
    await page.fill('#loginUsername', name);
    await page.fill('#loginPassword', 'wrong-password');
    await page.click('#connectButton');
    // The server's words, under the password field, which gets focus (read there, not announced twice).
    await page.waitForFunction(() => document.getElementById('loginPasswordError').textContent === 'Invalid username or password.');
    await page.waitForFunction(() => document.activeElement.id === 'loginPassword');
    assert.equal(await page.getAttribute('#loginPassword', 'aria-invalid'), 'true');
    assert.ok(!(await announcements(page)).slice(from).some((a) => a.text === 'Invalid username or password.'));
    assert.equal(await page.inputValue('#loginPassword'), '', 'password cleared');
    assert.equal(await page.inputValue('#loginUsername'), name, 'username kept');
    assert.equal((await clientState(page)).running, false);
    await login(page, name, 'password-123');
  } finally {
    await closeAll(browser);
  }
});
