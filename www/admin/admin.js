/**
 * The admin tools (Shift+Z; docs/controls.md, "Admin"): a menu of exactly the
 * actions the server lists for this account (welcome.uiDefinitions.adminMenu,
 * auth_result and auth_permissions adminMenuActions), and behind them role
 * management (permissions, add, delete with a replacement), a user's role,
 * ban, unban, kick, timed voice and chat mutes and account deletion after a
 * yes (docs/protocol.md §5). Every list is the shared menu control
 * (input/menu.js); typed values use the entry field (ui/entry.js) in the
 * 'adminEntry' mode, whose keys modes.js hands to adminEntryKey. The
 * server's answers come back through world/handlers.js: adminRolesList,
 * adminUsersList, adminActionResult, and adminActionsChanged when the
 * account's permissions change.
 */
import { state, hasPermission } from '../state.js';
import { send } from '../services.js';
import { say, tone } from '../feedback.js';
import { openMenu, closeMenu, confirm, currentMenu, entryText } from '../input/menu.js';
import { openEntry, closeEntry, entryValue, markEntryInvalid } from '../ui/entry.js';
import { focusSurface } from '../ui/dom.js';
import { plural } from '../text.js';

/**
 * @typedef {import('../input/menu.js').Menu} Menu
 * @typedef {import('../input/menu.js').MenuEntry} MenuEntry
 * @typedef {{ id: string, label: string, tooltip?: string }} AdminAction
 * @typedef {{ name: string, userCount: number, permissions: string[], isSystem: boolean }} Role
 * @typedef {{ id: string, username: string, role: string, status: string }} User
 */

/** The server's longest role name (core/lib/perm.c). */
export const ROLE_NAME_MAX = 32;
/** The longest mute the server takes, in minutes (a week). */
export const MUTE_MAX_MINUTES = 10080;
/** Mute lengths offered before "Other". */
const MUTE_CHOICES = [5, 15, 60, 1440];
/** Roles the server never deletes. */
const PROTECTED_ROLES = new Set(['admin', 'user']);
/** Permissions that let the account read the user list (core/chatgridd/admin/proto-admin.c). */
const LIST_PERMISSIONS = ['user.change_role', 'user.ban_unban', 'account.delete.any'];

/** The users list each action asks the server for, and what Enter on a user does. */
const USER_ACTIONS = /** @type {Record<string, { list: string | null, title: string }>} */ ({
  change_user_role: { list: 'set_role', title: 'Change role' },
  ban_user: { list: 'ban', title: 'Ban user' },
  unban_user: { list: 'unban', title: 'Unban user' },
  delete_account: { list: 'delete_account', title: 'Delete account' },
  kick_user: { list: null, title: 'Kick user' },
  mute_user: { list: null, title: 'Mute user' },
});

/**
 * The data the admin screens show, as the server last sent it.
 * @type {{ roles: Role[], keys: string[], tips: Record<string, string>, users: User[] }}
 */
const data = { roles: [], keys: [], tips: {}, users: [] };

/**
 * A list asked for and not yet answered, and the screen it is for: an
 * answer that comes after the user moved on is dropped.
 * @type {{ kind: 'roles' | 'users', menu: Menu | null, then: () => void } | null}
 */
let pending = null;

/**
 * The change just asked for, so its answer can update the lists.
 * @type {{ action: string, role?: string, perm?: string, before?: string[], username?: string, menu: Menu | null } | null}
 */
let lastChange = null;

/**
 * @typedef {{ label: string, hint: string, maxLength: number, inputMode?: 'text'|'decimal' }} FieldOptions
 * @typedef {(text: string) => string | (() => void)} Submit
 *   what Enter does with the text: an error to say (the field stays), or
 *   what to do once the field has closed
 */

/**
 * The open text field, and where Escape goes.
 * @type {{ action: string, o: FieldOptions, submit: Submit, back: () => void } | null}
 */
let entry = null;

/** The actions the account may use, as the server listed them. @returns {AdminAction[]} */
export function adminActions() {
  return state.adminMenuActions.slice();
}

/** @param {string} id */
function actionLabel(id) {
  const a = state.adminMenuActions.find((x) => x.id === id);
  return a ? a.label : id;
}

/** @param {string} id */
function mayUse(id) {
  return state.adminMenuActions.some((a) => a.id === id);
}

/** @param {unknown} list @returns {AdminAction[]} */
function cleanActions(list) {
  return (Array.isArray(list) ? list : [])
    .filter((a) => a && typeof a.id === 'string' && typeof a.label === 'string')
    .map((a) => ({ id: a.id, label: a.label, tooltip: typeof a.tooltip === 'string' ? a.tooltip : '' }));
}

/** Put a menu back on screen, saying "<title>. <entry>" (or nothing). @param {Menu} m @param {string} [title] */
function resume(m, title) {
  state.modeState.menu = m;
  state.mode = 'menu';
  if (title !== undefined) say(`${title}. ${entryText(m.entries[m.index])}`, 'blip');
}

/** Mark the menu just opened elsewhere (the shared yes/no) as a screen of an admin action. @param {string} id */
function markAdmin(id) {
  const m = currentMenu();
  if (m) m.data = { ...(m.data || {}), action: id, adminScreen: true };
}

/** Whether an admin screen (menu or field) is open. */
function adminOpen() {
  const m = currentMenu();
  return (!!m && (m.name.startsWith('admin') || !!(m.data && m.data.adminScreen))) || state.mode === 'adminEntry';
}

/** Close whatever admin screen is open (no words: the caller says why). */
function closeAdmin() {
  if (state.mode === 'adminEntry') {
    entry = null;
    focusSurface();
    closeEntry();
  }
  state.mode = 'normal';
  state.modeState.menu = null;
  pending = null;
}

// --- the admin menu ---

/** @param {number} [index] */
function adminMenu(index = 0) {
  const actions = adminActions();
  openMenu('Admin', {
    name: 'admin',
    index,
    entries: actions.map((a) => ({ label: a.label, help: a.tooltip || 'No tooltip available.', value: a.id })),
    data: { action: '' },
    hint: 'Admin: Up and Down choose, Space describes, Enter opens, Escape closes.',
    select: (e, m) => startAction(e.value, m),
  });
}

/** Shift+Z: the admin menu, or a refusal when the account has no admin actions. */
export function openAdminMenu() {
  if (!state.adminMenuActions.length) {
    say('No admin actions available.', 'cancel');
    return;
  }
  adminMenu();
}

/** Escape from an action's first screen: back to the admin menu. @param {Menu} menu */
function backToAdmin(menu) {
  if (!state.adminMenuActions.length) {
    closeAdmin();
    say('Cancelled.', 'cancel');
    return;
  }
  const i = Math.min(menu.index, state.adminMenuActions.length - 1);
  menu.entries = adminActions().map((a) => ({ label: a.label, help: a.tooltip || 'No tooltip available.', value: a.id }));
  menu.index = i;
  resume(menu, 'Admin');
}

/** @param {string} id @param {Menu} menu the admin menu */
function startAction(id, menu) {
  if (id === 'manage_roles') {
    requestRoles(menu, () => rolesMenu(menu));
    say('Loading roles...');
    return;
  }
  const ua = USER_ACTIONS[id];
  if (!ua) {
    say(`${actionLabel(id)} is not available in this client.`, 'cancel');
    return;
  }
  if (ua.list === null && !LIST_PERMISSIONS.some(hasPermission)) {
    // Kick and mute without the right to list users: the name is typed.
    usernameEntry(id, menu);
    return;
  }
  pending = { kind: 'users', menu, then: () => usersMenu(id, menu) };
  send(ua.list ? { type: 'admin_users_list', action: ua.list } : { type: 'admin_users_list' });
  say('Loading users...');
}

/** @param {Menu | null} menu @param {() => void} then */
function requestRoles(menu, then) {
  pending = { kind: 'roles', menu, then };
  send({ type: 'admin_roles_list' });
}

// --- roles ---

/** @param {Role} r */
function roleRow(r) {
  return `${r.name}, ${r.userCount} ${plural(r.userCount, 'user', 'users')}`;
}

/** @param {string} name */
function findRole(name) {
  return data.roles.find((r) => r.name === name) || null;
}

/** The role list: "<name>, <n> users" by name, then Add role. @param {Menu} admin @param {string} [at] the role to start on */
function rolesMenu(admin, at) {
  /** @type {MenuEntry[]} */
  const entries = data.roles.map((r) => ({ label: r.name, text: roleRow(r), value: r.name }));
  entries.push({ label: 'Add role', help: 'Create a new role, with no permissions.', value: null });
  const index = at ? Math.max(0, entries.findIndex((e) => e.value === at)) : 0;
  openMenu(data.roles.length ? 'Roles' : 'Roles. No roles found', {
    name: 'adminRoles',
    index,
    entries,
    data: { action: 'manage_roles', admin },
    hint: 'Roles: Up and Down choose, Enter opens its permissions, Escape goes back.',
    select: (e, m) => {
      if (e.value === null) roleNameEntry(m);
      else permissionsMenu(e.value, m);
    },
    cancel: () => backToAdmin(admin),
  });
}

/** @param {Role} role @param {string} key */
function permLine(role, key) {
  return `${key}: ${role.permissions.includes(key) ? 'on' : 'off'}`;
}

/** A role's permissions, every key the server knows, sorted; then Delete role. @param {string} name @param {Menu} roles */
function permissionsMenu(name, roles, index = 0) {
  const role = findRole(name);
  if (!role) {
    say('Role not found.', 'cancel');
    return;
  }
  /** @type {MenuEntry[]} */
  const entries = data.keys.map((k) => ({ label: k, text: permLine(role, k), help: data.tips[k] || 'No tooltip available.', value: k }));
  entries.push({ label: `Delete role ${name}`, help: 'Delete the current role and reassign affected users.', value: null });
  openMenu(`${name} permissions`, {
    name: 'adminPermissions',
    index,
    entries,
    data: { action: 'manage_roles', role: name, rolesMenu: roles },
    hint: 'Permissions: Up and Down choose, Space describes, Enter turns it on or off, Escape goes back to the roles.',
    select: (e, m) => {
      const r = findRole(name);
      if (!r) {
        say('Role not found.', 'cancel');
        return;
      }
      if (e.value === null) {
        deleteRole(r, m);
        return;
      }
      if (r.name === 'admin') {
        say('Admin role permissions are locked on.', 'cancel');
        return;
      }
      const before = r.permissions.slice();
      const on = !before.includes(e.value);
      r.permissions = (on ? [...before, e.value] : before.filter((k) => k !== e.value)).sort();
      e.text = permLine(r, e.value);
      lastChange = { action: 'role_update_permissions', role: r.name, perm: e.value, before, menu: m };
      send({ type: 'admin_role_update_permissions', role: r.name, permissions: r.permissions });
      say(e.text, 'blip');
    },
    cancel: () => {
      const i = roles.entries.findIndex((x) => x.value === name);
      if (i >= 0) roles.index = i;
      resume(roles, 'Roles');
    },
  });
}

/** Delete role: choose who its users become. @param {Role} role @param {Menu} perms */
function deleteRole(role, perms) {
  if (PROTECTED_ROLES.has(role.name)) {
    say('Admin and user roles cannot be deleted.', 'cancel');
    return;
  }
  const others = data.roles.filter((r) => r.name !== role.name);
  if (!others.length) {
    say('No replacement role available.', 'cancel');
    return;
  }
  const at = Math.max(0, others.findIndex((r) => r.name === 'user'));
  openMenu(`Delete role ${role.name}. Move its users to`, {
    name: 'adminReplacement',
    index: at,
    entries: others.map((r) => ({ label: r.name, text: roleRow(r), value: r.name })),
    data: { action: 'manage_roles' },
    hint: 'Replacement role: Up and Down choose, Enter deletes the role and moves its users there, Escape goes back.',
    select: (e) => {
      const roles = perms.data.rolesMenu;
      lastChange = { action: 'role_delete', role: role.name, menu: roles };
      send({ type: 'admin_role_delete', role: role.name, replacementRole: e.value });
      resume(roles);
      say(`Deleting ${role.name}...`);
    },
    cancel: () => resume(perms, `${role.name} permissions`),
  });
}

/**
 * A role name as the server will take it: trimmed, lower-cased, then its
 * rules (core/lib/perm.c perm_role_name_error).
 * @param {string} raw @returns {{ name: string, error: string | null }}
 */
export function checkRoleName(raw) {
  const name = raw.trim().toLowerCase();
  if (!name) return { name, error: 'Role name is required.' };
  if ([...name].length > ROLE_NAME_MAX) return { name, error: `Role name must be ${ROLE_NAME_MAX} characters or fewer.` };
  if (!/^[a-z0-9_-]+$/.test(name)) return { name, error: 'Role name may include lowercase letters, numbers, underscores, and dashes only.' };
  return { name, error: null };
}

/** @param {Menu} roles */
function roleNameEntry(roles) {
  openField('manage_roles', {
    label: 'New role name',
    hint: `Lower-case letters, digits, underscores and dashes, up to ${ROLE_NAME_MAX}. Enter creates the role, Escape goes back.`,
    maxLength: ROLE_NAME_MAX + 8,
  }, (text) => {
    const { name, error } = checkRoleName(text);
    if (error) return error;
    if (findRole(name)) return 'Role already exists.';
    return () => {
      lastChange = { action: 'role_create', role: name, menu: roles };
      send({ type: 'admin_role_create', name });
      resume(roles);
      say(`Creating role ${name}...`);
    };
  }, () => resume(roles, 'Cancelled. Roles'));
}

// --- users ---

/** @param {User} u */
function userRow(u) {
  return `${u.username}, ${u.role}, ${u.status === 'active' ? 'active' : 'disabled'}.`;
}

/** The users the action works on, by name. @param {string} id */
function usersFor(id) {
  const list = data.users.slice().sort((a, b) => a.username.localeCompare(b.username));
  // Kick and mute reach accounts that can log in; nobody acts on themselves.
  if (id === 'kick_user' || id === 'mute_user') return list.filter((u) => u.status === 'active' && u.username !== state.username);
  return list;
}

/** @param {string} id @param {Menu} admin @param {string} [at] */
function usersMenu(id, admin, at) {
  const users = usersFor(id);
  if (!users.length) {
    resume(admin);
    say('No users available.', 'cancel');
    return;
  }
  const index = at ? Math.max(0, users.findIndex((u) => u.username === at)) : 0;
  openMenu(USER_ACTIONS[id].title, {
    name: 'adminUsers',
    index,
    entries: users.map((u) => ({ label: u.username, text: userRow(u), value: u.username })),
    data: { action: id, admin },
    hint: `${USER_ACTIONS[id].title}: Up and Down choose a user, Enter picks, Escape goes back.`,
    select: (e, m) => userChosen(id, e.value, m),
    cancel: () => backToAdmin(admin),
  });
}

/** @param {string} id @param {string} username @param {Menu} users */
function userChosen(id, username, users) {
  const title = USER_ACTIONS[id].title;
  switch (id) {
    case 'change_user_role':
      requestRoles(users, () => roleChooser(username, users));
      say('Loading roles...');
      return;
    case 'ban_user':
      change({ action: 'user_ban', username, menu: users }, { type: 'admin_user_ban', username });
      return;
    case 'unban_user':
      change({ action: 'user_unban', username, menu: users }, { type: 'admin_user_unban', username });
      return;
    case 'kick_user':
      change({ action: 'user_kick', username, menu: users }, { type: 'admin_user_kick', username });
      return;
    case 'delete_account':
      confirm(`Delete account ${username}?`, () => {
        change({ action: 'user_delete', username, menu: users }, { type: 'admin_user_delete', username });
        resume(users);
        say(`Deleting account ${username}...`);
      }, () => resume(users, title));
      // The yes/no is an admin screen too: it closes if the action is taken away.
      markAdmin(id);
      return;
    case 'mute_user':
      muteTargetMenu(username, () => resume(users, title), users);
      return;
    default:
      say(`${actionLabel(id)} is not available in this client.`, 'cancel');
  }
}

/** @param {NonNullable<typeof lastChange>} c @param {Record<string, any>} msg */
function change(c, msg) {
  lastChange = c;
  send(msg);
}

/** A user's new role, starting on the current one. @param {string} username @param {Menu} users */
function roleChooser(username, users) {
  const user = data.users.find((u) => u.username === username);
  const roles = data.roles.slice().sort((a, b) => a.name.localeCompare(b.name));
  if (!roles.length) {
    resume(users);
    say('No roles found.', 'cancel');
    return;
  }
  const at = user ? Math.max(0, roles.findIndex((r) => r.name === user.role)) : 0;
  openMenu(`Select new role for ${username}`, {
    name: 'adminUserRole',
    index: at,
    entries: roles.map((r) => ({ label: r.name, value: r.name })),
    data: { action: 'change_user_role' },
    hint: 'New role: Up and Down choose, Enter sets it, Escape goes back.',
    select: (e) => {
      change({ action: 'user_set_role', username, role: e.value, menu: users }, { type: 'admin_user_set_role', username, role: e.value });
      resume(users);
    },
    cancel: () => resume(users, 'Change role'),
  });
}

/** Voice or chat. @param {string} username @param {() => void} back @param {Menu | null} users */
function muteTargetMenu(username, back, users) {
  openMenu(`Mute ${username}`, {
    name: 'adminMuteTarget',
    entries: [
      { label: 'Voice', help: 'Their microphone is silenced for the time chosen.', value: 'voice' },
      { label: 'Chat', help: 'Their chat messages are refused for the time chosen.', value: 'chat' },
    ],
    data: { action: 'mute_user' },
    hint: 'Mute: Up and Down choose voice or chat, Enter picks, Escape goes back.',
    select: (e, m) => minutesMenu(username, e.value, m, users),
    cancel: back,
  });
}

/** How long. @param {string} username @param {string} target @param {Menu} targetMenu @param {Menu | null} users */
function minutesMenu(username, target, targetMenu, users) {
  /** @param {number} n */
  const words = (n) => (n % 1440 === 0 ? `${n / 1440} ${plural(n / 1440, 'day', 'days')}` : n % 60 === 0 ? `${n / 60} ${plural(n / 60, 'hour', 'hours')}` : `${n} minutes`);
  /** @type {MenuEntry[]} */
  const entries = MUTE_CHOICES.map((n) => ({ label: words(n), value: n }));
  entries.push({ label: 'Other number of minutes', help: `Type a number of minutes, 1 to ${MUTE_MAX_MINUTES}.`, value: -1 });
  entries.push({ label: 'Unmute', help: `Lift a ${target} mute now.`, value: 0 });
  const back = () => resume(targetMenu, `Mute ${username}`);
  const done = (/** @type {number} */ minutes) => {
    change({ action: 'user_mute', username, menu: users }, { type: 'admin_user_mute', username, target, minutes });
    if (users) resume(users);
    else closeMenu();
  };
  openMenu(`Mute ${target} for`, {
    name: 'adminMuteMinutes',
    entries,
    data: { action: 'mute_user' },
    hint: 'Mute length: Up and Down choose, Enter mutes, Escape goes back.',
    select: (e, m) => {
      if (e.value !== -1) {
        done(e.value);
        return;
      }
      openField('mute_user', { label: `Minutes to mute ${username}'s ${target}`, hint: `A whole number from 1 to ${MUTE_MAX_MINUTES}. Enter mutes, Escape goes back.`, maxLength: 5, inputMode: 'decimal' }, (text) => {
        const t = text.trim();
        const n = Number(t);
        if (!/^\d+$/.test(t) || n < 1 || n > MUTE_MAX_MINUTES) return `Minutes must be a whole number from 1 to ${MUTE_MAX_MINUTES}.`;
        return () => done(n);
      }, () => resume(m, `Cancelled. Mute ${target} for`));
    },
    cancel: back,
  });
}

/** Kick or mute typed by name (no right to list users). @param {string} id @param {Menu} admin */
function usernameEntry(id, admin) {
  openField(id, { label: `${USER_ACTIONS[id].title}: username`, hint: 'Type the account\'s username. Enter goes on, Escape goes back.', maxLength: 128 }, (text) => {
    const username = text.trim().toLowerCase();
    if (!username) return 'Username required.';
    return () => {
      if (id === 'kick_user') {
        change({ action: 'user_kick', username, menu: admin }, { type: 'admin_user_kick', username });
        resume(admin);
      } else muteTargetMenu(username, () => resume(admin, 'Admin'), null);
    };
  }, () => resume(admin, 'Cancelled. Admin'));
}

// --- the text field ---

/**
 * @param {string} action the admin action it belongs to
 * @param {FieldOptions} o @param {Submit} submit @param {() => void} back
 */
function openField(action, o, submit, back) {
  entry = { action, o, submit, back };
  state.mode = 'adminEntry';
  state.modeState.menu = null;
  openEntry({ ...o, value: '' });
  tone('blip');
}

/** Leave the field for the grid, focus first. */
function leaveField() {
  entry = null;
  focusSurface();
  closeEntry();
  state.mode = 'normal';
}

/**
 * A key in the admin text field.
 * @param {import('../input/keys.js').KeyPress} k
 * @returns {boolean} handled
 */
export function adminEntryKey(k) {
  if (!entry) return false;
  const e = entry;
  if (k.code === 'Enter') {
    const r = e.submit(entryValue());
    if (typeof r === 'string') {
      // The field stays, with the text, and the reason is said.
      markEntryInvalid(true);
      say(r, 'cancel');
      return true;
    }
    leaveField();
    r();
    return true;
  }
  if (k.code === 'Escape') {
    leaveField();
    e.back();
    return true;
  }
  return false;
}

/** Focus left the admin field: it is cancelled (modes.js says so). */
export function adminEntryLeft() {
  entry = null;
}

/** Disconnect: forget every admin screen and request. */
export function resetAdmin() {
  entry = null;
  pending = null;
  lastChange = null;
  data.roles = [];
  data.users = [];
}

// --- the server's answers ---

/** @param {any} msg admin_roles_list */
export function adminRolesList(msg) {
  const roles = Array.isArray(msg.roles) ? msg.roles : [];
  data.roles = roles.filter((r) => r && typeof r.name === 'string').map((r) => ({
    name: r.name,
    userCount: Number.isInteger(r.userCount) ? r.userCount : 0,
    isSystem: !!r.isSystem,
    permissions: (Array.isArray(r.permissions) ? r.permissions : []).filter((p) => typeof p === 'string').sort(),
  })).sort((a, b) => a.name.localeCompare(b.name));
  const keys = Array.isArray(msg.permissionKeys) ? msg.permissionKeys.filter((k) => typeof k === 'string') : [];
  data.keys = keys.sort();
  data.tips = msg.permissionTooltips && typeof msg.permissionTooltips === 'object' ? msg.permissionTooltips : {};
  const p = pending;
  if (!p || p.kind !== 'roles') return;
  pending = null;
  if (p.menu && currentMenu() !== p.menu) return;
  p.then();
}

/** @param {any} msg admin_users_list */
export function adminUsersList(msg) {
  const users = Array.isArray(msg.users) ? msg.users : [];
  data.users = users.filter((u) => u && typeof u.username === 'string').map((u) => ({
    id: String(u.id ?? ''),
    username: u.username,
    role: typeof u.role === 'string' ? u.role : '',
    status: typeof u.status === 'string' ? u.status : '',
  }));
  const p = pending;
  if (!p || p.kind !== 'users') return;
  pending = null;
  if (p.menu && currentMenu() !== p.menu) return;
  p.then();
}

/**
 * admin_action_result: said, failures with the cancel tone; a success
 * brings the open lists up to date.
 * @param {any} msg
 */
export function adminActionResult(msg) {
  const text = typeof msg.message === 'string' ? msg.message : '';
  const c = lastChange && lastChange.action === msg.action ? lastChange : null;
  if (c) lastChange = null;
  // A list request refused: nothing to open.
  if (!msg.ok && pending) pending = null;
  if (text) say(text, msg.ok ? 'confirm' : 'cancel');
  else tone(msg.ok ? 'confirm' : 'cancel');
  if (!c) return;
  const open = c.menu && currentMenu() === c.menu ? c.menu : null;
  if (!msg.ok) {
    if (c.action === 'role_update_permissions' && c.role && c.before) {
      const r = findRole(c.role);
      if (r) r.permissions = c.before;
      const m = currentMenu();
      if (m && m.name === 'adminPermissions' && m.data.role === c.role) {
        for (const e of m.entries) if (r && typeof e.value === 'string') e.text = permLine(r, e.value);
      }
    }
    return;
  }
  switch (c.action) {
    case 'role_create':
    case 'role_delete':
      if (open) {
        const keep = open.entries[open.index] ? open.entries[open.index].value : null;
        const at = c.action === 'role_create' ? c.role : keep || undefined;
        requestRoles(open, () => rolesMenu(open.data.admin, at));
      }
      return;
    case 'user_set_role': {
      const u = data.users.find((x) => x.username === c.username);
      if (u && c.role) u.role = c.role;
      if (open && c.username) refreshUsers(open, c.username);
      return;
    }
    case 'user_ban':
    case 'user_unban':
    case 'user_delete':
      data.users = data.users.filter((x) => x.username !== c.username);
      if (open) refreshUsers(open);
      return;
    default:
  }
}

/** The open user list after a change. @param {Menu} users @param {string} [at] */
function refreshUsers(users, at) {
  const id = users.data.action;
  const list = usersFor(id);
  if (!list.length) {
    const admin = users.data.admin;
    if (admin) resume(admin);
    else closeAdmin();
    return;
  }
  const cur = at || (users.entries[users.index] ? users.entries[users.index].value : '');
  users.entries = list.map((u) => ({ label: u.username, text: userRow(u), value: u.username }));
  const i = users.entries.findIndex((e) => e.value === cur);
  users.index = i >= 0 ? i : Math.min(users.index, users.entries.length - 1);
}

/**
 * The account's admin actions changed (auth_permissions): the menu shows
 * the new list, and a screen whose action went away closes, saying why.
 * @param {unknown} list adminMenuActions
 */
export function adminActionsChanged(list) {
  const before = state.adminMenuActions;
  state.adminMenuActions = cleanActions(list);
  if (!adminOpen()) return;
  const m = currentMenu();
  const action = state.mode === 'adminEntry' ? (entry ? entry.action : '') : (m && m.data ? m.data.action : '');
  if (action && !mayUse(action)) {
    const label = (before.find((a) => a.id === action) || { label: action }).label;
    closeAdmin();
    say(`${label} is no longer available to you.`, 'cancel');
    return;
  }
  if (m && m.name === 'admin') {
    if (!state.adminMenuActions.length) {
      closeAdmin();
      say('No admin actions available.', 'cancel');
      return;
    }
    const cur = m.entries[m.index] ? m.entries[m.index].value : '';
    m.entries = adminActions().map((a) => ({ label: a.label, help: a.tooltip || 'No tooltip available.', value: a.id }));
    const i = m.entries.findIndex((e) => e.value === cur);
    m.index = i >= 0 ? i : 0;
  }
}

/** Set the actions from a welcome or auth_result without announcing. @param {unknown} list */
export function setAdminActions(list) {
  state.adminMenuActions = cleanActions(list);
}
