// 3. Blocked current card → stop, pointing to 2.1.3 利用者情報の新規登録.
// 4. Expired current card → stop, pointing to 2.1.3.
// 5. The current card inserted again as the new one → the dialog says so.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { World, eventually } from '../lib/world.mjs';
import { registeredWorld } from '../lib/registered-world.mjs';
import { findDialog, onScreen, onPinScreen, waitDialog, clickOk, enterPin, clickCancel, dialogPresent } from '../lib/dialog.mjs';
import { PATHS } from '../lib/portal.mjs';

describe('refusals', () => {
  // Three registered users, one per current card: the portal knows each certificate.
  const world = registeredWorld('refusals', { U000001: 'old', U000002: 'blocked', U000003: 'expired' });

  async function startWith(card) {
    await world().testbed.put(card, 0);
    const menu = await world().openMenu();
    const form = await World.formSnapshot(menu);
    await menu.click('#btnIcRenew');
    const dialog = await findDialog(world().page);
    await onScreen(dialog, 'confirm');
    await clickOk(dialog, 'confirm');
    return { menu, form, dialog };
  }

  /** The page as it was; `portalSaw`: the renewal steps that reached the portal; no verified renewal. */
  async function assertNothingSubmitted(menu, form, portalSaw = []) {
    await eventually(() => !dialogPresent(world().page), 'the dialog window to close');
    await world().settled();
    assert.deepEqual(world().renewalSteps(), portalSaw);
    assert.equal(world().posts.filter((p) => p.url.endsWith(PATHS.renewConfirm)).length, 0);
    assert.deepEqual(await World.formSnapshot(menu), form);
    assert.equal(await World.renewalVerified(menu), false, 'no verified renewal in the session');
  }

  it('stops on a blocked current card and points to 2.1.3', async () => {
    const { menu, form, dialog } = await startWith('blocked');
    const state = await onScreen(dialog, 'refused');
    assert.match(state.refusedReason, /閉塞/);
    assert.match(state.text, /2\.1\.3/);
    assert.match(state.text, /利用者情報の新規登録/);
    // Refused before any PIN was asked: no try spent on a blocked card.
    assert.equal((await world().testbed.card('blocked')).blocked, true);
    await clickCancel(dialog);
    await assertNothingSubmitted(menu, form);
  });

  it('stops on an expired current card and points to 2.1.3', async () => {
    const { menu, form, dialog } = await startWith('expired');
    const state = await onScreen(dialog, 'refused');
    assert.match(state.refusedReason, /有効期限/);
    assert.match(state.text, /2\.1\.3/);
    assert.equal((await world().testbed.card('expired')).tries_left, 3, 'no PIN try spent');
    await clickCancel(dialog);
    await assertNothingSubmitted(menu, form);
  });

  it('tells the user when the current card is inserted again as the new one', async () => {
    const old = await world().testbed.card('old');
    const { menu, form, dialog } = await startWith('old');
    await onPinScreen(dialog, 'current');
    await enterPin(dialog, old.pin);
    await onScreen(dialog, 'swap');
    await world().testbed.remove(0);
    await world().testbed.insert('old', 0);
    const state = await waitDialog(dialog, (s) => s.screen === 'swap' && s.swapNotice, 'a swap notice');
    assert.match(state.swapNotice, /現在使用しているICカード/);
    assert.equal(state.swapReady, false, 'OK stays disabled with the same card');
    await clickCancel(dialog);
    // The current card's consent was handed over before the swap; the same card never got to the new-card step.
    await assertNothingSubmitted(menu, form, ['challenge', 'current']);
  });
});
