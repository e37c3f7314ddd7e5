// Voice through a Janus SFU (voice_mode sfu): Janus from the Debian package,
// started inside the tests' network namespace, chatgridd restarted to control
// it. The mesh's voice assertions run unchanged (lib/voice-cases.mjs), and
// voice comes back by itself after chatgridd restarts; what else only the SFU
// has is in voice-sfu-janus.test.mjs and voice-sfu-outage.test.mjs.
import { test } from 'node:test';
import {
  launchBrowser, newPage, register, uniqueName, walkTo, waitForVoice, waitForAnnouncement, mark, closeAll,
  restartDaemon,
} from './lib/harness.mjs';
import { voiceCases, until, expectVia, A_TONE, B_TONE, SILENT } from './lib/voice-cases.mjs';
import { useSfu } from './lib/janus.mjs';

const skip = useSfu('sfu');
if (skip) test('SFU voice', { skip }, () => {});
else {
  voiceCases('sfu');

  test('sfu: after chatgridd restarts, pages reconnect and hear each other through Janus again', { timeout: 180000 }, async () => {
    const ba = await launchBrowser({ tone: A_TONE });
    const bb = await launchBrowser({ tone: B_TONE });
    try {
      const a = await newPage(ba);
      const b = await newPage(bb);
      await register(b, uniqueName('sb'));
      await walkTo(b, 20, 40);
      await register(a, uniqueName('sa'));
      await walkTo(a, 12, 40);
      await waitForVoice(b);
      await until(b, 'A heard before the restart', (m) => m.left[A_TONE] > SILENT && m.left[A_TONE] - m.right[A_TONE] > 6);
      const fromA = await mark(a);
      const fromB = await mark(b);
      await restartDaemon();
      await waitForAnnouncement(b, /Reconnected to server/, { from: fromB, timeout: 40000 });
      await waitForAnnouncement(a, /Reconnected to server/, { from: fromA, timeout: 40000 });
      await waitForVoice(b, 1, 30000);
      await expectVia(b, 'sfu');
      await until(b, 'A heard again after the restart', (m) => m.left[A_TONE] > SILENT && m.left[A_TONE] - m.right[A_TONE] > 6, 15000);
    } finally {
      await closeAll(ba, bb);
    }
  });
}
