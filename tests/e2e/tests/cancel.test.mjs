// 8. Cancel at each step: the dialog's window closes, the page is exactly as it was, and the portal holds no
//    renewal. Before the current card's PIN nothing reaches the portal at all; at the swap the portal has the
//    current card's consent (steps 1–2 happen before the swap) but no new card, so nothing is verified.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, World, eventually } from '../lib/world.mjs';
import { findDialog, onScreen, onPinScreen, clickOk, clickCancel, enterPin, dialogPresent } from '../lib/dialog.mjs';
import { PATHS, sameCertificate } from '../lib/portal.mjs';

describe('cancel', () => {
  let world;
  let old;
  before(async () => {
    world = await createWorld({ name: 'cancel' });
    old = await world.testbed.card('old');
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.testbed.resetPins();
    await world.testbed.put('old', 0);
    world.posts.length = 0;
    world.nativeDialogs.length = 0;
  });

  const steps = {
    'the confirmation dialog': {
      reach: async (dialog) => onScreen(dialog, 'confirm'),
      portalSaw: [],
    },
    'the PIN dialog': {
      reach: async (dialog) => {
        await onScreen(dialog, 'confirm');
        await clickOk(dialog, 'confirm');
        await onPinScreen(dialog, 'current');
      },
      portalSaw: [],
    },
    'the swap-card message': {
      reach: async (dialog) => {
        await onScreen(dialog, 'confirm');
        await clickOk(dialog, 'confirm');
        await onPinScreen(dialog, 'current');
        await enterPin(dialog, old.pin);
        await onScreen(dialog, 'swap');
      },
      // The current card's consent went to the portal before the swap; the new card's never did.
      portalSaw: ['challenge', 'current'],
    },
  };

  for (const [where, { reach, portalSaw }] of Object.entries(steps)) {
    it(`leaves the page unchanged when cancelled at ${where}`, async () => {
      const registered = world.portal.user('U000001');
      const menu = await world.openMenu();
      const before = await World.formSnapshot(menu);
      await menu.click('#btnIcRenew');
      const dialog = await findDialog(world.page);
      await reach(dialog);
      await clickCancel(dialog);
      // The dialog's window closes.
      await eventually(() => !dialogPresent(world.page), 'the dialog window to close');
      // Same document, same form; the frame did not navigate; the applet path never ran.
      assert.deepEqual(await World.formSnapshot(menu), before);
      assert.deepEqual(world.nativeDialogs, [], 'the page did not fall back to the applet');
      // What reached the portal, and that it holds no verified renewal for this session.
      await world.settled();
      assert.deepEqual(world.renewalSteps(), portalSaw);
      assert.equal(world.posts.filter((p) => p.url.endsWith(PATHS.renewConfirm)).length, 0);
      assert.equal(await World.renewalVerified(menu), false, 'no verified renewal in the session');
      // Nothing changed at the portal.
      const after = world.portal.user('U000001');
      assert.ok(sameCertificate(after.certificate, registered.certificate));
      assert.deepEqual(world.portal.state().pending, []);
      assert.deepEqual(world.portal.mail(), []);
    });
  }
});
