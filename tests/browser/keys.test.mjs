// Normal-mode keys: each one's announcement, movement bounds, the text field,
// chat between two pages, settings read back after a reload, focus never trapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, uniqueName, walkTo, waitForPeer, waitForAnnouncement, mark,
  clientState, key, keyAndHear, press, pressAndHear, focused, closeAll,
} from './lib/harness.mjs';

test('normal-mode keys announce what they do', { timeout: 150000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    const an = uniqueName('ka');
    const bn = uniqueName('kb');
    await register(a, an);
    let said = await keyAndHear(a, 'l');
    assert.match(said, /^No users to locate\.$/);
    await register(b, bn);
    await walkTo(b, 10, 10);
    await walkTo(a, 13, 14);
    await waitForPeer(a, bn, [10, 10]);

    const s = await clientState(a);
    assert.equal(await keyAndHear(a, 'c'), `${s.x}, ${s.y}`);
    const names = [an, bn].sort();
    said = await keyAndHear(a, 'u');
    assert.equal(said, `2 users: ${an}, ${bn}`);
    assert.ok(names.includes(an));
    assert.equal(await keyAndHear(a, 'l'), `${bn}, 5 squares southwest, 10, 10`);

    // Shift+L: the list, per-user volume, and Enter teleports to the user.
    assert.equal(await keyAndHear(a, 'Shift+L'), `1 user. ${bn}, volume 1, 5 squares southwest, 10, 10`);
    assert.equal(await keyAndHear(a, 'ArrowRight'), `${bn} volume 1.05.`);
    assert.equal(await keyAndHear(a, 'ArrowLeft'), `${bn} volume 1.`);
    assert.equal(await keyAndHear(a, 'ArrowDown'), `${bn}, volume 1, 5 squares southwest, 10, 10`);
    assert.equal(await keyAndHear(a, 'Escape'), 'Exit list mode.');
    assert.equal((await focused(a)).id, 'gameSurface', 'the grid keeps focus');
    await keyAndHear(a, 'Shift+L');
    assert.equal(await keyAndHear(a, 'Enter', /^Moved to /), `Moved to ${bn}.`);
    await a.waitForFunction(() => window.__chatgrid.state.x === 10 && window.__chatgrid.state.y === 10);
    assert.ok(!a.received.some((m) => m.type === 'error'), 'the server accepted the teleport');
    await waitForPeer(b, an, [10, 10]);

    // Walking onto someone's tile says who is there.
    await walkTo(a, 11, 10);
    assert.equal(await keyAndHear(a, 'ArrowLeft'), bn);

    // Chat: a labelled text field, edited with the browser's own keys.
    await key(a, '/');
    assert.deepEqual(await focused(a), { id: 'entryInput', tag: 'INPUT', type: 'text', label: 'Chat message', value: '' });
    await a.keyboard.type('hi!');
    await press(a, 'ArrowLeft');
    await press(a, 'Backspace');
    await press(a, 'End');
    await a.keyboard.type(' there');
    assert.equal((await focused(a)).value, 'h! there');
    await press(a, 'Home');
    await press(a, 'Delete');
    await press(a, 'Delete');
    await a.keyboard.type('hi');
    const fromB = await mark(b);
    await press(a, 'Enter');
    await waitForAnnouncement(b, new RegExp(`^${an}: hi there$`), { from: fromB, region: 'chatLive' });
    await waitForAnnouncement(a, new RegExp(`^${an}: hi there$`), { region: 'chatLive' });
    await key(a, '/');
    await a.keyboard.type('/me waves');
    await press(a, 'Enter');
    await waitForAnnouncement(b, new RegExp(`^${an} waves$`), { from: fromB });
    // The echo of our own line must be in before the history is read below.
    await waitForAnnouncement(a, new RegExp(`^${an} waves$`));
    await key(a, '/');
    assert.equal((await focused(a)).label, 'Chat message');
    assert.equal(await pressAndHear(a, 'Escape'), 'Cancelled.');

    // Chat history, with each line's place in the log.
    const history = await a.evaluate(() => window.__chatgrid.state.chatHistory.slice());
    const n = history.length;
    assert.equal(await keyAndHear(a, 'Shift+Comma'), `${history[0]} (1 of ${n})`);
    assert.equal(await keyAndHear(a, 'Shift+Period'), `${an} waves (${n} of ${n})`);
    assert.equal(await keyAndHear(a, 'Comma'), `${an}: hi there (${n - 1} of ${n})`);
    assert.equal(await keyAndHear(a, 'Period'), `${an} waves (${n} of ${n})`);
    assert.deepEqual(await a.$$eval('#chatLog li', (lis) => lis.map((li) => li.textContent)), history, 'the visible chat log holds the history');

    // Nickname: the field holds the name, selected; typing replaces it.
    await key(a, 'n');
    assert.deepEqual(await focused(a), { id: 'entryInput', tag: 'INPUT', type: 'text', label: 'New nickname', value: an });
    const nick = `${an}x`.slice(0, 32);
    await a.keyboard.type(nick);
    assert.equal((await focused(a)).value, nick);
    const fromB2 = await mark(b);
    await press(a, 'Enter');
    await waitForAnnouncement(a, new RegExp(`^You are now known as ${nick}\\.$`));
    await waitForAnnouncement(b, new RegExp(`^${an} is now known as ${nick}\\.$`), { from: fromB2 });
    await waitForPeer(b, nick);

    // Ping, help.
    assert.match(await keyAndHear(a, 'p'), /^Ping \d+ ms$/);
    assert.equal(await keyAndHear(a, 'Shift+Slash'), 'Chat Grid Help');
    assert.match(await keyAndHear(a, 'ArrowDown'), /^Arrow keys: Move one square/);
    assert.match(await keyAndHear(a, 'End'), /^Enter and Escape: /);
    assert.equal(await keyAndHear(a, 'Escape'), 'Closed help.');

    // Audio keys.
    assert.equal(await keyAndHear(a, 'm'), 'Muted.');
    assert.deepEqual(await a.evaluate(() => window.__chatgrid.micEnabled()), [false]);
    assert.equal(await keyAndHear(a, 'm'), 'Unmuted.');
    assert.equal(await keyAndHear(a, 'Shift+M'), 'Mono output.');
    assert.equal(await keyAndHear(a, '1'), 'Voice layer off.');
    assert.equal(await keyAndHear(a, '1'), 'Voice layer on.');
    assert.equal(await keyAndHear(a, 'Shift+Digit1'), 'Loopback on.');
    assert.equal(await keyAndHear(a, 'Shift+Digit1'), 'Loopback off.');
    assert.equal(await keyAndHear(a, 'Minus'), 'Master volume 45');
    assert.equal(await keyAndHear(a, 'Equal'), 'Master volume 50');
    assert.equal(await keyAndHear(a, 'Minus'), 'Master volume 45');
    await key(a, 'v');
    assert.deepEqual(await focused(a), { id: 'entryInput', tag: 'INPUT', type: 'text', label: 'Microphone gain', value: '2' });
    assert.equal(await pressAndHear(a, 'ArrowUp'), '2.05');
    assert.equal(await pressAndHear(a, 'Enter'), 'Microphone gain set to 2.05.');
    await key(a, 'v');
    assert.equal((await focused(a)).value, '2.05');
    await a.keyboard.type('9');
    assert.equal(await pressAndHear(a, 'Enter'), 'Volume must be between 0.5 and 4.');
    assert.equal(await a.getAttribute('#entryInput', 'aria-invalid'), 'true');
    assert.equal(await pressAndHear(a, 'Escape'), 'Cancelled.');
    assert.equal(await keyAndHear(a, 'Shift+V'), 'Speak for 5 seconds to calibrate your microphone.');
    const calibrated = await waitForAnnouncement(a, /^(Mic calibration set to [\d.]+x\.|No audio detected, please try again\.)$/, { timeout: 10000 });
    const expectedGain = /set to ([\d.]+)x/.test(calibrated) ? Number(/set to ([\d.]+)x/.exec(calibrated)[1]) : 2.05;

    // Tab leaves the grid: focus is never trapped.
    await a.focus('#gameSurface');
    await a.keyboard.press('Tab');
    assert.notEqual(await a.evaluate(() => document.activeElement.id), 'gameSurface');

    // Settings come back after a reload.
    await a.reload();
    await a.waitForFunction(() => window.__chatgrid && window.__chatgrid.state.masterVolume === 45);
    const st = await a.evaluate(() => ({
      mono: window.__chatgrid.state.monoOutput, gain: window.__chatgrid.state.micGain,
      gains: window.__chatgrid.state.peerListenGains, layers: window.__chatgrid.state.layers,
    }));
    assert.equal(st.mono, true);
    assert.equal(st.gain, expectedGain);
    assert.equal(st.gains[bn], 1);
    assert.deepEqual(st.layers, { voice: true, item: true, media: true, world: true });

    // Double Escape disconnects (b is still connected).
    await b.focus('#gameSurface');
    assert.equal(await keyAndHear(b, 'Escape'), 'Press Escape again to disconnect.');
    const fromEsc = await mark(b);
    await key(b, 'Escape');
    await waitForAnnouncement(b, /^Disconnected\.$/, { from: fromEsc, region: 'connectionStatus' });
    assert.equal((await clientState(b)).running, false);
    assert.equal(await b.isVisible('#connectButton'), true);
  } finally {
    await closeAll(browser);
  }
});

test('movement stays inside the grid, bumps are announced, held arrows walk at the server\'s pace', { timeout: 90000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    await register(a, uniqueName('mv'));
    await walkTo(a, 1, 0);
    await key(a, 'ArrowLeft');
    await a.waitForFunction(() => window.__chatgrid.state.x === 0);
    assert.deepEqual(a.sent.filter((m) => m.type === 'update_position').at(-1), { type: 'update_position', x: 0, y: 0 });
    const sent = a.sent.length;
    assert.equal(await keyAndHear(a, 'ArrowLeft'), 'Wall to the west.');
    assert.equal(await keyAndHear(a, 'ArrowDown'), 'Wall to the south.');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!a.sent.slice(sent).some((m) => m.type === 'update_position'), 'no move off the grid is sent');
    assert.deepEqual([(await clientState(a)).x, (await clientState(a)).y], [0, 0]);

    const { gridSize } = await clientState(a);
    await walkTo(a, gridSize - 1, gridSize - 1);
    assert.equal(await keyAndHear(a, 'ArrowUp'), 'Wall to the north.');
    assert.equal(await keyAndHear(a, 'ArrowRight'), 'Wall to the east.');

    // Hold Left for a second: one step per movement window, none refused by the
    // server. The page times the key's press and release itself, so a busy
    // machine that delays the test's own commands changes only how long the
    // key is held, not what may be said about it.
    await walkTo(a, 20, 20);
    await new Promise((r) => setTimeout(r, 300));
    const before = a.received.length;
    await a.focus('#gameSurface');
    await a.evaluate(() => {
      const held = { down: 0, up: 0, ran: /** @type {number[]} */ ([]) };
      /** @type {any} */ (window).__held = held;
      window.addEventListener('keydown', (e) => { if (e.code === 'ArrowLeft' && !held.down) held.down = Date.now(); }, true);
      window.addEventListener('keyup', (e) => { if (e.code === 'ArrowLeft') held.up = Date.now(); }, true);
      // The movement windows in which the page's timers ran at all while the
      // key was down: a starved page cannot step in the others.
      const tickMs = window.__chatgrid.state.movementTickMs;
      const probe = window.setInterval(() => {
        if (held.up) { window.clearInterval(probe); return; }
        const w = Math.floor(Date.now() / tickMs);
        if (held.down && held.ran.at(-1) !== w) held.ran.push(w);
      }, 10);
    });
    const startX = (await clientState(a)).x;
    await a.keyboard.down('ArrowLeft');
    await new Promise((r) => setTimeout(r, 1000));
    await a.keyboard.up('ArrowLeft');
    await a.waitForFunction(() => window.__held.up > 0);
    await new Promise((r) => setTimeout(r, 400));
    const s = await clientState(a);
    const { down, up, ran, tick } = await a.evaluate(() => ({ ...window.__held, tick: window.__chatgrid.state.movementTickMs }));
    // The movement windows the key was down in: at most one step each, and
    // a step in at least half of those in which the page got to run.
    const windows = Math.floor(up / tick) - Math.floor(down / tick) + 1;
    const steps = startX - s.x;
    assert.ok(steps <= windows, `no faster than one step per ${tick} ms window (${steps} steps in ${windows} windows)`);
    assert.ok(ran.length >= 1 && steps >= Math.ceil(ran.length / 2),
      `walking while the key is held (${steps} steps; the page ran in ${ran.length} of ${windows} windows)`);
    const echoes = a.received.slice(before).filter((m) => m.type === 'update_position' && m.id === s.selfId);
    assert.deepEqual([echoes.at(-1).x, echoes.at(-1).y], [s.x, s.y], 'the server agrees with the client');
    assert.equal(new Set(echoes.map((m) => m.x)).size, echoes.length, 'no correction');
  } finally {
    await closeAll(browser);
  }
});
