// axe-core on every screen: sign-in (both forms, with errors), in game, the
// text field, the chat log, help, audio setup; the game surface's own promises
// (a named application that takes focus); the page's landmarks and field
// descriptions; and reflow at 320 CSS pixels (WCAG 1.4.10) on each screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, register, uniqueName, axe, closeAll, key, keyAndHear, press, mark, waitForAnnouncement,
  clientState, walkTo, waitForPeer, budget,
} from './lib/harness.mjs';

function noViolations(v, screen) {
  assert.deepEqual(v, [], `${screen}: ${JSON.stringify(v, null, 1)}`);
}

test('axe-core finds no violations on the login, register, in-game, text field, chat log, help and audio setup screens', { timeout: 90000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    noViolations(await axe(page), 'login');
    // Landmarks: the footer is the page's contentinfo, outside main.
    assert.equal(await page.evaluate(() => !!document.querySelector('body > footer') && !document.querySelector('main footer')), true);
    // Without a saved session the login form does not talk about one.
    assert.equal(await page.isVisible('#loginHint'), false);
    assert.doesNotMatch(await page.getAttribute('#loginUsername', 'aria-describedby'), /loginHint/);
    // Each form is a group named by the heading, so moving into it says which form it is.
    assert.equal(await page.evaluate(() => {
      const g = document.getElementById('loginFields');
      return `${g.getAttribute('role')} ${document.getElementById(g.getAttribute('aria-labelledby')).textContent}`;
    }), 'group Log in');
    await page.click('#modeToggleButton');
    assert.equal(await page.evaluate(() => document.getElementById(document.getElementById('registerFields').getAttribute('aria-labelledby')).textContent), 'Create an account');
    noViolations(await axe(page), 'register');
    // Every register field has its own error element in its description.
    for (const id of ['registerUsername', 'registerPassword', 'registerConfirm', 'registerEmail']) {
      assert.ok((await page.getAttribute(`#${id}`, 'aria-describedby')).split(' ').includes(`${id}Error`), id);
    }
    // An invalid submission marks the field, shows why under it and moves focus there.
    await page.fill('#registerUsername', 'x');
    await page.click('#connectButton');
    assert.equal(await page.getAttribute('#registerUsername', 'aria-invalid'), 'true');
    assert.equal(await page.textContent('#registerUsernameError'), 'Username must be between 2 and 32 characters.');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'registerUsername');
    noViolations(await axe(page), 'register with an error');
    await page.fill('#registerUsername', 'xy');
    await page.fill('#registerPassword', 'password-123');
    await page.fill('#registerConfirm', 'password-124');
    await page.click('#connectButton');
    assert.equal(await page.textContent('#registerConfirmError'), 'The two passwords differ.');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'registerConfirm');

    await page.fill('#registerUsername', '');
    await page.click('#modeToggleButton'); // back to login; register() switches again
    await register(page, uniqueName('ax'));
    noViolations(await axe(page), 'in game');
    const surface = await page.evaluate(() => {
      const s = document.getElementById('gameSurface');
      return { role: s.getAttribute('role'), label: s.getAttribute('aria-label'), tabIndex: s.tabIndex, focused: document.activeElement === s,
        described: document.getElementById(s.getAttribute('aria-describedby')).textContent };
    });
    assert.deepEqual([surface.role, surface.label, surface.tabIndex, surface.focused], ['application', 'Chat Grid', 0, true]);
    assert.match(surface.described, /question mark/);

    // The text field and the chat log.
    await key(page, 'Slash');
    noViolations(await axe(page), 'chat field');
    await page.keyboard.type('axe line');
    const from = await mark(page);
    await press(page, 'Enter');
    await waitForAnnouncement(page, /: axe line$/, { from, region: 'chatLive' });
    assert.equal(await page.isVisible('#chatLog'), true);
    noViolations(await axe(page), 'chat log');

    await page.click('#helpButton');
    assert.equal(await page.getAttribute('#helpButton', 'aria-expanded'), 'true');
    assert.equal(await page.textContent('#helpButton'), 'Help');
    assert.ok(await page.isVisible('#helpSection h3'));
    noViolations(await axe(page), 'help');
    // The help viewer inside the game.
    assert.equal(await keyAndHear(page, 'Shift+Slash'), 'Chat Grid Help');
    noViolations(await axe(page), 'help viewer');
    await key(page, 'Escape');

    await page.click('#audioSetupButton');
    await page.waitForFunction(() => document.getElementById('audioDialog').open);
    await page.waitForFunction(() => document.getElementById('audioInputSelect').options.length > 1);
    noViolations(await axe(page), 'audio setup');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'audioInputSelect');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('audioDialog').open);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'audioSetupButton');
  } finally {
    await closeAll(browser);
  }
});

/** Horizontal overflow of the page, in CSS pixels (0 when nothing scrolls sideways). */
async function overflow(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    return Math.max(root.scrollWidth, document.body.scrollWidth) - root.clientWidth;
  });
}

test('at 320 CSS pixels no screen scrolls sideways, and the grid draws names at their own size', { timeout: 90000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    await page.setViewportSize({ width: 320, height: 640 });
    const screens = [];
    const check = async (screen) => screens.push([screen, await overflow(page)]);
    await check('login');
    await page.fill('#loginPassword', 'x');
    await page.click('#connectButton');
    await page.waitForFunction(() => document.getElementById('loginUsernameError').textContent !== '');
    await check('login with an error');
    await page.click('#modeToggleButton');
    await check('register');
    await page.fill('#registerUsername', 'x');
    await page.click('#connectButton');
    await check('register with an error');
    await page.fill('#registerUsername', '');
    await page.click('#modeToggleButton');
    await register(page, uniqueName('rf'));
    await check('in game');
    await key(page, 'Slash');
    await page.keyboard.type('a line long enough to need wrapping on a narrow screen, with words');
    await check('chat field');
    const from = await mark(page);
    await press(page, 'Enter');
    await waitForAnnouncement(page, /a line long enough/, { from, region: 'chatLive' });
    await check('chat log');
    await page.click('#helpButton');
    await check('help');
    await page.click('#helpButton');
    await page.click('#audioSetupButton');
    await page.waitForFunction(() => document.getElementById('audioDialog').open);
    await check('audio setup');
    await page.keyboard.press('Escape');
    await page.click('#disconnectButton');
    await page.waitForFunction(() => !document.getElementById('sessionView').hidden);
    await check('after disconnecting');
    assert.deepEqual(screens.filter(([, px]) => px > 0), [], `sideways scrolling (px): ${JSON.stringify(screens)}`);

    // The canvas's drawing buffer follows its shown size, so 12 px names stay 12 px.
    await page.click('#connectButton');
    await page.waitForFunction(() => window.__chatgrid.state.running);
    await page.waitForFunction(() => {
      const c = document.getElementById('gameCanvas');
      return c.width === Math.round(c.clientWidth * (window.devicePixelRatio || 1));
    }, null, { timeout: budget(5000) });
    const width = await page.evaluate(() => document.getElementById('gameCanvas').clientWidth);
    assert.ok(width < 320, `the grid fits the screen (${width} px)`);
  } finally {
    await closeAll(browser);
  }
});

/** Teleport to the only listed user, sampling the drawn position until landing. */
async function teleportSamples(page) {
  await keyAndHear(page, 'Shift+L');
  await page.evaluate(() => {
    const s = window.__chatgrid.state;
    window.__slide = (async () => {
      while (!s.teleport) await new Promise((r) => setTimeout(r, 5));
      const from = [s.teleport.fromX, s.teleport.fromY];
      const seen = [];
      while (s.teleport) {
        seen.push([s.drawX, s.drawY]);
        await new Promise((r) => setTimeout(r, 20));
      }
      return { from, seen };
    })();
  });
  await page.keyboard.press('Enter');
  return page.evaluate(() => window.__slide);
}

test('prefers-reduced-motion: the teleport picture jumps instead of sliding', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    const an = uniqueName('ma');
    const bn = uniqueName('mb');
    await register(a, an);
    await register(b, bn);
    const pa = await clientState(a);
    const pb = await clientState(b);
    if (Math.hypot(pa.x - pb.x, pa.y - pb.y) < 6) await walkTo(b, pb.x < 20 ? pb.x + 10 : pb.x - 10, pb.y);
    const bAt = await clientState(b);
    await waitForPeer(a, bn, [bAt.x, bAt.y]);

    await a.emulateMedia({ reducedMotion: 'reduce' });
    const reduced = await teleportSamples(a);
    assert.ok(reduced.seen.length >= 2, `sampled during the slide: ${JSON.stringify(reduced)}`);
    assert.ok(reduced.seen.every(([x, y]) => x === reduced.from[0] && y === reduced.from[1]), `no sliding: ${JSON.stringify(reduced)}`);
    await a.waitForFunction(([x, y]) => window.__chatgrid.state.x === x && window.__chatgrid.state.y === y, [bAt.x, bAt.y]);

    // Without the preference the picture slides (what the check above would catch).
    await walkTo(a, bAt.x < 20 ? bAt.x + 8 : bAt.x - 8, bAt.y);
    await a.emulateMedia({ reducedMotion: 'no-preference' });
    const sliding = await teleportSamples(a);
    assert.ok(sliding.seen.some(([x]) => x !== sliding.from[0] && x !== bAt.x), `slides: ${JSON.stringify(sliding)}`);
  } finally {
    await closeAll(browser);
  }
});
