/**
 * The item keys of normal mode (docs/controls.md, "Items"): add, locate,
 * list, use, pick up and drop, delete, edit, inspect, manage. Which items a
 * key reaches comes from their capabilities; the menus are the shared list
 * control (input/menu.js); the server's answers come back as
 * item_action_result and are said by world/handlers.js.
 */
import { state, hasPermission } from '../state.js';
import { send, engine } from '../services.js';
import { say } from '../feedback.js';
import { openMenu, closeMenu, confirm, entryText } from '../input/menu.js';
import { itemTypeOrder, itemTypeLabel, itemTypeTooltip, itemLabel, itemCan, manageActions } from './registry.js';
import { openProperties } from './editor.js';
import { carriedItem, groundItemsByDistance } from '../world/items.js';
import { itemsAt } from '../world/tile.js';
import { startTeleport } from '../world/movement.js';
import { distancePhrase, plural } from '../text.js';
import { TONES } from '../audio/sounds.js';
import { HEARING_RADIUS } from '../constants.js';

/** @typedef {import('../input/menu.js').Menu} Menu */

/** The locate tone from a place, when it is within hearing. @param {number} x @param {number} y */
export function locateTone(x, y) {
  const [freq, seconds, type, gain] = TONES.locate;
  engine.tone(/** @type {number} */ (freq), /** @type {number} */ (seconds), /** @type {OscillatorType} */ (type), /** @type {number} */ (gain),
    { dx: x - state.x, dy: y - state.y, range: HEARING_RADIUS });
}

/** "<label>, <distance phrase>, x, y" @param {any} item */
function describeItem(item) {
  return `${itemLabel(item)}, ${distancePhrase(item.x - state.x, item.y - state.y)}, ${item.x}, ${item.y}`;
}

/** A: the add-item menu, the server's types in its order. */
function openAddMenu() {
  const types = itemTypeOrder();
  if (!types.length) {
    say('No item types available.', 'cancel');
    return;
  }
  openMenu('Add item', {
    name: 'addItem',
    entries: types.map((t) => ({ label: itemTypeLabel(t), help: itemTypeTooltip(t) || 'No tooltip available.', value: t })),
    hint: 'Add item: Up and Down choose, Space describes, Enter places it here, Escape cancels.',
    select: (e) => {
      closeMenu();
      send({ type: 'item_add', itemType: e.value });
    },
  });
}

/** I: the nearest item on the ground, with a tone from where it is. */
function locateNearestItem() {
  const item = groundItemsByDistance()[0];
  if (!item) {
    say('No items to locate.', 'cancel');
    return;
  }
  locateTone(item.x, item.y);
  say(describeItem(item));
}

/** Shift+I: every item on the ground, nearest first; Enter teleports there. */
function openItemList() {
  const items = groundItemsByDistance();
  if (!items.length) {
    say('No items to list.', 'cancel');
    return;
  }
  openMenu(`${items.length} ${plural(items.length, 'item', 'items')}`, {
    name: 'listItems',
    entries: items.map((i) => ({ label: itemLabel(i), text: describeItem(i), value: i.id })),
    hint: 'Item list: Up and Down choose, Enter teleports there, Escape leaves the list.',
    select: (e) => {
      closeMenu();
      const it = state.items.get(e.value);
      if (!it || it.carrierId) {
        say('That item is no longer there.', 'cancel');
        return;
      }
      startTeleport(it.x, it.y, itemLabel(it));
    },
    cancel: () => {
      closeMenu();
      say('Exit item list mode.', 'cancel');
    },
  });
}

/**
 * One item, or a chooser when there are several.
 * @param {any[]} items @param {(item: any) => void} act
 */
function chooseItem(items, act) {
  if (items.length === 1) {
    act(items[0]);
    return;
  }
  openMenu('Select item', {
    name: 'selectItem',
    entries: items.map((i) => ({ label: itemLabel(i), value: i.id })),
    hint: 'Select item: Up and Down choose, Enter picks it, Escape cancels.',
    select: (e) => {
      closeMenu();
      const it = state.items.get(e.value);
      if (!it) {
        say('That item is gone.', 'cancel');
        return;
      }
      act(it);
    },
  });
}

/** The items on the player's square that can do something. @param {string} capability */
function tileItemsThatCan(capability) {
  return itemsAt(state.x, state.y).filter((i) => itemCan(i, capability));
}

/** Enter / Shift+Enter: the carried item first, else the square's usable items. @param {boolean} secondary */
function useItem(secondary) {
  const type = secondary ? 'item_secondary_use' : 'item_use';
  const carried = carriedItem();
  if (carried && itemCan(carried, 'usable')) {
    send({ type, itemId: carried.id });
    return;
  }
  const items = tileItemsThatCan('usable');
  if (!items.length) {
    say('No usable items here.', 'cancel');
    return;
  }
  chooseItem(items, (it) => send({ type, itemId: it.id }));
}

/** D: drop what is carried here, else pick up. */
function pickUpOrDrop() {
  const carried = carriedItem();
  if (carried) {
    send({ type: 'item_drop', itemId: carried.id, x: state.x, y: state.y });
    return;
  }
  const items = tileItemsThatCan('carryable');
  if (!items.length) {
    say('No items to pick up.', 'cancel');
    return;
  }
  chooseItem(items, (it) => send({ type: 'item_pickup', itemId: it.id }));
}

/** The square's items, then the carried one. @param {string} capability */
function reachable(capability) {
  const items = tileItemsThatCan(capability);
  const carried = carriedItem();
  if (carried && itemCan(carried, capability)) items.push(carried);
  return items;
}

/** @param {any} item */
function askDelete(item) {
  confirm(`Delete ${itemLabel(item)}?`, () => send({ type: 'item_delete', itemId: item.id }));
}

/** Shift+D: delete, after a yes. */
function deleteItem() {
  const items = reachable('deletable');
  if (!items.length) {
    say('No items to delete.', 'cancel');
    return;
  }
  chooseItem(items, askDelete);
}

/** O / Shift+O: the square's items first, else the carried one. @param {'edit'|'inspect'} kind */
function properties(kind) {
  let items = kind === 'edit' ? tileItemsThatCan('editable') : itemsAt(state.x, state.y);
  if (!items.length) {
    const carried = carriedItem();
    if (carried && (kind === 'inspect' || itemCan(carried, 'editable'))) items = [carried];
  }
  if (!items.length) {
    say(kind === 'edit' ? 'No editable item here.' : 'No item to inspect.', 'cancel');
    return;
  }
  chooseItem(items, (it) => openProperties(it, kind));
}

/**
 * Whether the user may do a management action on an item: the "any"
 * permission, or the "own" one for their own items.
 * @param {import('./registry.js').ManageAction} a @param {any} item
 */
function mayManage(a, item) {
  if (a.anyPermission && hasPermission(a.anyPermission)) return true;
  return !!a.ownPermission && hasPermission(a.ownPermission) && !!state.userId && item.createdBy === state.userId;
}

/** The transfer waiting for its list of targets. @type {{ itemId: string, menu: Menu } | null} */
let pendingTransfer = null;

/** @param {any} item @param {Menu} [back] the management menu to return to */
function manageMenu(item, back) {
  const actions = manageActions().filter((a) => mayManage(a, item));
  if (!actions.length) {
    say(`You cannot manage ${itemLabel(item)}.`, 'cancel');
    return;
  }
  const reopen = (/** @type {Menu} */ m) => {
    state.modeState.menu = m;
    state.mode = 'menu';
    say(`Manage ${itemLabel(item)}. ${entryText(m.entries[m.index])}`, 'blip');
  };
  openMenu(`Manage ${itemLabel(item)}`, {
    name: 'manage',
    index: back ? back.index : 0,
    entries: actions.map((a) => ({ label: a.label, help: a.tooltip || 'No tooltip available.', value: a.id })),
    data: { itemId: item.id },
    hint: 'Manage item: Up and Down choose, Space describes, Enter picks, Escape cancels.',
    select: (e, m) => {
      const it = state.items.get(item.id);
      if (!it) {
        closeMenu();
        say('That item is gone.', 'cancel');
        return;
      }
      if (e.value === 'delete') {
        confirm(`Delete ${itemLabel(it)}?`, () => send({ type: 'item_delete', itemId: it.id }), () => reopen(m));
      } else if (e.value === 'transfer') {
        pendingTransfer = { itemId: it.id, menu: m };
        send({ type: 'item_transfer_targets', itemId: it.id });
        say('Loading users...');
      } else say(`${e.label} is not available in this client.`, 'cancel');
    },
  });
}

/** Z: item management on the square's (or the carried) item. */
function manage() {
  const items = manageable();
  if (!items.length) {
    say('No items to manage here.', 'cancel');
    return;
  }
  chooseItem(items, (it) => manageMenu(it));
}

/**
 * The server's list of who may receive the item: users in the world first,
 * nearest first, with where they are; then the others by name.
 * @param {any} msg item_transfer_targets
 */
export function transferTargets(msg) {
  if (!pendingTransfer || pendingTransfer.itemId !== msg.itemId) return;
  const { menu } = pendingTransfer;
  pendingTransfer = null;
  const item = state.items.get(msg.itemId);
  if (!item || state.mode !== 'menu' || state.modeState.menu !== menu) return;
  const targets = (Array.isArray(msg.targets) ? msg.targets : []).filter((t) => t && typeof t.userId === 'string' && typeof t.username === 'string');
  if (!targets.length) {
    say('No users to give it to.', 'cancel');
    return;
  }
  const here = new Map();
  for (const p of state.peers.values()) if (p.userId) here.set(p.userId, p);
  const rows = targets.map((t) => {
    const p = here.get(t.userId);
    const d = p ? Math.hypot(p.x - state.x, p.y - state.y) : Infinity;
    const where = p ? `, ${distancePhrase(p.x - state.x, p.y - state.y)}` : '';
    return { t, d, text: `${t.username}, ${t.online ? 'online' : 'offline'}${where}` };
  });
  rows.sort((a, b) => (a.d - b.d) || a.t.username.localeCompare(b.t.username));
  openMenu('Give to', {
    name: 'transferTargets',
    entries: rows.map((r) => ({ label: r.t.username, text: r.text, value: r.t })),
    hint: 'Give to: Up and Down choose a user, Enter gives the item, Escape goes back.',
    select: (e, m) => {
      const it = state.items.get(item.id);
      if (!it) {
        closeMenu();
        say('That item is gone.', 'cancel');
        return;
      }
      confirm(`Transfer ${itemLabel(it)} to ${e.value.username}?`,
        () => send({ type: 'item_transfer', itemId: it.id, targetUserId: e.value.userId }),
        () => {
          state.modeState.menu = m;
          state.mode = 'menu';
          say(`Give to. ${entryText(m.entries[m.index])}`, 'blip');
        });
    },
    cancel: () => {
      state.modeState.menu = menu;
      state.mode = 'menu';
      say(`Manage ${itemLabel(item)}. ${entryText(menu.entries[menu.index])}`, 'blip');
    },
  });
}

/** Whether there are items on the ground to locate or list. */
function anyGroundItem() {
  for (const item of state.items.values()) if (!item.carrierId) return true;
  return false;
}

/** The items Z would offer. */
function manageable() {
  const items = itemsAt(state.x, state.y).filter((i) => manageActions().some((a) => mayManage(a, i)));
  const carried = carriedItem();
  if (carried && manageActions().some((a) => mayManage(a, carried))) items.push(carried);
  return items;
}

/**
 * Whether each item key can do anything now (the command palette lists only
 * those): the same tests the keys make before saying "No items …".
 */
const available = {
  add: () => itemTypeOrder().length > 0,
  locate: anyGroundItem,
  use: () => { const c = carriedItem(); return !!(c && itemCan(c, 'usable')) || tileItemsThatCan('usable').length > 0; },
  pickUpOrDrop: () => !!carriedItem() || tileItemsThatCan('carryable').length > 0,
  remove: () => reachable('deletable').length > 0,
  edit: () => { const c = carriedItem(); return tileItemsThatCan('editable').length > 0 || !!(c && itemCan(c, 'editable')); },
  inspect: () => itemsAt(state.x, state.y).length > 0 || !!carriedItem(),
  manage: () => manageable().length > 0,
};

export {
  available, openAddMenu, locateNearestItem, openItemList, useItem, pickUpOrDrop, deleteItem, properties, manage,
};
