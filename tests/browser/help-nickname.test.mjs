// Part 1's loose ends: a refused nickname leaves the server's name in place
// and its reason in the chat history; the help (viewer and page) is made from
// the key map, so every bound key, the item keys included, is in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, uniqueName, waitForAnnouncement, mark, key, keyAndHear, press, closeAll,
} from './lib/harness.mjs';

test('a refused nickname keeps the server\'s name and its reason is in the chat history', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    const an = uniqueName('na');
    const bn = uniqueName('nb');
    await register(a, an);
    await register(b, bn);
    await key(a, 'n');
    await a.fill('#entryInput', bn);
    const from = await mark(a);
    await press(a, 'Enter');
    await waitForAnnouncement(a, /^Nickname already in use\.$/, { from, region: 'status' });
    assert.equal(await a.evaluate(() => window.__chatgrid.state.nickname), an, 'the name the server kept');
    const history = await a.evaluate(() => window.__chatgrid.state.chatHistory.slice());
    assert.equal(history.at(-1), 'Nickname already in use.');
    assert.equal(await keyAndHear(a, 'Shift+Period'), `Nickname already in use. (${history.length} of ${history.length})`);
  } finally {
    await closeAll(browser);
  }
});

test('the help lists every bound key, the item keys included', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    await register(a, uniqueName('nh'));
    assert.equal(await keyAndHear(a, 'Shift+Slash'), 'Chat Grid Help');
    const lines = [];
    for (let i = 0; i < 80; i++) {
      const t = await keyAndHear(a, 'ArrowDown');
      lines.push(t);
      if (/^Enter and Escape: /.test(t)) break;
    }
    await keyAndHear(a, 'Escape');
    for (const keys of ['C', 'U', 'L', 'Shift+L', 'P', 'Question mark', 'Escape twice', 'Slash', 'N', 'A', 'I', 'Shift+I', 'Enter',
      'Shift+Enter', 'D', 'Shift+D', 'O', 'Shift+O', 'Z', 'M', 'Shift+M', '1', 'Shift+1', '2', '3', '4', 'Minus', 'Equals', 'Comma', 'Period', 'Shift+Comma', 'Shift+Period', 'Shift+Minus', 'Shift+Equals', 'E', 'V', 'Shift+V', 'Shift+Z']) {
      assert.ok(lines.some((l) => l.startsWith(`${keys}: `)), `the help viewer has ${keys}: ${JSON.stringify(lines)}`);
    }
    assert.ok(lines.includes('Items'), 'an Items section');
    // The page's Help section: the same rows.
    const page = await a.$$eval('#helpContent dt', (dts) => dts.map((d) => d.textContent));
    assert.deepEqual(page, lines.filter((l) => l.includes(': ')).map((l) => l.slice(0, l.indexOf(': '))));
  } finally {
    await closeAll(browser);
  }
});
