// 2. A wrong PIN once, then the right one: the dialog shows the tries left and the flow carries on.
// 7. The card pulled out during the PIN step: a clear message, nothing sent to the portal (the challenge is asked
//    for only once the PIN is in).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, World } from '../lib/world.mjs';
import { findDialog, onScreen, onPinScreen, waitDialog, clickOk, enterPin, clickCancel } from '../lib/dialog.mjs';
import { PATHS } from '../lib/portal.mjs';

describe('PIN dialog', () => {
  let world;
  before(async () => {
    world = await createWorld({ name: 'pin' });
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.testbed.resetPins();
    await world.testbed.put('old', 0);
    world.posts.length = 0;
  });

  it('shows the tries left after a wrong PIN and accepts the right one next', async () => {
    const old = await world.testbed.card('old');
    const menu = await world.openMenu();
    await menu.click('#btnIcRenew');
    const dialog = await findDialog(world.page);
    await onScreen(dialog, 'confirm');
    await clickOk(dialog, 'confirm');
    const first = await onPinScreen(dialog, 'current');

    await enterPin(dialog, '9999');
    const retry = await waitDialog(dialog, (s) => s.screen === 'pin' && s.pinError, 'the PIN dialog with an error');
    assert.match(retry.pinTitle, /現在使用しているICカード/);
    assert.match(retry.tries ?? '', new RegExp(`${old.max_tries - 1}`), `tries left shown: ${JSON.stringify(retry)}`);
    assert.notEqual(retry.tries, first.tries);
    assert.equal(await dialog.inputValue('#pin-input'), '', 'the PIN field is emptied');
    assert.equal((await world.testbed.card('old')).tries_left, old.max_tries - 1);

    await enterPin(dialog, old.pin);
    await onScreen(dialog, 'swap');
    // A correct PIN puts the card's counter back.
    assert.equal((await world.testbed.card('old')).tries_left, old.max_tries);
    await clickCancel(dialog);
    // Only the current card's consent reached the portal: no new card, no verified renewal.
    await world.settled();
    assert.deepEqual(world.renewalSteps(), ['challenge', 'current']);
    assert.equal(world.posts.filter((p) => p.url.endsWith(PATHS.renewConfirm)).length, 0);
    assert.equal(await World.renewalVerified(menu), false);
  });

  it('says the card was pulled out during the PIN step and submits nothing', async () => {
    const old = await world.testbed.card('old');
    const menu = await world.openMenu();
    const before = await World.formSnapshot(menu);
    await menu.click('#btnIcRenew');
    const dialog = await findDialog(world.page);
    await onScreen(dialog, 'confirm');
    await clickOk(dialog, 'confirm');
    await onPinScreen(dialog, 'current');

    // The card leaves the reader in the middle of VERIFY.
    await world.testbed.vanishOnNextApdu('old');
    await enterPin(dialog, old.pin);
    const state = await waitDialog(dialog, (s) => s.screen === 'insert', 'the insert-card screen');
    assert.match(state.insertNotice ?? '', /抜かれました/);
    assert.match(state.text, /現在使用しているICカードをICカードリーダーに挿入してください/);

    // Nothing reached the portal: not even a challenge was asked for; the page as it was.
    assert.deepEqual(world.renewalSteps(), []);
    assert.equal(world.posts.filter((p) => p.url.endsWith(PATHS.renewConfirm)).length, 0);
    assert.deepEqual(await World.formSnapshot(menu), before);

    // Putting the card back resumes at its PIN dialog. (remove() waits until pcscd has seen the slot empty: a
    // card reseated faster than pcscd polls never looked removed to anyone.)
    await world.testbed.remove(0);
    await world.testbed.insert('old', 0);
    await onPinScreen(dialog, 'current');
    await clickCancel(dialog);
    await world.settled();
    assert.deepEqual(world.renewalSteps(), [], 'no renewal request reached the portal');
    assert.equal(await World.renewalVerified(menu), false);
    assert.deepEqual(await World.formSnapshot(menu), before);
    assert.equal(world.pinLogged(old.pin), false);
  });
});
