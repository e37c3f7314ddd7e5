// Outgoing voice effects (E, Shift+Minus / Shift+Equal): the menu's and the
// level keys' words, the choice and levels kept across a reload, and on the
// mesh what another user measurably hears (lib/voice-effects-cases.mjs;
// voice-effects-sfu.test.mjs runs those through a Janus SFU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, register, uniqueName, keyAndHear, closeAll } from './lib/harness.mjs';
import { effectVoiceCases, effectState, keyTimes, reloadAndResume } from './lib/voice-effects-cases.mjs';

test('E opens the Effects menu; Enter applies, Escape cancels; Shift+Minus and Shift+Equal step the level', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    await register(a, uniqueName('fe'));
    assert.deepEqual(await effectState(a), {
      effect: 'off', levels: { reverb: 50, echo: 50, flanger: 50, high_pass: 50, low_pass: 50, off: 50 }, engine: { name: 'off', level: 50 },
    });
    assert.equal(await keyAndHear(a, 'Shift+Equal'), 'No effect selected.');
    assert.equal(await keyAndHear(a, 'Shift+Minus'), 'No effect selected.');

    assert.equal(await keyAndHear(a, 'e'), 'Effects. Off', 'the menu opens on the current effect');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Reverb', 'Down wraps from the last entry');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Echo');
    assert.equal(await keyAndHear(a, 'ArrowUp'), 'Reverb');
    assert.equal(await keyAndHear(a, 'Escape'), 'Cancelled.');
    assert.equal((await effectState(a)).effect, 'off', 'Escape applies nothing');
    assert.equal(await a.evaluate(() => window.__chatgrid.state.mode), 'normal');

    assert.equal(await keyAndHear(a, 'e'), 'Effects. Off');
    assert.equal(await keyAndHear(a, 'l'), 'Low Pass', 'a letter jumps');
    assert.equal(await keyAndHear(a, 'h'), 'High Pass');
    assert.equal(await keyAndHear(a, 'Enter'), 'High Pass.');
    assert.equal(await a.evaluate(() => window.__chatgrid.state.mode), 'normal');
    assert.deepEqual((await effectState(a)).engine, { name: 'high_pass', level: 50 });

    assert.equal(await keyAndHear(a, 'Shift+Equal'), 'High Pass 55.');
    assert.equal(await keyAndHear(a, 'Shift+Equal'), 'High Pass 60.');
    assert.equal(await keyAndHear(a, 'Shift+Minus'), 'High Pass 55.');
    assert.deepEqual((await effectState(a)).engine, { name: 'high_pass', level: 55 });
    assert.equal(await keyTimes(a, 'Shift+Minus', 11), 'High Pass 0.');
    assert.equal(await keyAndHear(a, 'Shift+Minus'), 'High Pass 0.', 'clamped at 0');
    assert.equal(await a.evaluate(() => window.__chatgrid.state.masterVolume), 50, 'Shift+Minus is not the master volume');
    assert.equal(await keyAndHear(a, 'Minus'), 'Master volume 45');

    // Levels are per effect.
    assert.equal(await keyAndHear(a, 'e'), 'Effects. High Pass', 'the menu opens on the current effect');
    assert.equal(await keyAndHear(a, 'ArrowUp'), 'Flanger');
    assert.equal(await keyAndHear(a, 'Enter'), 'Flanger.');
    assert.equal(await keyAndHear(a, 'Shift+Equal'), 'Flanger 55.');
    assert.equal(await keyTimes(a, 'Shift+Equal', 9), 'Flanger 100.');
    assert.equal(await keyAndHear(a, 'Shift+Equal'), 'Flanger 100.', 'clamped at 100');
    const before = await effectState(a);
    assert.deepEqual(before.levels, { reverb: 50, echo: 50, flanger: 100, high_pass: 0, low_pass: 50, off: 50 });
    assert.deepEqual(before.engine, { name: 'flanger', level: 100 });

    // The help lists the keys.
    assert.ok(await a.evaluate(() => /Shift\+Minus/.test(document.body.textContent) && /Shift\+Equals/.test(document.body.textContent) && /Choose an effect for your voice/.test(document.body.textContent)), 'the page\'s help lists the effect keys');

    // Reload: the effect and every level come back, and the engine runs them.
    await reloadAndResume(a);
    assert.deepEqual(await effectState(a), before);
    assert.equal(await keyAndHear(a, 'e'), 'Effects. Flanger');
    assert.equal(await keyAndHear(a, 'Escape'), 'Cancelled.');
  } finally {
    await closeAll(browser);
  }
});

effectVoiceCases('mesh');
