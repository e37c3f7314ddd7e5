// Item interest (issue 19): items come into a page's world and leave it as the
// player walks, and a screen-reader user hears nothing of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import {
  launchBrowser, newPage, register, login, uniqueName, walkTo, mark, announcements, budget,
  restartDaemon, closeAll, ADMIN,
} from './lib/harness.mjs';

const MARK = '# items-interest.test';

/** Give the daemon the built widget plugin (plugin_dir is read at start) and restart it. */
async function withWidgets(on) {
  const conf = process.env.CG_CONF;
  const base = readFileSync(conf, 'utf8').split(`\n${MARK}\n`)[0].replace(/\n*$/, '\n');
  if (on) {
    const build = path.resolve(path.dirname(process.env.CG_DAEMON), '../..');  // CG_DAEMON is <build>/core/chatgridd/chatgridd
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cg-plugins-'));
    copyFileSync(path.join(build, 'plugins/widget/.libs/widget.so'), path.join(dir, 'widget.so'));
    writeFileSync(conf, `${base}\n${MARK}\nplugin_dir ${dir}\nitemhost ${path.join(build, 'core/itemhost/chatgrid-itemhost')}\n`);
  } else {
    writeFileSync(conf, base);
  }
  await restartDaemon();
}

/** How many items the page knows. */
function itemCount(page) {
  return page.evaluate(() => window.__chatgrid.state.items.size);
}

async function waitItems(page, want, what) {
  try {
    await page.waitForFunction((n) => window.__chatgrid.state.items.size === n, want, { timeout: budget(15000), polling: 100 });
  } catch {
    throw new Error(`${what}: the page knows ${await itemCount(page)} items, not ${want}`);
  }
}

test('items enter and leave a walker\'s world by interest, silently', { timeout: 180000 }, async () => {
  const ba = await launchBrowser();
  const bb = await launchBrowser();
  try {
    await withWidgets(true);
    // The admin puts ten widgets on 2, 2.
    const admin = await newPage(ba);
    await login(admin, ADMIN.username, ADMIN.password);
    await walkTo(admin, 2, 2);
    const before = await itemCount(admin);
    for (let i = 0; i < 10; i++) await admin.evaluate(() => window.__chatgrid.send({ type: 'item_add', itemType: 'widget' }));
    await waitItems(admin, before + 10, 'the admin\'s widgets');

    // A walker far away (36 cells: beyond item_interest_radius 24) knows none of them.
    const walker = await newPage(bb);
    await register(walker, uniqueName('walk'));
    await walkTo(walker, 38, 38);
    await waitItems(walker, 0, 'at 38, 38');
    const from = await mark(walker);

    // Walking in brings them; walking out takes them away again.
    await walkTo(walker, 12, 12);
    await waitItems(walker, before + 10, 'at 12, 12');
    await walkTo(walker, 38, 38);
    await waitItems(walker, 0, 'back at 38, 38');

    const said = (await announcements(walker)).slice(from).map((a) => a.text);
    const aboutItems = said.filter((t) => /widget|item/i.test(t));
    assert.deepEqual(aboutItems, [], `nothing about items was announced during the walk: ${JSON.stringify(said)}`);
  } finally {
    await closeAll(ba, bb);
    await withWidgets(false);
  }
});
