// 1. The whole renewal through every screen to 更新完了; right afterwards, in the same browser (no restart), the new
//    card logs in through the extension's ICカードによるログイン and the old one is refused (更新済み) in the dialog. The dialog names the portal's origin; the portal received each step once, in order.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, World, eventually } from '../lib/world.mjs';
import { renewToConfirmation, commitRenewal } from '../lib/renewal.mjs';
import { dialogSite, dialogPresent } from '../lib/dialog.mjs';
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
    const sites = {};
    const confirmation = await renewToConfirmation(world, {
      menu,
      currentPin: old.pin,
      newCard: 'new',
      newPin: fresh.pin,
      onScreen: async (name, dialog) => {
        seen.push(name);
        if (dialog) sites[name] = await dialogSite(dialog);
      },
    });
    assert.deepEqual(seen, ['confirm', 'pin-current', 'swap', 'swap-ready', 'pin-new', 'confirmation']);
    // Every dialog screen names the site that asked for the renewal: the portal's origin, as the browser knows it.
    for (const name of ['confirm', 'pin-current', 'swap', 'swap-ready', 'pin-new']) {
      assert.equal(sites[name], world.portal.origin, `the ${name} screen shows the requesting site`);
    }
    // The page was never handed to the applet's error path.
    assert.deepEqual(world.nativeDialogs, []);
    // The flow is over: the dialog's window closed, and the menu's frame shows the portal's confirmation page.
    await eventually(() => !dialogPresent(world.page), 'the dialog window to close');
    assert.equal(new URL(confirmation.url).pathname, PATHS.renewConfirm);

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

    // What reached the portal: the three renewal steps once each, in order (the portal verified every signature
    // itself: it answered each step with 200 and showed the confirmation page).
    await world.settled();
    assert.deepEqual(world.renewalSteps(), ['challenge', 'current', 'new']);
    const calls = Object.fromEntries(world.posts.filter((p) => p.step).map((p) => [p.step, p]));
    for (const call of Object.values(calls)) assert.equal(call.status, 200, `${call.step}: ${JSON.stringify(call.answer)}`);
    const [current] = world.renewalPosts('current');
    const [renewed] = world.renewalPosts('new');
    // Step 2 carries the challenge step 1 issued, the current card's certificate and its signature …
    assert.deepEqual(Object.keys(current).sort(), ['challenge', 'oldCertificate', 'oldSignature']);
    assert.equal(current.challenge, calls.challenge.answer.challenge);
    assert.ok(sameCertificate(current.oldCertificate, old.certificate));
    assert.ok(current.oldSignature.length > 300, 'an RSA-2048 signature');
    // … step 3 the second challenge (given only in step 2's answer), the new card's certificate and signature.
    assert.deepEqual(Object.keys(renewed).sort(), ['challenge', 'newCertificate', 'newSignature']);
    assert.equal(renewed.challenge, calls.current.answer.challenge);
    assert.notEqual(renewed.challenge, current.challenge);
    assert.ok(sameCertificate(renewed.newCertificate, fresh.certificate));
    assert.ok(renewed.newSignature.length > 300, 'an RSA-2048 signature');
    assert.equal(calls.new.answer.confirm, PATHS.renewConfirm);
    // The applet-era four-field form submission is gone.
    assert.equal(world.posts.filter((p) => p.url.endsWith(PATHS.renewConfirm)).length, 0);
    assert.equal(await World.renewalVerified(menu), true, 'the session holds the verified renewal');

    const done = await commitRenewal(menu);
    assert.match(done, /ICカードの更新が完了しました/);
    assert.ok(sameCertificate(world.portal.user('U000001').certificate, fresh.certificate));
    assert.ok(world.portal.mail().some((m) => m.subject.includes('ICカード更新完了通知')));
    assert.match(await world.adminPage(PATHS.adminMail), /ICカード更新完了通知/);

    // Login through the extension, same browser session: the new card (still in slot 0) is accepted, the old one
    // refused in the dialog in the portal's words (retired), with no 「登録」 offered.
    const withNew = await world.login({ slot: 0, pin: fresh.pin });
    assert.ok(withNew.ok, withNew.text);
    assert.match(withNew.text, /ログインしました/);
    await world.testbed.put('old', 0);
    const withOld = await world.login({ slot: 0, pin: old.pin });
    assert.equal(withOld.ok, false);
    assert.match(withOld.text, /更新済みのICカードです/);
    assert.equal(withOld.state.registerOffered, false);

    // The PINs never reached a log.
    assert.ok(world.hostLogs().length > 0, 'the host wrote a debug log');
    for (const pin of [old.pin, fresh.pin]) assert.equal(world.pinLogged(pin), false, 'a PIN reached the host log');
  });
});
