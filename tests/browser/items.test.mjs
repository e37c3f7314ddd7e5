// Items by keyboard only: add, use, pick up, drop, edit (quick and typed,
// refused by the client's checks and by the server's), inspect, give to
// another user, delete with a yes; what each page says and what it sends;
// and a plugin the client has never seen, loaded by SIGHUP while the pages are open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  launchBrowser, newPage, register, uniqueName, walkTo, waitForPeer, waitForAnnouncement, mark,
  key, keyAndHear, press, pressAndHear, focused, closeAll, budget, reloadDaemon, axe, announcements, focusMark, expectFocus,
} from './lib/harness.mjs';

/** Wait until the page has sent a packet matching fn; returns it. */
async function waitSent(page, fn, what, from = 0) {
  const end = Date.now() + budget(10000);
  while (Date.now() < end) {
    const hit = page.sent.slice(from).find(fn);
    if (hit) return hit;
    await sleep(30);
  }
  throw new Error(`never sent: ${what}; sent ${JSON.stringify(page.sent.slice(from).map((m) => m.type))}`);
}

/** Wait until the page received a message matching fn; returns it. */
async function waitReceived(page, fn, what, from = 0) {
  const end = Date.now() + budget(10000);
  while (Date.now() < end) {
    const hit = page.received.slice(from).find(fn);
    if (hit) return hit;
    await sleep(30);
  }
  throw new Error(`never received: ${what}`);
}

/** The announcements in #status since from, as text. */
async function statusSince(page, from) {
  return (await announcements(page)).slice(from).filter((a) => a.region === 'status').map((a) => a.text);
}



test('items by keyboard: add, use, carry, edit, inspect, give, delete', { timeout: 240000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    const an = uniqueName('ia');
    const bn = uniqueName('ib');
    await register(a, an);
    await register(b, bn);
    await walkTo(a, 30, 30);
    await walkTo(b, 30, 30);
    await waitForPeer(a, bn, [30, 30]);
    await waitForPeer(b, an, [30, 30]);

    // Nothing here yet.
    assert.equal(await keyAndHear(a, 'Enter'), 'No usable items here.');
    assert.equal(await keyAndHear(a, 'd'), 'No items to pick up.');
    assert.equal(await keyAndHear(a, 'o'), 'No editable item here.');

    // A: the server's types, in its order, with their tooltips.
    const ui = await a.evaluate(() => window.__chatgrid.state.uiDefinitions);
    const order = ui.itemTypeOrder;
    const typeOf = (t) => ui.itemTypes.find((x) => x.type === t);
    assert.ok(order.length >= 6, `the bundled types are offered: ${order}`);
    assert.equal(await keyAndHear(a, 'a'), `Add item. ${typeOf(order[0]).label}`);
    assert.equal(await keyAndHear(a, 'Space'), typeOf(order[0]).tooltip);
    assert.equal(await keyAndHear(a, 'ArrowDown'), typeOf(order[1]).label);
    assert.equal(await keyAndHear(a, 'ArrowUp'), typeOf(order[0]).label);
    assert.equal(await keyAndHear(a, 'ArrowUp'), typeOf(order.at(-1)).label, 'the list wraps');
    const dice = ui.itemTypes.find((t) => t.type === 'dice');
    const letter = dice.label[0];
    // A first-letter jump lands on the first type whose label starts with it.
    const firstWith = order.map(typeOf).find((t) => t.label.toLowerCase().startsWith(letter));
    assert.equal(await keyAndHear(a, `Key${letter.toUpperCase()}`), firstWith.label);
    while ((await a.evaluate(() => window.__chatgrid.state.modeState.menu.entries[window.__chatgrid.state.modeState.menu.index].value)) !== 'dice') {
      await keyAndHear(a, 'ArrowDown');
    }
    let fromA = await mark(a);
    let fromB = await mark(b);
    let sent = a.sent.length;
    const rec = a.received.length;
    await key(a, 'Enter');
    assert.deepEqual(await waitSent(a, (m) => m.type === 'item_add', 'item_add', sent), { type: 'item_add', itemType: 'dice' });
    await waitForAnnouncement(a, /^You placed Dice \(dice\) at 30, 30\.$/, { from: fromA, region: 'chatLive' });
    await waitForAnnouncement(b, new RegExp(`^${an} placed Dice \\(dice\\) at 30, 30\\.$`), { from: fromB, region: 'chatLive' });
    const id = (await waitReceived(a, (m) => m.type === 'item_action_result' && m.action === 'add', 'the add result', rec)).itemId;
    await b.waitForFunction((i) => window.__chatgrid.state.items.has(i), id);

    // Enter: one usable item here, used at once; b hears the roll's line and gets its sound.
    fromA = await mark(a);
    fromB = await mark(b);
    sent = a.sent.length;
    const recvB = b.received.length;
    await key(a, 'Enter');
    assert.deepEqual(await waitSent(a, (m) => m.type === 'item_use', 'item_use', sent), { type: 'item_use', itemId: id });
    await waitForAnnouncement(a, /^You rolled Dice: \d+, \d+ \(total \d+\)\.$/, { from: fromA, region: 'chatLive' });
    await waitForAnnouncement(b, new RegExp(`^${an} rolled Dice: `), { from: fromB, region: 'chatLive' });
    const snd = await waitReceived(b, (m) => m.type === 'item_use_sound', 'item_use_sound', recvB);
    assert.equal(snd.sound, 'sounds/roll.ogg');

    // Shift+Enter: the dice have no secondary use; the server says so.
    await sleep(1100); // the dice's cooldown is not what this checks
    fromA = await mark(a);
    sent = a.sent.length;
    await key(a, 'Shift+Enter');
    assert.deepEqual(await waitSent(a, (m) => m.type === 'item_secondary_use', 'item_secondary_use', sent), { type: 'item_secondary_use', itemId: id });
    await waitForAnnouncement(a, /^No secondary action for Dice\.$/, { from: fromA, region: 'status' });

    // D picks up, D drops.
    fromA = await mark(a);
    await key(a, 'd');
    await waitForAnnouncement(a, /^Picked up Dice\.$/, { from: fromA, region: 'chatLive' });
    await a.waitForFunction(() => [...window.__chatgrid.state.items.values()].some((i) => i.carrierId === window.__chatgrid.state.selfId));
    fromA = await mark(a);
    sent = a.sent.length;
    await key(a, 'd');
    assert.deepEqual(await waitSent(a, (m) => m.type === 'item_drop', 'item_drop', sent), { type: 'item_drop', itemId: id, x: 30, y: 30 });
    await waitForAnnouncement(a, /^Dropped Dice at 30, 30\.$/, { from: fromA, region: 'chatLive' });
    await a.waitForFunction(() => [...window.__chatgrid.state.items.values()].every((i) => !i.carrierId));

    // O: the editor. Quick edits are said once, the server's echo not again.
    assert.equal(await keyAndHear(a, 'o'), 'Edit Dice (dice). Title: Dice');
    assert.deepEqual(await axe(a), [], 'axe-core: the page with the property editor open');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Sides: 6');
    assert.equal(await keyAndHear(a, 'Space'), 'Faces on each die, 1 to 100. Type: number. Range: 1 to 100 step 1. Editable.');
    fromA = await mark(a);
    sent = a.sent.length;
    assert.equal(await keyAndHear(a, 'ArrowRight'), 'Sides: 7');
    assert.deepEqual(await waitSent(a, (m) => m.type === 'item_update', 'item_update', sent), { type: 'item_update', itemId: id, params: { sides: 7 } });
    await b.waitForFunction((i) => window.__chatgrid.state.items.get(i).params.sides === 7, id);
    await a.waitForFunction((i) => window.__chatgrid.state.items.get(i).version >= 2, id);
    assert.equal(await keyAndHear(a, 'PageUp'), 'Sides: 17');
    await a.waitForFunction((i) => window.__chatgrid.state.items.get(i).params.sides === 17, id);
    await sleep(300);
    assert.deepEqual((await statusSince(a, fromA)).filter((t) => /^Sides/.test(t)), ['Sides: 7', 'Sides: 17'], 'each change said once');
    assert.equal(await keyAndHear(a, 'End'), 'Number of dice: 2');
    assert.equal(await keyAndHear(a, 'PageDown'), 'Number of dice: 1', 'clamped at the minimum');
    // Enter: the text field, holding the value; the client's own checks first.
    await keyAndHear(a, 'ArrowUp');
    const fm = await focusMark(a);
    await key(a, 'Enter');
    await expectFocus(a, 'entryInput', fm, 'the property field');
    assert.deepEqual(await focused(a), { id: 'entryInput', tag: 'INPUT', type: 'text', label: 'Sides', value: '17' });
    await a.keyboard.type('500');
    sent = a.sent.length;
    assert.equal(await pressAndHear(a, 'Enter'), 'Sides must be between 1 and 100.');
    assert.equal(await a.getAttribute('#entryInput', 'aria-invalid'), 'true');
    assert.equal((await focused(a)).id, 'entryInput', 'the field stays open');
    assert.equal(await pressAndHear(a, 'ArrowDown'), '100', 'Down steps the typed value, clamped into the range');
    assert.equal(await pressAndHear(a, 'ArrowDown'), '99');
    await a.fill('#entryInput', '12');
    fromA = await mark(a);
    await press(a, 'Enter');
    await expectFocus(a, 'gameSurface', fm, 'back from the property field');
    await waitForAnnouncement(a, /^Sides: 12$/, { from: fromA, region: 'status' });
    assert.deepEqual(a.sent.slice(sent).filter((m) => m.type === 'item_update'), [{ type: 'item_update', itemId: id, params: { sides: 12 } }], 'only the valid value was sent');
    // The title is the item's own field.
    await keyAndHear(a, 'Home');
    await key(a, 'Enter');
    assert.equal((await focused(a)).label, 'Title');
    await a.keyboard.type('Lucky');
    fromA = await mark(a);
    await press(a, 'Enter');
    await waitForAnnouncement(a, /^Title: Lucky$/, { from: fromA, region: 'status' });
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed item properties.');
    assert.equal((await focused(a)).id, 'gameSurface');

    // Shift+O: every property, the server's own included.
    assert.equal(await keyAndHear(a, 'Shift+O'), 'Inspect Lucky (dice). Title: Lucky');
    const lines = [];
    for (let i = 0; i < 40; i++) {
      const t = await keyAndHear(a, 'ArrowDown');
      if (t === 'Title: Lucky') break;
      lines.push(t);
    }
    const version = await a.evaluate((i) => window.__chatgrid.state.items.get(i).version, id);
    for (const want of ['Sides: 12', 'Type: dice', 'X: 30', 'Y: 30', 'Carrier: none', `Created by: ${an}`, `Version: ${version}`,
      'Capabilities: editable, carryable, deletable, usable', 'use cooldown ms: 1000']) {
      assert.ok(lines.includes(want), `inspect reads ${want}: ${JSON.stringify(lines)}`);
    }
    assert.ok(lines.some((l) => /^Use sound: roll\.ogg$|^use sound: roll\.ogg$/.test(l)), `the use sound: ${JSON.stringify(lines)}`);
    assert.equal(await keyAndHear(a, 'ArrowRight'), 'Title is not editable.');
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed inspection.');

    // A refusal the client cannot foresee: the server's words, and the value kept.
    await key(a, 'a');
    while ((await a.evaluate(() => window.__chatgrid.state.modeState.menu.entries[window.__chatgrid.state.modeState.menu.index].value)) !== 'wheel') {
      await keyAndHear(a, 'ArrowDown');
    }
    fromA = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /^You placed wheel \(wheel\)/, { from: fromA, region: 'chatLive' });
    assert.equal(await keyAndHear(a, 'o'), 'Select item. Lucky (dice)');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'wheel (wheel)');
    assert.equal(await keyAndHear(a, 'Enter'), 'Edit wheel (wheel). Title: wheel');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Spaces: yes, no');
    await key(a, 'Enter');
    await a.fill('#entryInput', ' , , ');
    fromA = await mark(a);
    await press(a, 'Enter');
    await waitForAnnouncement(a, /^spaces must include at least one value, separated by commas\.$/, { from: fromA, region: 'status' });
    assert.equal(await keyAndHear(a, 'Space', /Spaces|values/), (await a.evaluate(() => window.__chatgrid.state.uiDefinitions.itemTypes.find((t) => t.type === 'wheel').propertyMetadata.spaces.tooltip)) + ' Type: text. Max length: 4000 characters. Editable.');
    assert.equal(await keyAndHear(a, 'ArrowUp'), 'Title: wheel');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Spaces: yes, no', 'the refused value is not kept');
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed item properties.');

    // Z: give the dice to b, with a yes.
    assert.equal(await keyAndHear(a, 'z'), 'Select item. Lucky (dice)');
    assert.equal(await keyAndHear(a, 'Enter'), 'Manage Lucky (dice). Transfer item');
    assert.equal(await keyAndHear(a, 'Space'), 'Give this item to another user.');
    sent = a.sent.length;
    // "Loading users..." may be joined with the list when the answer is quick.
    const targets = (await keyAndHear(a, 'Enter', /Give to\. /)).replace(/^Loading users\.\.\. /, '');
    assert.deepEqual(a.sent.slice(sent).filter((m) => m.type === 'item_transfer_targets'), [{ type: 'item_transfer_targets', itemId: id }]);
    assert.equal(targets, `Give to. ${bn}, online, here`, 'users in the world first, with where they are');
    assert.equal(await keyAndHear(a, 'Enter'), `Transfer Lucky (dice) to ${bn}? No`);
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Yes');
    fromA = await mark(a);
    fromB = await mark(b);
    sent = a.sent.length;
    await key(a, 'Enter');
    const bUser = await b.evaluate(() => window.__chatgrid.state.userId);
    assert.deepEqual(await waitSent(a, (m) => m.type === 'item_transfer', 'item_transfer', sent), { type: 'item_transfer', itemId: id, targetUserId: bUser });
    await waitForAnnouncement(a, new RegExp(`^You gave Lucky \\(dice\\) to ${bn}\\.$`), { from: fromA, region: 'chatLive' });
    await b.waitForFunction(([i, u]) => window.__chatgrid.state.items.get(i).createdBy === u, [id, bUser]);

    // Shift+D on b: delete, No first, then Yes.
    assert.equal(await keyAndHear(b, 'Shift+D'), 'Select item. Lucky (dice)');
    assert.equal(await keyAndHear(b, 'Enter'), 'Delete Lucky (dice)? No');
    assert.equal(await keyAndHear(b, 'Enter'), 'Cancelled.');
    assert.ok(await b.evaluate((i) => window.__chatgrid.state.items.has(i), id));
    await keyAndHear(b, 'Shift+D');
    await keyAndHear(b, 'Enter');
    assert.equal(await keyAndHear(b, 'ArrowDown'), 'Yes');
    fromA = await mark(a);
    fromB = await mark(b);
    sent = b.sent.length;
    await key(b, 'Enter');
    assert.deepEqual(await waitSent(b, (m) => m.type === 'item_delete', 'item_delete', sent), { type: 'item_delete', itemId: id });
    await waitForAnnouncement(b, /^You deleted Lucky \(dice\)\.$/, { from: fromB, region: 'chatLive' });
    await waitForAnnouncement(a, new RegExp(`^${bn} deleted Lucky \\(dice\\)\\.$`), { from: fromA, region: 'chatLive' });
    await a.waitForFunction((i) => !window.__chatgrid.state.items.has(i), id);

    // I and Shift+I: the wheel is the one left; a walks away and teleports back to it.
    await walkTo(a, 27, 26);
    assert.equal(await keyAndHear(a, 'i'), 'wheel (wheel), 5 squares northeast, 30, 30');
    // The canvas: the wheel's square in its type's own colour, as the type's id
    // makes it (a hue from the id; no colour is written into the client per type).
    const hue = (t) => [...t].reduce((h, ch) => (h * 31 + ch.codePointAt(0)) % 360, 0);
    const rgb = (h) => {
      const s = 0.85, l = 0.62, c = (1 - Math.abs(2 * l - 1)) * s, x = c * (1 - Math.abs(((h / 60) % 2) - 1)), m = l - c / 2;
      const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
      return [r, g, b].map((v) => Math.round((v + m) * 255));
    };
    const pixel = await a.evaluate(([x, y]) => {
      const c = document.getElementById('gameCanvas');
      const s = c.width / window.__chatgrid.state.gridSize;
      const d = c.getContext('2d').getImageData(Math.floor(x * s + 2), Math.floor(c.height - y * s - s + 2), 1, 1).data;
      return [d[0], d[1], d[2]];
    }, [30, 30]);
    const want = rgb(hue('wheel'));
    assert.ok(pixel.every((v, i) => Math.abs(v - want[i]) <= 3), `the wheel's colour: ${pixel} (want ${want})`);
    assert.notDeepEqual(rgb(hue('wheel')), rgb(hue('dice')), 'types differ');
    // Other tests of the run may have left items elsewhere: the wheel is the nearest.
    assert.match(await keyAndHear(a, 'Shift+I'), /^\d+ items?\. wheel \(wheel\), 5 squares northeast, 30, 30$/);
    assert.equal(await keyAndHear(a, 'Enter', /^Moved to /), 'Moved to wheel (wheel).');
    await a.waitForFunction(() => window.__chatgrid.state.x === 30 && window.__chatgrid.state.y === 30);
    assert.match(await keyAndHear(a, 'Shift+I'), /^\d+ items?\. wheel \(wheel\), here, 30, 30$/);
    assert.equal(await keyAndHear(a, 'Escape'), 'Exit item list mode.');
    assert.ok(!a.consoleLines.some((l) => l.startsWith('pageerror')), a.consoleLines.join('\n'));
    assert.ok(!b.consoleLines.some((l) => l.startsWith('pageerror')), b.consoleLines.join('\n'));
  } finally {
    await closeAll(browser);
  }
});

test('a plugin the client has never seen works from the browser once loaded', { timeout: 180000 }, async () => {
  const root = process.cwd();
  const so = path.join(process.env.CG_TMP, 'counter.so');
  execFileSync('cc', ['-O2', '-Wall', `-I${path.join(root, 'include')}`, '-fPIC', '-shared', '-o', so, path.join(root, 'docs/examples/counter/counter.c')]);
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const an = uniqueName('ic');
    await register(a, an);
    await walkTo(a, 8, 33);
    const before = await a.evaluate(() => window.__chatgrid.state.uiDefinitions.itemTypeOrder.slice());
    assert.ok(!before.includes('counter'));
    execFileSync('sh', ['-c', `cp '${so}' '${process.env.CG_PLUGIN_DIR}/.counter.tmp' && mv '${process.env.CG_PLUGIN_DIR}/.counter.tmp' '${process.env.CG_PLUGIN_DIR}/counter.so'`]);
    reloadDaemon();
    await a.waitForFunction(() => window.__chatgrid.state.uiDefinitions.itemTypeOrder.includes('counter'), null, { timeout: budget(20000) });

    assert.match(await keyAndHear(a, 'a'), /^Add item\. /);
    assert.equal(await keyAndHear(a, 'End'), 'counter');
    assert.equal(await keyAndHear(a, 'Space'), 'Counts up each time someone uses it.');
    let from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /^You placed Counter \(counter\) at 8, 33\.$/, { from, region: 'chatLive' });
    assert.equal(await keyAndHear(a, 'o'), 'Edit Counter (counter). Title: Counter');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Step: 1');
    assert.equal(await keyAndHear(a, 'ArrowRight'), 'Step: 2');
    await a.waitForFunction(() => [...window.__chatgrid.state.items.values()].some((i) => i.type === 'counter' && i.params.step === 2 && i.version >= 2));
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed item properties.');
    from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /^You count Counter: 2\.$/, { from, region: 'chatLive' });
    from = await mark(a);
    await key(a, 'Shift+Enter');
    await waitForAnnouncement(a, /^Counter is at 2\.$/, { from, region: 'chatLive' });
    assert.equal(await keyAndHear(a, 'Shift+O'), 'Inspect Counter (counter). Title: Counter');
    assert.ok(!a.consoleLines.some((l) => l.startsWith('pageerror')), a.consoleLines.join('\n'));
  } finally {
    await closeAll(browser);
  }
});

