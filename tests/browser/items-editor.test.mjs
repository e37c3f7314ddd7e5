// The property editor on every kind of value the server describes: a switch,
// option lists (quick and with the chooser), numbers with a fractional step,
// a property shown only when another has a value (visibleWhen), and a second
// page that sees each change. Each change is said once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  launchBrowser, newPage, register, uniqueName, walkTo, waitForAnnouncement, mark,
  key, keyAndHear, pressAndHear, focused, closeAll, budget, announcements, axe,
} from './lib/harness.mjs';

async function waitSent(page, fn, what, from = 0) {
  const end = Date.now() + budget(10000);
  while (Date.now() < end) {
    const hit = page.sent.slice(from).find(fn);
    if (hit) return hit;
    await sleep(30);
  }
  throw new Error(`never sent: ${what}`);
}

/** Press a key on the grid, hear the line, and wait until the other page holds the new value. */
async function changeAndSee(a, b, combo, id, param, value) {
  const sent = a.sent.length;
  const said = await keyAndHear(a, combo);
  const msg = await waitSent(a, (m) => m.type === 'item_update', `item_update ${param}`, sent);
  assert.deepEqual(msg, { type: 'item_update', itemId: id, params: { [param]: value } });
  await b.waitForFunction(([i, p, v]) => window.__chatgrid.state.items.get(i).params[p] === v, [id, param, value]);
  await a.waitForFunction(([i, p, v]) => window.__chatgrid.state.items.get(i).params[p] === v, [id, param, value]);
  return said;
}

test('property editor: switches, option lists, steps and properties that apply only sometimes', { timeout: 180000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    await register(a, uniqueName('pa'));
    await register(b, uniqueName('pb'));
    await walkTo(a, 12, 3);
    await walkTo(b, 12, 3);
    await key(a, 'a');
    while ((await a.evaluate(() => window.__chatgrid.state.modeState.menu.entries[window.__chatgrid.state.modeState.menu.index].value)) !== 'radio_station') {
      await keyAndHear(a, 'ArrowDown');
    }
    const from = await mark(a);
    const rec = a.received.length;
    await key(a, 'Enter');
    await waitForAnnouncement(a, /^You placed radio \(radio\) at 12, 3\.$/, { from, region: 'chatLive' });
    const id = a.received.slice(rec).find((m) => m.type === 'item_action_result' && m.action === 'add').itemId;
    await b.waitForFunction((i) => window.__chatgrid.state.items.has(i), id);
    const start = await mark(a);

    assert.equal(await keyAndHear(a, 'o'), 'Edit radio (radio). Title: radio');
    const keys = await a.evaluate(() => window.__chatgrid.state.modeState.menu.entries.map((e) => e.value));
    assert.ok(!keys.includes('mediaEffectValue'), `the effect value does not apply while the effect is off: ${keys}`);
    assert.ok(!keys.includes('stationName'), 'read-only values are not in the editor');
    assert.equal(await keyAndHear(a, 'KeyE'), 'Enabled: on', 'letters jump on labels');
    // A switch: Enter and Left/Right flip it.
    assert.equal(await changeAndSee(a, b, 'Enter', id, 'enabled', false), 'Enabled: off');
    assert.equal(await changeAndSee(a, b, 'ArrowRight', id, 'enabled', true), 'Enabled: on');
    assert.equal(await keyAndHear(a, 'Space'), 'Whether the radio is playing. Type: boolean. Editable.');
    // An option list: Right / Left cycle, Enter opens the chooser.
    assert.equal(await keyAndHear(a, 'KeyC'), 'Channel: stereo');
    assert.equal(await keyAndHear(a, 'Space'), 'Which channels of the stream to play. Type: list. Options: stereo, mono, left, right. Editable.');
    assert.equal(await changeAndSee(a, b, 'ArrowRight', id, 'mediaChannel', 'mono'), 'Channel: mono');
    assert.equal(await changeAndSee(a, b, 'ArrowLeft', id, 'mediaChannel', 'stereo'), 'Channel: stereo');
    assert.equal(await changeAndSee(a, b, 'ArrowLeft', id, 'mediaChannel', 'right'), 'Channel: right', 'the options wrap');
    assert.equal(await keyAndHear(a, 'Enter'), 'Select Channel. right');
    assert.deepEqual(await axe(a), [], 'axe-core with the option chooser open');
    assert.equal(await keyAndHear(a, 'ArrowUp'), 'left');
    assert.equal(await changeAndSee(a, b, 'Enter', id, 'mediaChannel', 'left'), 'Channel: left');
    assert.equal(await a.evaluate(() => window.__chatgrid.state.modeState.menu.name), 'properties', 'back in the editor');
    // The effect: once it is on, its strength applies, with a step of 0.1.
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Effect: off');
    assert.equal(await changeAndSee(a, b, 'ArrowLeft', id, 'mediaEffect', 'low_pass'), 'Effect: low_pass');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Effect value: 50');
    assert.equal(await changeAndSee(a, b, 'ArrowRight', id, 'mediaEffectValue', 50.1), 'Effect value: 50.1');
    assert.equal(await changeAndSee(a, b, 'PageDown', id, 'mediaEffectValue', 49.1), 'Effect value: 49.1');
    // Volume: at the top, a step further is refused without sending.
    assert.equal(await keyAndHear(a, 'KeyV'), 'Volume: 50');
    await key(a, 'Enter');
    assert.equal((await focused(a)).label, 'Volume');
    await a.fill('#entryInput', 'loud');
    assert.equal(await pressAndHear(a, 'Enter'), 'Volume must be a number.');
    await a.fill('#entryInput', '99.6');
    const before = await mark(a);
    await a.keyboard.press('Enter');
    await waitForAnnouncement(a, /^Volume: 100$/, { from: before, region: 'status' });
    await b.waitForFunction((i) => window.__chatgrid.state.items.get(i).params.mediaVolume === 100, id);
    const sent = a.sent.length;
    assert.equal(await keyAndHear(a, 'ArrowRight', /./), 'Volume: 100', 'a clamped step keeps the line');
    await sleep(200);
    assert.equal(a.sent.slice(sent).filter((m) => m.type === 'item_update').length, 0, 'nothing sent at the limit');

    // Every change once: the server's echoes said nothing more.
    const said = (await announcements(a)).slice(start).filter((x) => x.region === 'status').map((x) => x.text);
    for (const line of ['Enabled: off', 'Channel: mono', 'Channel: left', 'Effect: low_pass', 'Effect value: 50.1', 'Volume: 100']) {
      assert.equal(said.filter((t) => t === line).length, line === 'Volume: 100' ? 2 : 1, `${line} said once: ${JSON.stringify(said)}`);
    }
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed item properties.');
    // Tab leaves the grid and closes a menu; back on the grid, keys are normal mode's.
    assert.equal(await keyAndHear(a, 'o'), 'Edit radio (radio). Title: radio');
    await a.keyboard.press('Tab');
    await a.waitForFunction(() => document.activeElement.id !== 'gameSurface' && document.activeElement.tagName !== 'BODY');
    await a.waitForFunction(() => window.__chatgrid.state.mode === 'normal' && !window.__chatgrid.state.modeState.menu);
    await a.keyboard.press('Shift+Tab');
    assert.equal((await focused(a)).id, 'gameSurface');
    assert.equal(await keyAndHear(a, 'c'), '12, 3');
    // Leaving the property's text field cancels the edit and closes the editor.
    await keyAndHear(a, 'o');
    await key(a, 'Enter');
    assert.equal((await focused(a)).label, 'Title');
    assert.equal(await pressAndHear(a, 'Tab'), 'Cancelled.');
    assert.equal(await a.evaluate(() => window.__chatgrid.state.mode), 'normal');
    assert.ok(!a.consoleLines.some((l) => l.startsWith('pageerror')), a.consoleLines.join('\n'));
  } finally {
    await closeAll(browser);
  }
});
