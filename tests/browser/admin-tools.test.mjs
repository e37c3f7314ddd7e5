// The admin tools (Shift+Z) by keyboard only, logged in as the admin that
// run.sh makes, with plain users beside: the menu holds the server's actions
// and a plain user gets none; role management (create with the name rules
// checked first, permissions toggled with their tooltips, delete with a
// replacement), a user's role; what the affected user's page says at once;
// an admin screen closing when its action is taken away; results said with
// their tones; and axe-core while every admin screen is open. Moderation
// (ban, kick, mutes, deletion) is in admin-moderation.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, login, uniqueName, mark, key, press, focused, closeAll, budget, axe, ADMIN,
} from './lib/harness.mjs';
import {
  noViolations, waitSent, menu, moveTo, openAction, waitForAnnouncement, keyAndHear, pressAndHearField, toneRecorder, tonesSince,
} from './lib/admin.mjs';

test('a plain user gets no admin menu; the admin menu holds exactly the server\'s actions; roles: create, permissions, a user\'s role, delete', { timeout: 300000 }, async () => {
  const browser = await launchBrowser();
  try {
    const u = await newPage(browser);
    const un = uniqueName('au');
    await register(u, un);

    // Shift+Z without admin rights: a refusal, never a menu.
    assert.equal(await keyAndHear(u, 'Shift+KeyZ'), 'No admin actions available.');
    assert.equal((await menu(u)).mode, 'normal');

    const a = await newPage(browser);
    await login(a, ADMIN.username, ADMIN.password);
    const welcome = a.received.find((m) => m.type === 'welcome');
    const offered = welcome.uiDefinitions.adminMenu.actions;
    assert.ok(offered.length >= 7, `the admin is offered every action: ${JSON.stringify(offered)}`);

    assert.equal(await keyAndHear(a, 'Shift+KeyZ'), `Admin. ${offered[0].label}`);
    let m = await menu(a);
    assert.equal(m.name, 'admin');
    assert.deepEqual(m.texts, offered.map((x) => x.label), 'the menu is the server\'s list, in its order');
    assert.equal(await keyAndHear(a, 'Space'), offered[0].tooltip);
    noViolations(await axe(a), 'admin menu');

    // Role management: the roles by name, "<name>, <n> users", then Add role.
    let from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /Loading roles\.\.\./, { from });
    await waitForAnnouncement(a, /Roles\. admin, \d+ users?/, { from });
    const roles = a.received.filter((x) => x.type === 'admin_roles_list').at(-1);
    m = await menu(a);
    assert.equal(m.name, 'adminRoles');
    const names = roles.roles.map((r) => r.name).sort();
    assert.deepEqual(m.texts.slice(0, -1), names.map((n) => {
      const r = roles.roles.find((x) => x.name === n);
      return `${n}, ${r.userCount} ${r.userCount === 1 ? 'user' : 'users'}`;
    }));
    assert.equal(m.texts.at(-1), 'Add role');
    noViolations(await axe(a), 'roles');

    // Add role: the name rules are said before anything is sent.
    assert.equal(await keyAndHear(a, 'End'), 'Add role');
    await key(a, 'Enter');
    await a.waitForFunction(() => document.activeElement && document.activeElement.id === 'entryInput');
    assert.equal((await focused(a)).label, 'New role name');
    noViolations(await axe(a), 'role name field');
    const sentBefore = a.sent.length;
    await a.keyboard.type('Bad Name!');
    assert.equal(await pressAndHearField(a, 'Enter'), 'Role name may include lowercase letters, numbers, underscores, and dashes only.');
    await a.keyboard.press('Control+A');
    await a.keyboard.type('x'.repeat(33));
    assert.equal(await pressAndHearField(a, 'Enter'), 'Role name must be 32 characters or fewer.');
    await a.keyboard.press('Control+A');
    await a.keyboard.type('admin');
    assert.equal(await pressAndHearField(a, 'Enter'), 'Role already exists.');
    assert.equal(a.sent.slice(sentBefore).filter((x) => x.type === 'admin_role_create').length, 0, 'nothing sent for a bad name');
    const role = uniqueName('r').toLowerCase();
    await a.keyboard.press('Control+A');
    // Upper case is taken as the server takes it: lower-cased.
    await a.keyboard.type(role.toUpperCase());
    from = await mark(a);
    await press(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Creating role ${role}\\.\\.\\.`), { from });
    await waitForAnnouncement(a, new RegExp(`Created role ${role}\\.`), { from });
    await waitForAnnouncement(a, new RegExp(`Roles\\. ${role}, 0 users`), { from });
    assert.deepEqual(await waitSent(a, (x) => x.type === 'admin_role_create'), { type: 'admin_role_create', name: role });
    assert.equal((await focused(a)).id, 'gameSurface');

    // Its permissions: every key the server knows, sorted, all off; Space reads the server's tooltip.
    assert.equal(await keyAndHear(a, 'Enter'), `${role} permissions. ${[...roles.permissionKeys].sort()[0]}: off`);
    m = await menu(a);
    assert.deepEqual(m.texts.slice(0, -1), [...roles.permissionKeys].sort().map((k) => `${k}: off`));
    assert.equal(m.texts.at(-1), `Delete role ${role}`);
    assert.equal(await keyAndHear(a, 'Space'), roles.permissionTooltips[[...roles.permissionKeys].sort()[0]]);
    noViolations(await axe(a), 'permissions');
    assert.equal(await keyAndHear(a, 'KeyC'), 'chat.send: off', 'a letter jumps to the first key starting with it');
    assert.equal(await keyAndHear(a, 'Space'), roles.permissionTooltips['chat.send']);
    from = await mark(a);
    let sentFrom = a.sent.length;
    await key(a, 'Enter');
    await waitForAnnouncement(a, /^chat\.send: on\b/, { from });
    await waitForAnnouncement(a, new RegExp(`Updated permissions for ${role}\\.`), { from });
    assert.deepEqual(await waitSent(a, (x) => x.type === 'admin_role_update_permissions', 'update', sentFrom),
      { type: 'admin_role_update_permissions', role, permissions: ['chat.send'] });

    // Back to the roles, then the admin menu.
    assert.equal(await keyAndHear(a, 'Escape'), `Roles. ${role}, 0 users`);
    assert.equal(await keyAndHear(a, 'Escape'), `Admin. ${offered[0].label}`);

    // Change user role: the users with role and state, then the roles, starting on the current one.
    while ((await menu(a)).value !== 'change_user_role') await keyAndHear(a, 'ArrowDown');
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /Change role\. /, { from });
    noViolations(await axe(a), 'users');
    await moveTo(a, un);
    assert.equal((await menu(a)).text, `${un}, user, active.`);
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`Select new role for ${un}\\. user$`), { from });
    noViolations(await axe(a), 'role chooser');
    await moveTo(a, role);
    const fromU = await mark(u);
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Set role for ${un} to ${role}\\.$`), { from });
    // The user hears it at once: the new role and what it took away.
    const heard = await waitForAnnouncement(u, /^Your role is now /, { from: fromU });
    assert.match(heard, new RegExp(`^Your role is now ${role}\\. Your permissions changed: lost [a-z_., ]*item\\.create`));
    assert.match(heard, /Voice send permission revoked/);
    m = await menu(a);
    assert.equal(m.name, 'adminUsers', 'back on the user list');
    assert.equal(m.text, `${un}, ${role}, active.`, 'the row shows the new role');
    assert.equal(await keyAndHear(a, 'Escape'), /** @type {any} */ (`Admin. ${offered.find((x) => x.id === 'change_user_role').label}`));

    // A permission toggled on the role: its member is told at once.
    while ((await menu(a)).value !== 'manage_roles') await keyAndHear(a, 'ArrowUp');
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /Roles\. /, { from });
    await moveTo(a, role);
    assert.match(await keyAndHear(a, 'Enter'), new RegExp(`^${role} permissions\\. `));
    await moveTo(a, 'item.use');
    const fromU2 = await mark(u);
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /^item\.use: on\b/, { from });
    assert.equal(await waitForAnnouncement(u, /^Your permissions changed/, { from: fromU2 }), 'Your permissions changed: gained item.use.');
    // The admin role cannot be deleted; this one goes, its user moved to user.
    await keyAndHear(a, 'End');
    assert.equal((await menu(a)).text, `Delete role ${role}`);
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Delete role ${role}\\. Move its users to\\. user, \\d+ users?$`), { from });
    noViolations(await axe(a), 'replacement role');
    const fromU3 = await mark(u);
    from = await mark(a);
    sentFrom = a.sent.length;
    await key(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^Deleting ${role}\\.\\.\\.`), { from });
    await waitForAnnouncement(a, new RegExp(`Deleted role ${role}; reassigned 1 users to user\\.`), { from });
    assert.deepEqual(await waitSent(a, (x) => x.type === 'admin_role_delete', 'delete', sentFrom), { type: 'admin_role_delete', role, replacementRole: 'user' });
    assert.match(await waitForAnnouncement(u, /^Your role is now user\./, { from: fromU3 }), /Voice send permission granted\./);
    await waitForAnnouncement(a, /Roles\. /, { from });
    m = await menu(a);
    assert.ok(!m.texts.some((t) => t.startsWith(`${role},`)), 'the role left the list');
    await moveTo(a, 'admin');
    await keyAndHear(a, 'Enter');
    await keyAndHear(a, 'End');
    assert.equal(await keyAndHear(a, 'Enter'), 'Admin and user roles cannot be deleted.');
    await keyAndHear(a, 'Escape');
    await keyAndHear(a, 'Escape');
    assert.equal(await keyAndHear(a, 'Escape'), 'Cancelled.');
    assert.equal((await menu(a)).mode, 'normal');
  } finally {
    await closeAll(browser);
  }
});

test('an admin screen closes, saying why, when its action is taken away; a failure is said with the cancel tone', { timeout: 240000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser, { init: toneRecorder });
    await login(a, ADMIN.username, ADMIN.password);
    const m = await newPage(browser, { init: toneRecorder });
    const mn = uniqueName('am');
    await register(m, mn);
    // Setup (not under test): a moderator role with role management and kick.
    const role = uniqueName('mod').toLowerCase();
    const t0 = await a.evaluate(() => Date.now());
    await a.evaluate((r) => window.__chatgrid.send({ type: 'admin_role_create', name: r }), role);
    await waitForAnnouncement(a, new RegExp(`Created role ${role}\\.`));
    // A success comes with the confirm tone (a sine at 880 Hz), never the cancel buzz.
    await a.waitForFunction((t) => window.__tones.some((x) => x.t >= t && x.type === 'sine' && x.freq === 880), t0, { timeout: budget(5000) });
    assert.ok(!(await tonesSince(a, t0)).includes('sawtooth 440'), 'no cancel tone for a success');
    await a.evaluate((r) => window.__chatgrid.send({ type: 'admin_role_update_permissions', role: r, permissions: ['role.manage', 'user.kick'] }), role);
    await waitForAnnouncement(a, new RegExp(`Updated permissions for ${role}\\.`));
    let fromM = await mark(m);
    await a.evaluate(([u, r]) => window.__chatgrid.send({ type: 'admin_user_set_role', username: u, role: r }), [mn, role]);
    await waitForAnnouncement(m, new RegExp(`^Your role is now ${role}\\.`), { from: fromM });

    // The moderator's menu follows the new actions at once.
    assert.equal(await keyAndHear(m, 'Shift+KeyZ'), 'Admin. Role management');
    assert.deepEqual((await menu(m)).texts, ['Role management', 'Kick user']);
    // Kick without the right to list users: the name is typed.
    await keyAndHear(m, 'ArrowDown');
    await key(m, 'Enter');
    await m.waitForFunction(() => document.activeElement && document.activeElement.id === 'entryInput');
    assert.equal((await focused(m)).label, 'Kick user: username');
    await m.keyboard.type('nobody-here');
    const from = await mark(m);
    const t1 = await m.evaluate(() => Date.now());
    await press(m, 'Enter');
    assert.equal(await waitForAnnouncement(m, /not connected/, { from }), 'nobody-here is not connected.');
    // A failure comes with the cancel buzz (a sawtooth at 440 Hz).
    await m.waitForFunction((t) => window.__tones.some((x) => x.t >= t && x.type === 'sawtooth' && x.freq === 440), t1, { timeout: budget(5000) });
    assert.equal((await focused(m)).id, 'gameSurface', 'the field closed, focus on the grid');
    assert.deepEqual(await waitSent(m, (x) => x.type === 'admin_user_kick', 'kick'), { type: 'admin_user_kick', username: 'nobody-here' });
    assert.equal((await menu(m)).name, 'admin', 'back on the admin menu');

    // Role management open; the admin takes role.manage away.
    await keyAndHear(m, 'ArrowUp');
    fromM = await mark(m);
    await key(m, 'Enter');
    await waitForAnnouncement(m, /Roles\. /, { from: fromM });
    fromM = await mark(m);
    await a.evaluate((r) => window.__chatgrid.send({ type: 'admin_role_update_permissions', role: r, permissions: ['user.kick'] }), role);
    // One message: what changed, then why the screen closed.
    assert.equal(await waitForAnnouncement(m, /no longer available/, { from: fromM }),
      'Your permissions changed: lost role.manage. Role management is no longer available to you.');
    assert.equal((await menu(m)).mode, 'normal');
    assert.equal(await keyAndHear(m, 'Shift+KeyZ'), 'Admin. Kick user');
    // And with nothing left, the open admin menu closes too.
    fromM = await mark(m);
    await a.evaluate(([u]) => window.__chatgrid.send({ type: 'admin_user_set_role', username: u, role: 'user' }), [mn]);
    assert.match(await waitForAnnouncement(m, /No admin actions available\./, { from: fromM }), /^Your role is now user\. .*lost user\.kick.* No admin actions available\.$/);
    assert.equal((await menu(m)).mode, 'normal');
    assert.equal(await keyAndHear(m, 'Shift+KeyZ'), 'No admin actions available.');
    await a.evaluate((r) => window.__chatgrid.send({ type: 'admin_role_delete', role: r, replacementRole: 'user' }), role);
  } finally {
    await closeAll(browser);
  }
});
