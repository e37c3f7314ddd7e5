// The admin tools' moderation by keyboard only, logged in as the admin that
// run.sh makes: kick, timed chat and voice mutes (a list length and a typed
// one), ban, unban, and an account deleted after a No and then a Yes; what
// the user's page says or how it is closed; axe-core on each screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  launchBrowser, newPage, register, login, uniqueName, mark, key, press, focused, closeAll, budget, axe, ADMIN,
} from './lib/harness.mjs';
import {
  noViolations, waitSent, menu, moveTo, openAction, waitForAnnouncement, keyAndHear, pressAndHearField,
} from './lib/admin.mjs';

test('moderation: kick, chat and voice mutes for a time, ban, unban, delete an account after No then Yes', { timeout: 300000 }, async () => {
  const browser = await launchBrowser();
  try {
    const v = await newPage(browser);
    const vn = uniqueName('av');
    await register(v, vn);
    const a = await newPage(browser);
    await login(a, ADMIN.username, ADMIN.password);

    // Kick: the page is closed with the server's words; logging in again works.
    await openAction(a, 'Kick user');
    let from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /Kick user\. /, { from });
    noViolations(await axe(a), 'kick list');
    await moveTo(a, vn);
    assert.equal((await menu(a)).text, `${vn}, user, active.`);
    let fromV = await mark(v);
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Kicked ${vn}\\.$`), { from });
    assert.equal(await waitForAnnouncement(v, /moderator/, { from: fromV, region: 'connectionStatus' }), 'You were disconnected by a moderator.');
    await v.waitForFunction(() => !window.__chatgrid.state.running);
    assert.equal((await menu(a)).name, 'adminUsers', 'the list stays open');
    await keyAndHear(a, 'Escape');
    await keyAndHear(a, 'Escape');

    let v2 = await newPage(browser);
    await login(v2, vn, 'password-123');

    // Mute chat for 5 minutes: the user hears it.
    await openAction(a, 'Mute user');
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /Mute user\. /, { from });
    await moveTo(a, vn);
    assert.equal(await keyAndHear(a, 'Enter'), `Mute ${vn}. Voice`);
    noViolations(await axe(a), 'mute target');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Chat');
    assert.equal(await keyAndHear(a, 'Enter'), 'Mute chat for. 5 minutes');
    noViolations(await axe(a), 'mute length');
    fromV = await mark(v2);
    from = await mark(a);
    let sentFrom = a.sent.length;
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Muted ${vn}'s chat for 5 minutes\\.$`), { from });
    assert.deepEqual(await waitSent(a, (x) => x.type === 'admin_user_mute', 'mute', sentFrom), { type: 'admin_user_mute', username: vn, target: 'chat', minutes: 5 });
    await waitForAnnouncement(v2, /^A moderator muted your chat for 5 minutes\.$/, { from: fromV });

    // Mute voice for a typed number of minutes: a bad number is refused first.
    assert.equal((await menu(a)).name, 'adminUsers');
    assert.equal(await keyAndHear(a, 'Enter'), `Mute ${vn}. Voice`);
    await keyAndHear(a, 'Enter');
    assert.equal(await keyAndHear(a, 'KeyO'), 'Other number of minutes');
    await key(a, 'Enter');
    await a.waitForFunction(() => document.activeElement && document.activeElement.id === 'entryInput');
    noViolations(await axe(a), 'minutes field');
    await a.keyboard.type('0');
    assert.equal(await pressAndHearField(a, 'Enter'), 'Minutes must be a whole number from 1 to 10080.');
    await a.keyboard.press('Control+A');
    await a.keyboard.type('2');
    fromV = await mark(v2);
    from = await mark(a);
    sentFrom = a.sent.length;
    await press(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Muted ${vn}'s voice for 2 minutes\\.$`), { from });
    assert.deepEqual(await waitSent(a, (x) => x.type === 'admin_user_mute', 'mute', sentFrom), { type: 'admin_user_mute', username: vn, target: 'voice', minutes: 2 });
    await waitForAnnouncement(v2, /Voice send permission revoked\. Your microphone is muted\./, { from: fromV });
    await waitForAnnouncement(v2, /^A moderator muted your voice for 2 minutes\.$/, { from: fromV });
    assert.equal((await focused(a)).id, 'gameSurface');
    await keyAndHear(a, 'Escape');
    await keyAndHear(a, 'Escape');

    // Ban: the page is closed with the server's words.
    await openAction(a, 'Ban user');
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /Ban user\. /, { from });
    await moveTo(a, vn);
    fromV = await mark(v2);
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Banned ${vn}\\.$`), { from });
    assert.equal(await waitForAnnouncement(v2, /./, { from: fromV, region: 'connectionStatus' }), 'Account is disabled.');
    assert.ok(!(await menu(a)).texts.some((t) => t.startsWith(`${vn},`)), 'the banned user left the ban list');
    await keyAndHear(a, 'Escape');

    // Unban: the list holds the banned; then logging in works again.
    await keyAndHear(a, 'Escape');
    await openAction(a, 'Unban user');
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /Unban user\. /, { from });
    await moveTo(a, vn);
    assert.equal((await menu(a)).text, `${vn}, user, disabled.`);
    noViolations(await axe(a), 'unban list');
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`Unbanned ${vn}\\.`), { from });
    await a.waitForFunction(() => window.__chatgrid.state.mode === 'normal' || window.__chatgrid.state.modeState.menu);
    if ((await menu(a)).mode === 'menu') await keyAndHear(a, 'Escape');
    if ((await menu(a)).mode === 'menu') await keyAndHear(a, 'Escape');
    v2 = await newPage(browser);
    await login(v2, vn, 'password-123');

    // Delete account: No first does nothing; Yes deletes, and the page is closed.
    await openAction(a, 'Delete account');
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /Delete account\. /, { from });
    await moveTo(a, vn);
    assert.equal(await keyAndHear(a, 'Enter'), `Delete account ${vn}? No`);
    noViolations(await axe(a), 'delete confirmation');
    sentFrom = a.sent.length;
    assert.equal(await keyAndHear(a, 'Enter'), `Delete account. ${vn}, user, active.`, 'No goes back to the list');
    assert.equal(await keyAndHear(a, 'Enter'), `Delete account ${vn}? No`);
    assert.equal(await keyAndHear(a, 'Escape'), `Delete account. ${vn}, user, active.`, 'Escape is No');
    await sleep(budget(300));
    assert.equal(a.sent.slice(sentFrom).filter((x) => x.type === 'admin_user_delete').length, 0, 'No sends nothing');
    await keyAndHear(a, 'Enter');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Yes');
    fromV = await mark(v2);
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Deleting account ${vn}\\.\\.\\.`), { from });
    await waitForAnnouncement(a, new RegExp(`Deleted account ${vn}\\.`), { from });
    assert.deepEqual(await waitSent(a, (x) => x.type === 'admin_user_delete', 'delete', sentFrom), { type: 'admin_user_delete', username: vn });
    assert.equal(await waitForAnnouncement(v2, /./, { from: fromV, region: 'connectionStatus' }), 'Account deleted.');
  } finally {
    await closeAll(browser);
  }
});

