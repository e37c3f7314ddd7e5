// What others hear of items: dice and wheel use sounds and a clock's
// announcement, measured on another page's output, louder on the side
// where the item stands; the clock's samples in order; the world layer
// (key 4) silences them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, uniqueName, walkTo, waitForAnnouncement, mark,
  key, keyAndHear, closeAll, budget, addItem,
} from './lib/harness.mjs';

/**
 * Measure b's output (RMS per ear) for about ms while a uses the item on its square
 * (chosen from the chooser when several are there).
 */
async function useAndMeasure(a, b, itemId, ms) {
  // The window stretches with the load (the sample is fetched and decoded on
  // first use, and a starved page plays it late); the loudest moment of each
  // ear is compared (peakRms*), which a longer window does not dilute.
  const measuring = b.evaluate((m) => window.__chatgrid.measure({ ms: m }), budget(ms));
  await new Promise((r) => setTimeout(r, 150));
  const n = await a.evaluate(() => {
    const s = window.__chatgrid.state;
    return [...s.items.values()].filter((i) => !i.carrierId && i.x === s.x && i.y === s.y).length;
  });
  await key(a, 'Enter');
  if (n > 1) {
    while ((await a.evaluate(() => window.__chatgrid.state.modeState.menu.entries[window.__chatgrid.state.modeState.menu.index].value)) !== itemId) {
      await keyAndHear(a, 'ArrowDown');
    }
    await key(a, 'Enter');
  }
  return measuring;
}

test('item use sounds and clock announcements are heard at the item, in order', { timeout: 240000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    await register(a, uniqueName('sa'));
    await register(b, uniqueName('sb'));
    await b.evaluate(() => {
      const e = window.__chatgrid.engine;
      const orig = e.playAt.bind(e);
      window.__played = [];
      e.playAt = (url, at) => {
        window.__played.push({ url: new URL(url).pathname, x: at.x, y: at.y });
        return orig(url, at);
      };
    });
    // The items east of b: louder in b's right ear.
    await walkTo(a, 20, 20);
    await walkTo(b, 15, 20);
    const dice = await addItem(a, 'dice');
    const clock = await addItem(a, 'clock');
    const wheel = await addItem(a, 'wheel');

    // Voices (the fake microphones) would drown what is measured here.
    assert.equal(await keyAndHear(b, '1'), 'Voice layer off.');
    assert.equal(await keyAndHear(a, 'm'), 'Muted.');
    const quiet = await b.evaluate(() => window.__chatgrid.measure({ ms: 600 }));
    const roll = await useAndMeasure(a, b, dice, 1500);
    // Heard: well above what the page plays when nothing happens.
    const floor = Math.max(0.0003, quiet.peakRmsLeft * 4, quiet.peakRmsRight * 4);
    assert.ok(roll.peakRmsRight > floor, `the roll is heard: ${JSON.stringify(roll)} (quiet ${JSON.stringify(quiet)})`);
    assert.ok(roll.peakRmsRight > roll.peakRmsLeft * 1.3, `the roll comes from the right: ${roll.peakRmsLeft} / ${roll.peakRmsRight}`);
    assert.deepEqual((await b.evaluate(() => window.__played)).at(-1), { url: '/sounds/roll.ogg', x: 20, y: 20 });

    const spin = await useAndMeasure(a, b, wheel, 2000);
    assert.ok(spin.peakRmsRight > floor && spin.peakRmsRight > spin.peakRmsLeft * 1.3, `the spin from the right: ${JSON.stringify(spin)}`);

    // The clock: its samples, in the order the server sent them, from the clock.
    const rec = b.received.length;
    const played = await b.evaluate(() => window.__played.length);
    const tell = await useAndMeasure(a, b, clock, 2500);
    const msg = b.received.slice(rec).find((m) => m.type === 'item_clock_announce');
    assert.ok(msg, 'b got the announcement');
    await b.waitForFunction(([n, k]) => window.__played.length >= n + k, [played, msg.sounds.length], { timeout: budget(10000) });
    const order = (await b.evaluate((n) => window.__played.slice(n), played)).map((p) => p.url);
    assert.deepEqual(order, msg.sounds, 'each sample once, in order');
    assert.ok(tell.peakRmsRight > floor && tell.peakRmsRight > tell.peakRmsLeft * 1.3, `the clock from the right: ${JSON.stringify(tell)}`);

    // b walks to the other side: the same dice now come from the left.
    await walkTo(b, 25, 20);
    const left = await useAndMeasure(a, b, dice, 1500);
    assert.ok(left.peakRmsLeft > floor && left.peakRmsLeft > left.peakRmsRight * 1.3, `the roll from the left: ${JSON.stringify(left)}`);

    // A sound keeps its place while the listener walks past it: the spin
    // (three seconds) starts on b's left and ends on b's right.
    const pans = () => b.evaluate(() => [...window.__chatgrid.engine.placed].map((n) => n.panner.pan.value));
    await key(a, 'Enter');
    while ((await a.evaluate(() => window.__chatgrid.state.modeState.menu.entries[window.__chatgrid.state.modeState.menu.index].value)) !== wheel) {
      await keyAndHear(a, 'ArrowDown');
    }
    await key(a, 'Enter');
    await b.waitForFunction(() => window.__chatgrid.engine.placed.size > 0, null, { timeout: budget(5000), polling: 20 });
    const before = await pans();
    assert.ok(before.length === 1 && before[0] < -0.2, `the spin starts on the left: ${before}`);
    const walking = walkTo(b, 18, 20);
    // Watched while it plays: once b is past x 20 the same sound pans right.
    const after = await b.waitForFunction(() => {
      const p = [...window.__chatgrid.engine.placed].map((n) => n.panner.pan.value);
      return p.length === 0 || p[0] > 0.2 ? p : false;
    }, null, { timeout: budget(8000), polling: 20 }).then((h) => h.jsonValue());
    assert.ok(after.length === 1 && after[0] > 0.2, `on the right once b has walked past it, while it still plays: ${after}`);
    await walking;

    // The world layer off: nothing.
    assert.equal(await keyAndHear(b, '4'), 'World layer off.');
    const off = await useAndMeasure(a, b, dice, 1500);
    assert.ok(off.peakRmsLeft < left.peakRmsLeft / 4 && off.peakRmsRight < left.peakRmsRight / 4, `silent with the world layer off: ${JSON.stringify(off)}`);
    assert.equal(await keyAndHear(b, '4'), 'World layer on.');
    assert.ok(!b.consoleLines.some((l) => l.startsWith('pageerror')), b.consoleLines.join('\n'));
  } finally {
    await closeAll(browser);
  }
});
