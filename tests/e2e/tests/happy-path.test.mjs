// 1. The whole renewal through every screen to 更新完了; afterwards the old card is refused at /login and the
//    new one accepted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld } from '../lib/world.mjs';
import { renewToConfirmation, commitRenewal } from '../lib/renewal.mjs';
import { COMPANY, PATHS, sameCertificate } from '../lib/portal.mjs';

describe('happy path', () => {
  let world;
  before(async () => {
    world = await createWorld({ name: 'happy' });
  });
  after(async () => {
    await world?.close();
  });

  it('renews the current card through every screen and only the new card logs in afterwards', async () => {
    const old = await world.testbed.card('old');
    const fresh = await world.testbed.card('new');
    const menu = await world.openMenu();

    const seen = [];
    const confirmation = await renewToConfirmation(world, {
      menu,
      currentPin: old.pin,
      newCard: 'new',
      newPin: fresh.pin,
      onScreen: async (name) => seen.push(name),
    });
    assert.deepEqual(seen, ['confirm', 'pin-current', 'swap', 'swap-ready', 'pin-new', 'confirmation']);
    // The page was never handed to the applet's error path.
    assert.deepEqual(world.nativeDialogs, []);

    // 電子証明書更新確認画面, decoded from Shift_JIS by the browser: registration data + both certificates.
    assert.match(confirmation.text, /電子証明書更新確認/);
    for (const [table, card] of [
      [confirmation.current, old],
      [confirmation.new, fresh],
    ]) {
      assert.equal(table['商号又は名称'], COMPANY.company_name);
      assert.equal(table['所在地'], COMPANY.address);
      assert.equal(table['ICカード商号又は名称'], card.organization);
      assert.equal(table['ICカード取得者氏名'], card.holder_name);
      assert.equal(table['ICカード取得者業者所在地'], card.address);
      assert.equal(table['証明書シリアル番号'].toUpperCase(), card.serial);
      assert.match(table['証明書発行者'], /テスト電子認証局/);
      assert.match(table['証明書有効期限'], /^\d{4}\/\d{2}\/\d{2}/);
    }
    assert.ok(confirmation.text.includes('更新'));

    // Exactly one renewal POST, carrying the four fields the applet used to fill.
    const renewPosts = world.posts.filter((p) => p.url.endsWith(PATHS.renewConfirm));
    assert.equal(renewPosts.length, 1);
    const posted = new URLSearchParams(renewPosts[0].body);
    for (const field of ['challenge', 'oldCertificate', 'oldSignature', 'newCertificate', 'newSignature']) {
      assert.ok(posted.get(field), `${field} posted`);
    }
    assert.ok(sameCertificate(posted.get('oldCertificate'), old.certificate));
    assert.ok(sameCertificate(posted.get('newCertificate'), fresh.certificate));

    const done = await commitRenewal(menu);
    assert.match(done, /ICカードの更新が完了しました/);
    assert.ok(sameCertificate(world.portal.user('U000001').certificate, fresh.certificate));
    assert.ok(world.portal.mail().some((m) => m.subject.includes('ICカード更新完了通知')));
    assert.match(await world.adminPage(PATHS.adminMail), /ICカード更新完了通知/);

    // Login: the new card (still in slot 0) is accepted, the old one refused.
    const withNew = await world.login({ slot: 0, pin: fresh.pin });
    assert.ok(withNew.ok, withNew.text);
    assert.match(withNew.text, /ログインしました/);
    await world.testbed.put('old', 0);
    const withOld = await world.login({ slot: 0, pin: old.pin });
    assert.equal(withOld.ok, false);
    assert.match(withOld.text, /更新済みのICカードです/);

    // The PINs never reached a log.
    assert.ok(world.hostLogs().length > 0, 'the host wrote a debug log');
    for (const pin of [old.pin, fresh.pin]) assert.equal(world.pinLogged(pin), false, 'a PIN reached the host log');
  });
});
