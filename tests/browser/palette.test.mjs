// The command palette (Shift+K, the Applications key, Shift+F10): it lists the
// bound rows of the key table (www/input/keymap.js) that can act now, each
// "<label>: <keys>" with punctuation in words; letters jump, Space reads the
// help, Enter goes back to the mode it came from and runs the command, Escape
// says "Closed commands."; another mode's table is one registration away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  launchBrowser, newPage, register, uniqueName, axe, closeAll, key, keyAndHear, clientState, waitForPeer, walkTo, budget,
  mark, waitForAnnouncement,
} from './lib/harness.mjs';

const www = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'www');
// The key table itself, as node reads it (the same module the page runs).
const { KEYMAP } = await import(path.join(www, 'input', 'keymap.js'));
const { spokenKeys } = await import(path.join(www, 'input', 'commands.js'));

/** Every bound row, as the palette must say it, with whether it depends on the moment. */
const BOUND = KEYMAP.flatMap((s) => s.rows.filter((r) => r.bind && r.bind.length))
  .map((r) => ({ spoken: `${r.label}: ${spokenKeys(r.keys)}`, conditional: !!r.when }));

/** Records whether the grid's keydowns were prevented (window listeners run after the grid's). */
function keyRecorder() {
  window.__keys = [];
  window.addEventListener('keydown', (e) => window.__keys.push({ code: e.code, shift: e.shiftKey, prevented: e.defaultPrevented }));
  window.__menus = [];
  window.addEventListener('contextmenu', (e) => window.__menus.push(e.defaultPrevented));
}

/** Walk the open palette with Down until it wraps to its first entry. */
async function walkPalette(page, first) {
  const list = [first];
  for (let i = 0; i < 100; i++) {
    const t = await keyAndHear(page, 'ArrowDown');
    if (t === first) return list;
    list.push(t);
  }
  throw new Error(`the palette did not wrap: ${JSON.stringify(list)}`);
}

/** Whether the keydown of code (with Shift or not) was prevented, the last time. */
async function prevented(page, code, shift) {
  return page.evaluate(([c, s]) => {
    const hit = window.__keys.filter((k) => k.code === c && k.shift === s).at(-1);
    return hit ? hit.prevented : null;
  }, [code, shift]);
}

test('the palette opens with its three keys, lists the bound rows, jumps by letter, reads help, runs a command, and closes', { timeout: 180000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser, { init: keyRecorder });
    const an = uniqueName('pa');
    await register(a, an);
    assert.ok((await clientState(a)).peers.length === 0, 'alone in the world');
    assert.match(await a.textContent('#surfaceHint'), /Shift\+K lists commands/, 'the grid\'s description names the palette');

    // Shift+K: the commands now, in the table's order.
    const opened = await keyAndHear(a, 'Shift+K');
    assert.equal(opened, `Commands. ${BOUND[0].spoken}`);
    assert.equal(opened, 'Commands. Speak coordinates: C');
    assert.equal((await clientState(a)).mode, 'menu');
    const list = await walkPalette(a, BOUND[0].spoken);
    const all = BOUND.map((b) => b.spoken);
    // Every entry is a bound row, in the table's order, each once.
    let at = -1;
    for (const e of list) {
      const i = all.indexOf(e);
      assert.ok(i > at, `${e} is a bound row of the table, after the one before: ${JSON.stringify(list)}`);
      at = i;
    }
    // Every row that does not depend on the moment is there.
    for (const b of BOUND.filter((x) => !x.conditional)) assert.ok(list.includes(b.spoken), `${b.spoken} is listed: ${JSON.stringify(list)}`);
    for (const s of ['Help: question mark', 'Chat message: slash', 'Volume down: minus', 'Volume up: equals', 'Disconnect: Escape twice']) {
      assert.ok(list.includes(s), `${s}: ${JSON.stringify(list)}`);
    }
    // Alone: nobody to locate or list.
    assert.ok(!list.some((e) => /^(Locate nearest user|List users):/.test(e)), `no user commands alone: ${JSON.stringify(list)}`);
    // Exactly what the page's own palette computes (its availability tests included).
    const pageList = await a.evaluate(async () => {
      const m = await import(new URL('input/commands.js', document.baseURI).href);
      return m.modeCommands('normal').map((c) => c.spoken);
    });
    assert.deepEqual(list, pageList);

    // Letters jump to the next entry starting with them, cyclically.
    assert.equal(await keyAndHear(a, 'h'), 'Help: question mark');
    assert.equal(await keyAndHear(a, 'v'), 'Voice layer: 1');
    assert.equal(await keyAndHear(a, 'v'), 'Volume down: minus');
    assert.equal(await keyAndHear(a, 'p'), 'Ping server: P');
    // Space reads the row's help.
    const ping = KEYMAP.flatMap((s) => s.rows).find((r) => r.label === 'Ping server');
    assert.equal(await keyAndHear(a, 'Space'), ping.help);
    assert.equal(await keyAndHear(a, 'Home'), 'Speak coordinates: C');
    // Escape: closed, back to normal mode, arrows walk again.
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed commands.');
    assert.equal((await clientState(a)).mode, 'normal');
    await walkTo(a, 5, 5);
    await key(a, 'ArrowUp');
    await a.waitForFunction(() => window.__chatgrid.state.y === 6, null, { timeout: budget(5000) });

    // Shift+F10 opens it (the grid takes it); a plain function key stays the browser's.
    await key(a, 'F2');
    assert.equal(await prevented(a, 'F2', false), false, 'plain F2 is left to the browser');
    assert.equal(await keyAndHear(a, 'Shift+F10'), 'Commands. Speak coordinates: C');
    assert.equal(await prevented(a, 'F10', true), true, 'Shift+F10 is taken on the grid');
    // Enter runs the command after going back to normal mode.
    const s = await clientState(a);
    assert.equal(await keyAndHear(a, 'Enter'), `${s.x}, ${s.y}`);
    assert.equal((await clientState(a)).mode, 'normal');

    // The Applications key opens it, and the browser's context menu stays shut.
    assert.equal(await keyAndHear(a, 'ContextMenu'), 'Commands. Speak coordinates: C');
    assert.equal(await prevented(a, 'ContextMenu', false), true, 'the Applications key is taken on the grid');
    assert.ok((await a.evaluate(() => window.__menus)).every((p) => p === true), 'no context menu event went unprevented');
    await a.dispatchEvent('#gameSurface', 'contextmenu');
    assert.equal(await a.evaluate(() => window.__menus.at(-1)), true, 'a context menu on the grid is prevented');
    // axe-core with the palette open.
    assert.deepEqual(await axe(a), [], 'axe-core with the palette open');
    // Enter on a command that opens a mode of its own: the help viewer.
    assert.equal(await keyAndHear(a, 'h'), 'Help: question mark');
    assert.equal(await keyAndHear(a, 'Enter'), 'Chat Grid Help');
    assert.equal((await clientState(a)).mode, 'helpView');
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed help.');
    // The palette keys do nothing special in the help viewer (no table registered there).
    await keyAndHear(a, 'Shift+Slash');
    assert.notEqual(await keyAndHear(a, 'Shift+K'), 'Commands. Speak coordinates: C');
    await keyAndHear(a, 'Escape');
    assert.equal((await clientState(a)).mode, 'normal');

    // Someone else arrives: the user commands are listed.
    const b = await newPage(browser);
    const bn = uniqueName('pb');
    const from = await mark(a);
    await register(b, bn);
    await waitForPeer(a, bn);
    // Arrivals are told in batches a moment later: let that one be said first.
    await waitForAnnouncement(a, new RegExp(bn), { from, region: 'status' });
    assert.equal(await keyAndHear(a, 'Shift+K', /^Commands\./), 'Commands. Speak coordinates: C');
    assert.equal(await keyAndHear(a, 'l'), 'Locate nearest user: L');
    assert.equal(await keyAndHear(a, 'l'), 'List users: Shift+L');
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed commands.');
  } finally {
    await closeAll(browser);
  }
});

test('another mode contributes its commands with one call; an empty table says so', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    await register(a, uniqueName('pm'));
    // Item commands are listed where an item is at hand. Add one from the palette itself.
    await walkTo(a, 3 + (process.pid % 25), 37);
    const itemHere = await a.evaluate(() => {
      const st = window.__chatgrid.state;
      return [...st.items.values()].some((i) => (!i.carrierId && i.x === st.x && i.y === st.y) || i.carrierId === st.selfId);
    });
    assert.equal(await keyAndHear(a, 'Shift+K'), 'Commands. Speak coordinates: C');
    let list = await walkPalette(a, 'Speak coordinates: C');
    if (!itemHere) assert.ok(!list.includes('Inspect item: Shift+O'), `nothing to inspect here: ${JSON.stringify(list)}`);
    assert.ok(list.includes('Add item: A'), 'the server offers item kinds');
    assert.equal(await keyAndHear(a, 'a'), 'Add item: A');
    assert.match(await keyAndHear(a, 'Enter'), /^Add item\. /, 'Enter ran the command: the add menu is open');
    const from = await mark(a);
    await key(a, 'Enter');
    await waitForAnnouncement(a, /^You placed /, { from, region: 'chatLive' });
    await a.waitForFunction(() => {
      const st = window.__chatgrid.state;
      return [...st.items.values()].some((i) => !i.carrierId && i.x === st.x && i.y === st.y);
    }, null, { timeout: budget(5000) });
    assert.equal(await keyAndHear(a, 'Shift+K'), 'Commands. Speak coordinates: C');
    list = await walkPalette(a, 'Speak coordinates: C');
    for (const e of ['Locate nearest item: I', 'List items: Shift+I', 'Inspect item: Shift+O']) assert.ok(list.includes(e), `${e}: ${JSON.stringify(list)}`);
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed commands.');

    // A mode of its own, as piano mode registers PIANO_KEYMAP.
    await a.evaluate(async () => {
      const m = await import(new URL('input/commands.js', document.baseURI).href);
      const st = window.__chatgrid.state;
      window.__ran = [];
      m.registerModeCommands('testMode', () => [{
        title: 'Test mode',
        rows: [
          { keys: 'Q', label: 'Quack', help: 'Says quack.', bind: [{ codes: ['KeyQ'], shift: false, run: () => window.__ran.push(st.mode) }] },
          { keys: 'Shift+/', label: 'Test help', help: 'Help of the test mode.', bind: [{ codes: ['Slash'], shift: true, run: () => window.__ran.push('help') }] },
          { keys: 'W', help: 'Not a command: no binding.' },
        ],
      }]);
      st.mode = 'testMode';
    });
    assert.equal(await keyAndHear(a, 'ContextMenu'), 'Commands. Quack: Q');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Test help: Shift+slash');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Quack: Q');
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed commands.');
    assert.equal((await clientState(a)).mode, 'testMode', 'Escape goes back to the mode the palette came from');
    await keyAndHear(a, 'Shift+K');
    await key(a, 'Enter');
    await a.waitForFunction(() => window.__ran.length === 1, null, { timeout: budget(5000) });
    assert.deepEqual(await a.evaluate(() => window.__ran), ['testMode'], 'the command ran back in its own mode');
    assert.equal((await clientState(a)).mode, 'testMode');

    // A mode whose table has nothing to offer now.
    await a.evaluate(async () => {
      const m = await import(new URL('input/commands.js', document.baseURI).href);
      m.registerModeCommands('testMode', () => []);
    });
    assert.equal(await keyAndHear(a, 'Shift+F10'), 'No commands available in this mode.');
    assert.equal((await clientState(a)).mode, 'testMode');
    await a.evaluate(() => { window.__chatgrid.state.mode = 'normal'; });
    assert.equal(await keyAndHear(a, 'Shift+K'), 'Commands. Speak coordinates: C');
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed commands.');

    // The server's words for a command (uiDefinitions.commandMetadata.mainModeActions), by id.
    await a.evaluate(async () => {
      const r = await import(new URL('items/registry.js', document.baseURI).href);
      r.applyUiDefinitions({ commandMetadata: { mainModeActions: [{ id: 'speakCoordinates', label: 'Where am I', tooltip: 'Your square, x then y.' }] } });
    });
    assert.equal(await keyAndHear(a, 'Shift+K'), 'Commands. Where am I: C');
    assert.equal(await keyAndHear(a, 'Space'), 'Your square, x then y.');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Speak users: U', 'the others keep the table\'s words');
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed commands.');
  } finally {
    await closeAll(browser);
  }
});
