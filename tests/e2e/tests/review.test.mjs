// 6. The new card's 商号 differs from the 名簿: the renewal is held (仮登録), the city approves it at
//    /admin/renewals, and only then the new card logs in.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld } from '../lib/world.mjs';
import { renewToConfirmation, commitRenewal } from '../lib/renewal.mjs';
import { PATHS, sameCertificate } from '../lib/portal.mjs';

describe('商号 mismatch', () => {
  let world;
  before(async () => {
    world = await createWorld({ name: 'review' });
  });
  after(async () => {
    await world?.close();
  });

  it('holds the renewal until the city approves it; then the new card logs in', async () => {
    const old = await world.testbed.card('old');
    const other = await world.testbed.card('other-company');
    const menu = await world.openMenu();
    const confirmation = await renewToConfirmation(world, {
      menu,
      currentPin: old.pin,
      newCard: 'other-company',
      newPin: other.pin,
    });
    // The confirmation page shows the other company's name from the new certificate.
    assert.equal(confirmation.new['ICカード商号又は名称'], other.organization);
    assert.notEqual(confirmation.new['ICカード商号又は名称'], confirmation.current['ICカード商号又は名称']);

    const done = await commitRenewal(menu);
    assert.match(done, /保留/);
    assert.ok(sameCertificate(world.portal.user('U000001').certificate, old.certificate), 'old card still registered');
    assert.equal(world.portal.state().pending.length, 1);

    // While held: the old card works, the new one is not registered yet.
    assert.ok((await world.login({ slot: 0, pin: other.pin })).ok === false);
    await world.testbed.put('old', 0);
    assert.ok((await world.login({ slot: 0, pin: old.pin })).ok);

    // The city approves.
    const admin = await world.adminPage(PATHS.adminRenewals);
    assert.match(admin, /U000001/);
    assert.match(admin, new RegExp(other.organization.replace(/[【】]/g, '.')));
    await Promise.all([world.page.waitForLoadState('load'), world.page.click('input[name="btnApprove"]')]);
    await world.page.waitForFunction(() => !document.querySelector('input[name="btnApprove"]'));
    assert.equal(world.portal.state().pending.length, 0);
    assert.ok(sameCertificate(world.portal.user('U000001').certificate, other.certificate));
    const subjects = world.portal.mail().map((m) => m.subject);
    assert.ok(subjects.some((s) => s.includes('承認')), subjects.join(', '));

    await world.testbed.put('other-company', 0);
    const withNew = await world.login({ slot: 0, pin: other.pin });
    assert.ok(withNew.ok, withNew.text);
    await world.testbed.put('old', 0);
    assert.equal((await world.login({ slot: 0, pin: old.pin })).ok, false);
  });
});
