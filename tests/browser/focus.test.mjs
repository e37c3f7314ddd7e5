// Focus at every transition: after connect, a failed login or registration,
// disconnect, double Escape, log out, a server restart, and closing each mode
// and dialog, focus is on a meaningful control within 500 ms and never on the
// page itself (BODY), sampled every 10 ms. Errors sit under their field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, uniqueName, waitForAnnouncement, mark, announcements, clientState, key,
  keyAndHear, press, pressAndHear, focusMark, focusTrace, expectFocus, focused, stopDaemon, startDaemon, closeAll,
} from './lib/harness.mjs';

/** Focus arrived within this long of the transition's last visible change. */
const SETTLE_MS = 500;

/** Last announcement time (any region) or field error time since index. */
async function lastChange(page, fromAnn, fromErr = 0) {
  return page.evaluate(([a, e]) => Math.max(0, ...window.__announcements.slice(a).map((x) => x.t),
    ...window.__fieldErrors.slice(e).map((x) => x.t)), [fromAnn, fromErr]);
}

async function errorMark(page) {
  return page.evaluate(() => window.__fieldErrors.length);
}

/** The error element tied to a field, its text and the field's state. */
async function fieldError(page, id) {
  return page.evaluate((fid) => {
    const f = document.getElementById(fid);
    const ids = (f.getAttribute('aria-describedby') || '').split(/\s+/);
    const err = document.getElementById(`${fid}Error`);
    return { invalid: f.getAttribute('aria-invalid'), describedBy: ids.includes(`${fid}Error`), text: err.textContent, value: f.value };
  }, id);
}

test('sign-in: focus stays on a control through connect, failures, disconnect, double Escape and log out', { timeout: 150000 }, async () => {
  const browser = await launchBrowser();
  let stopped = false;
  try {
    const page = await newPage(browser);
    const name = uniqueName('fo');

    // Connect: the pressed button keeps focus (aria-disabled, not disabled) until the grid takes it.
    let f = await focusMark(page);
    await register(page, name);
    await expectFocus(page, 'gameSurface', f, 'connect');
    const during = (await focusTrace(page, f)).map((x) => x.id);
    assert.deepEqual(during.filter((id, i) => id !== during[i - 1]).slice(-2), ['connectButton', 'gameSurface'], `focus path: ${during}`);

    // Double Escape: the saved-session view's Connect.
    f = await focusMark(page);
    let from = await mark(page);
    await key(page, 'Escape');
    await key(page, 'Escape');
    await waitForAnnouncement(page, /^Disconnected\.$/, { from, region: 'connectionStatus' });
    let at = await expectFocus(page, 'connectButton', f, 'double Escape');
    assert.ok(at - await lastChange(page, from) <= SETTLE_MS, 'focus within 500 ms');
    assert.equal(await page.isVisible('#sessionView'), true);

    // The Disconnect button: the same.
    from = await mark(page);
    await page.click('#connectButton');
    await waitForAnnouncement(page, /^Connected to server\./, { from, region: 'connectionStatus' });
    await expectFocus(page, 'gameSurface', f, 'reconnect with the saved session');
    f = await focusMark(page);
    from = await mark(page);
    await page.click('#disconnectButton');
    await waitForAnnouncement(page, /^Disconnected\.$/, { from, region: 'connectionStatus' });
    at = await expectFocus(page, 'connectButton', f, 'Disconnect button');
    assert.ok(at - await lastChange(page, from) <= SETTLE_MS, 'focus within 500 ms');

    // Log out from the game: the username field of the login form.
    await page.click('#connectButton');
    await waitForAnnouncement(page, /^Connected to server\./, { from, region: 'connectionStatus' });
    f = await focusMark(page);
    from = await mark(page);
    await page.click('#logoutButton');
    await waitForAnnouncement(page, /^Logged out\.$/, { from, region: 'connectionStatus' });
    at = await expectFocus(page, 'loginUsername', f, 'log out');
    assert.ok(at - await lastChange(page, from) <= SETTLE_MS, 'focus within 500 ms');
    assert.equal(await page.isVisible('#logoutButton'), false);

    // A failed registration: the error is under the username, which gets focus; passwords stay.
    await page.click('#modeToggleButton');
    assert.equal((await focused(page)).id, 'registerUsername');
    await page.fill('#registerUsername', name);
    await page.fill('#registerPassword', 'password-456');
    await page.fill('#registerConfirm', 'password-456');
    f = await focusMark(page);
    from = await mark(page);
    let e = await errorMark(page);
    await page.click('#connectButton');
    at = await expectFocus(page, 'registerUsername', f, 'failed registration');
    await page.waitForFunction(() => document.getElementById('registerUsernameError').textContent !== '');
    assert.ok(at - await lastChange(page, from, e) <= SETTLE_MS, 'focus within 500 ms');
    assert.deepEqual(await fieldError(page, 'registerUsername'),
      { invalid: 'true', describedBy: true, text: 'Username is already taken.', value: name });
    assert.equal(await page.inputValue('#registerPassword'), 'password-456', 'password kept');
    assert.equal(await page.inputValue('#registerConfirm'), 'password-456', 'confirmation kept');
    const said = (await announcements(page)).slice(from).map((a) => a.text);
    assert.ok(!said.includes('Username is already taken.'), `read with the field, not announced again: ${JSON.stringify(said)}`);
    // Typing in the field clears its error.
    await page.type('#registerUsername', 'x');
    assert.equal((await fieldError(page, 'registerUsername')).invalid, null);

    // A failed login: the error is under the password, which is cleared; the username stays.
    await page.click('#modeToggleButton');
    await page.fill('#loginUsername', name);
    await page.fill('#loginPassword', 'wrong-password');
    f = await focusMark(page);
    from = await mark(page);
    e = await errorMark(page);
    await page.click('#connectButton');
    at = await expectFocus(page, 'loginPassword', f, 'failed login');
    await page.waitForFunction(() => document.getElementById('loginPasswordError').textContent !== '');
    assert.ok(at - await lastChange(page, from, e) <= SETTLE_MS, 'focus within 500 ms');
    assert.deepEqual(await fieldError(page, 'loginPassword'),
      { invalid: 'true', describedBy: true, text: 'Invalid username or password.', value: '' });
    assert.equal(await page.inputValue('#loginUsername'), name, 'username kept');

    // Enter in a field whose own error it is: focus cannot announce it, the status does (once).
    await page.fill('#loginUsername', '');
    await page.fill('#loginPassword', 'something');
    await page.focus('#loginUsername');
    from = await mark(page);
    await page.keyboard.press('Enter');
    await waitForAnnouncement(page, /^Enter your username\.$/, { from, region: 'connectionStatus' });
    assert.equal((await fieldError(page, 'loginUsername')).invalid, 'true');
    assert.equal((await focused(page)).id, 'loginUsername');

    // The server is down: the status says so and focus goes back to Connect.
    await stopDaemon();
    stopped = true;
    await page.fill('#loginUsername', name);
    await page.fill('#loginPassword', 'password-123');
    f = await focusMark(page);
    from = await mark(page);
    await page.click('#connectButton');
    await waitForAnnouncement(page, /^Connect failed\. The server may be offline or unreachable\.$/, { from, region: 'connectionStatus' });
    at = await expectFocus(page, 'connectButton', f, 'server offline');
    assert.ok(at - await lastChange(page, from) <= SETTLE_MS, 'focus within 500 ms');
    assert.equal(await page.getAttribute('#connectButton', 'aria-disabled'), null, 'Connect usable again');
  } finally {
    if (stopped) await startDaemon();
    await closeAll(browser);
  }
});

test('in game: every mode and dialog gives focus back; chat, nickname and gain are typed in a labelled text field', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    const name = uniqueName('fm');
    await register(page, name);

    // Chat: a text field labelled "Chat message", outside the application element.
    let f = await focusMark(page);
    await key(page, 'Slash');
    await expectFocus(page, 'entryInput', f, 'open chat');
    let el = await focused(page);
    assert.deepEqual([el.tag, el.type, el.label, el.value], ['INPUT', 'text', 'Chat message', '']);
    assert.equal(await page.evaluate(() => !!document.activeElement.closest('[role="application"]')), false);
    await page.keyboard.type('hello there');
    assert.equal((await focused(page)).value, 'hello there', 'typed text is the field\'s value');
    assert.equal(await pressAndHear(page, 'Escape'), 'Cancelled.');
    await expectFocus(page, 'gameSurface', f, 'Escape in chat');
    assert.equal(await page.isVisible('#entry'), false);

    // Enter sends and returns to the grid.
    f = await focusMark(page);
    await key(page, 'Slash');
    await page.keyboard.type('focus test line');
    const from = await mark(page);
    await press(page, 'Enter');
    await expectFocus(page, 'gameSurface', f, 'Enter in chat');
    await waitForAnnouncement(page, new RegExp(`^${name}: focus test line$`), { from, region: 'chatLive' });

    // Tab out of the chat field: the mode ends (arrows walk again), focus goes on.
    f = await focusMark(page);
    await key(page, 'Slash');
    await page.keyboard.type('draft');
    const beforeTab = await mark(page);
    await page.keyboard.press('Tab');
    await waitForAnnouncement(page, /^Cancelled\.$/, { from: beforeTab, region: 'status' });
    assert.equal((await clientState(page)).mode, 'normal');
    assert.notEqual((await focused(page)).tag, 'BODY');
    const { x, y } = await clientState(page);
    await key(page, x > 0 ? 'ArrowLeft' : 'ArrowRight');
    await page.waitForFunction(([x0, y0]) => window.__chatgrid.state.x !== x0 || window.__chatgrid.state.y !== y0, [x, y]);
    assert.deepEqual((await focusTrace(page, f)).filter((t) => t.tag === 'BODY'), []);

    // Nickname: the field holds the current name, selected, so typing replaces it.
    f = await focusMark(page);
    await key(page, 'n');
    await expectFocus(page, 'entryInput', f, 'open nickname');
    el = await focused(page);
    assert.deepEqual([el.label, el.value], ['New nickname', name]);
    assert.deepEqual(await page.evaluate(() => [document.activeElement.selectionStart, document.activeElement.selectionEnd]), [0, name.length]);
    await page.keyboard.type('zed');
    assert.equal((await focused(page)).value, 'zed');
    await pressAndHear(page, 'Escape', /^Cancelled\.$/);
    await expectFocus(page, 'gameSurface', f, 'Escape in nickname');

    // Gain: loopback is on while the field is open, and put back when Tab leaves it.
    f = await focusMark(page);
    await key(page, 'v');
    await expectFocus(page, 'entryInput', f, 'open gain');
    el = await focused(page);
    assert.deepEqual([el.label, el.value], ['Microphone gain', '2']);
    assert.equal((await page.evaluate(() => window.__chatgrid.state.loopback)), true);
    assert.equal(await pressAndHear(page, 'ArrowUp'), '2.05');
    assert.equal((await focused(page)).value, '2.05');
    assert.equal(await pressAndHear(page, 'Tab'), 'Cancelled.');
    assert.equal((await clientState(page)).mode, 'normal');
    assert.deepEqual(await page.evaluate(() => [window.__chatgrid.state.loopback, window.__chatgrid.state.micGain]), [false, 2]);
    await key(page, 'v');
    await page.keyboard.type('3');
    assert.equal(await pressAndHear(page, 'Enter'), 'Microphone gain set to 3.');
    await expectFocus(page, 'gameSurface', f, 'Enter in gain');
    assert.equal((await page.evaluate(() => window.__chatgrid.state.loopback)), false);

    // The help viewer: other keys say how to use it; Escape closes it; Tab away closes it too.
    assert.equal(await keyAndHear(page, 'Shift+Slash'), 'Chat Grid Help');
    assert.equal(await keyAndHear(page, 'x'), 'Help is open: Up and Down read it, Escape closes it.');
    assert.equal(await keyAndHear(page, 'Escape'), 'Closed help.');
    assert.equal((await focused(page)).id, 'gameSurface');
    await keyAndHear(page, 'Shift+Slash');
    await page.keyboard.press('Tab');
    await page.waitForFunction(() => window.__chatgrid.state.mode === 'normal');

    // The audio setup dialog gives focus back to its button, by Escape and by Close.
    f = await focusMark(page);
    await page.click('#audioSetupButton');
    await expectFocus(page, 'audioInputSelect', f, 'open audio setup');
    await page.keyboard.press('Escape');
    await expectFocus(page, 'audioSetupButton', f, 'Escape in audio setup');
    await page.click('#audioSetupButton');
    await page.click('#audioDialogClose');
    await expectFocus(page, 'audioSetupButton', f, 'Close in audio setup');

    // The help section: the button keeps its name; aria-expanded says the state.
    await page.click('#helpButton');
    assert.deepEqual([await page.textContent('#helpButton'), await page.getAttribute('#helpButton', 'aria-expanded')], ['Help', 'true']);
    await page.click('#helpButton');
    assert.deepEqual([await page.textContent('#helpButton'), await page.getAttribute('#helpButton', 'aria-expanded')], ['Help', 'false']);
    assert.equal((await focused(page)).id, 'helpButton');
  } finally {
    await closeAll(browser);
  }
});

test('a server restart keeps the grid focused and its keys say the attempt; log out right after is no login', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  let stopped = false;
  try {
    const page = await newPage(browser);
    await register(page, uniqueName('fr'));
    await key(page, 'c');
    const f = await focusMark(page);
    let from = await mark(page);
    await stopDaemon();
    stopped = true;
    await waitForAnnouncement(page, /^Disconnected from server\. Reconnecting\.\.\.$/, { from, region: 'connectionStatus' });
    assert.equal(await page.isVisible('#gameSurface'), true, 'the grid stays while reconnecting');
    assert.equal(await keyAndHear(page, 'c'), 'Reconnecting, attempt 1 of 3.');
    await waitForAnnouncement(page, /^Reconnect attempt 1 failed\. Retrying in 5 seconds\.\.\.$/, { from, timeout: 20000 });
    assert.equal(await keyAndHear(page, 'ArrowUp'), 'Reconnecting, attempt 2 of 3.');
    await startDaemon();
    stopped = false;
    await waitForAnnouncement(page, /Reconnected to server\. Version /, { from, timeout: 30000, region: 'connectionStatus' });
    await expectFocus(page, 'gameSurface', f, 'restart and reconnect');
    assert.equal((await clientState(page)).running, true);

    // Log out at once: the server's answer to it is not taken for a login.
    from = await mark(page);
    await page.click('#logoutButton');
    await waitForAnnouncement(page, /^Logged out\.$/, { from, region: 'connectionStatus' });
    await expectFocus(page, 'loginUsername', f, 'log out after a reconnect');
    await new Promise((r) => setTimeout(r, 500));
    const said = (await announcements(page)).slice(from).map((a) => a.text);
    assert.ok(!said.some((t) => /Authenticated|Joining/.test(t)), `no login: ${JSON.stringify(said)}`);
    assert.equal((await announcements(page)).filter((a) => a.region === 'connectionStatus').at(-1).text, 'Logged out.');
    assert.deepEqual([await page.isVisible('#loginFields'), await page.isVisible('#sessionView'), await page.isVisible('#logoutButton')],
      [true, false, false]);
    assert.ok(!(await page.context().cookies()).some((c) => c.name === 'chgrid_session_token' && c.value), 'cookie cleared');
  } finally {
    if (stopped) await startDaemon();
    await closeAll(browser);
  }
});
