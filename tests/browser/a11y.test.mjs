// axe-core on every screen: sign-in (both forms), in game, help, audio setup,
// and the game surface's own promises (a named application that takes focus).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, register, uniqueName, axe, closeAll, key, keyAndHear } from './lib/harness.mjs';

function noViolations(v, screen) {
  assert.deepEqual(v, [], `${screen}: ${JSON.stringify(v, null, 1)}`);
}

test('axe-core finds no violations on the login, register, in-game, help and audio setup screens', { timeout: 90000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    noViolations(await axe(page), 'login');
    await page.click('#modeToggleButton');
    noViolations(await axe(page), 'register');
    // An invalid submission marks the field and says why.
    await page.fill('#registerUsername', 'x');
    await page.click('#connectButton');
    assert.equal(await page.getAttribute('#registerUsername', 'aria-invalid'), 'true');
    noViolations(await axe(page), 'register with an error');

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

    await page.click('#helpButton');
    assert.equal(await page.getAttribute('#helpButton', 'aria-expanded'), 'true');
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
