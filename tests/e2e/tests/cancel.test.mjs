// 8. Cancel at each step: the dialog goes away, the page is exactly as it was, nothing was submitted.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, World } from '../lib/world.mjs';
import { findDialog, onScreen, onPinScreen, clickOk, clickCancel, enterPin, dialogPresent } from '../lib/dialog.mjs';
import { PATHS } from '../lib/portal.mjs';

describe('cancel', () => {
  let world;
  before(async () => {
    world = await createWorld({ name: 'cancel' });
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.testbed.resetPins();
    await world.testbed.put('old', 0);
    world.posts.length = 0;
  });

  const steps = {
    'the confirmation dialog': async (dialog) => onScreen(dialog, 'confirm'),
    'the PIN dialog': async (dialog) => {
      await onScreen(dialog, 'confirm');
      await clickOk(dialog, 'confirm');
      await onPinScreen(dialog, 'current');
    },
    'the swap-card message': async (dialog) => {
      await onScreen(dialog, 'confirm');
      await clickOk(dialog, 'confirm');
      await onPinScreen(dialog, 'current');
      await enterPin(dialog, (await world.testbed.card('old')).pin);
      await onScreen(dialog, 'swap');
    },
  };

  for (const [where, reach] of Object.entries(steps)) {
    it(`leaves the page unchanged when cancelled at ${where}`, async () => {
      const menu = await world.openMenu();
      const before = await World.formSnapshot(menu);
      await menu.click('#btnIcRenew');
      const dialog = await findDialog(world.page);
      await reach(dialog);
      await clickCancel(dialog);
      // The dialog leaves the page.
      const deadline = Date.now() + 10_000;
      while (dialogPresent(world.page) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(dialogPresent(world.page), false, 'dialog closed');
      // Same document, same form, same values; no POST; the challenge was never used.
      assert.deepEqual(await World.formSnapshot(menu), before);
      assert.equal(world.posts.filter((p) => p.url.endsWith(PATHS.renewConfirm)).length, 0);
      assert.deepEqual(world.nativeDialogs, [], 'the page did not fall back to the applet');
      assert.equal(await World.challengeStillLive(menu), true);
    });
  }
});
