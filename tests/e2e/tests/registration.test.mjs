// 2.1.3 利用者情報の新規登録 through the extension: 「登録」 on the menu, the card to register proves itself, then the
// portal's own pages (資格審査情報検索 → 利用者登録 → 入力内容確認 → 登録 → 完了); the new user then logs in with the
// extension. A registered card is refused; 「登録」 on a login refusal starts the registration in the same dialog.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld } from '../lib/world.mjs';
import { COMPANY, PATHS } from '../lib/portal.mjs';
import { runOperation, closeDialog, registerFromRefusal, completeInDialog, OPERATIONS } from '../lib/card-operations.mjs';
import { contacts, fillContacts, submit } from '../lib/contact-forms.mjs';

const ROSTER = {
  gyosha_no: '0012345',
  company_name: COMPANY.company_name,
  address: COMPANY.address,
  representative: COMPANY.representative,
  phone: '011-211-2100',
};

describe('利用者情報の新規登録', () => {
  let world;
  before(async () => {
    world = await createWorld({ name: 'register', users: [{ id: 'U000001', card: 'old' }], insert: {}, roster: [ROSTER] });
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.testbed.resetPins();
    world.posts.length = 0;
  });

  it('registers an unregistered card through the portal pages, and the card then logs in', async () => {
    const fresh = await world.testbed.card('new');
    await world.testbed.put('new', 0);
    const menu = await world.openMenu();
    const result = await runOperation('register', { frame: menu, pins: [fresh.pin] });
    assert.ok(result.ok, JSON.stringify(result.state));
    assert.equal(new URL(menu.url()).pathname, PATHS.registSearch);

    // 資格審査情報検索: a 業者番号 not in the 名簿, then the right one.
    await menu.fill('input[name="gyoshaNo"]', '9999999');
    await submit(menu, 'input[name="btnSearch"]');
    assert.match(await menu.innerText('#searchMessage'), /入札参加資格者名簿に該当する業者が見つかりません。/);
    await menu.fill('input[name="gyoshaNo"]', ROSTER.gyosha_no);
    await submit(menu, 'input[name="btnSearch"]');

    // 利用者登録画面: 企業情報 from the 名簿, ICカード情報 from the card the extension proved.
    assert.equal((await menu.innerText('#companyName')).trim(), COMPANY.company_name);
    assert.equal((await menu.innerText('#certHolder')).trim(), fresh.holder_name);
    // Nothing filled in: every field is asked for, in Japanese.
    await submit(menu, 'input[name="btnConfirm"]');
    assert.ok((await menu.innerText('#inputErrors')).length > 0);
    await fillContacts(menu, contacts());
    await submit(menu, 'input[name="btnConfirm"]');
    // 入力内容確認画面, then 「登録」.
    assert.match(await menu.innerText('body'), /rep@example\.jp/);
    await submit(menu, 'form[name="frmCommit"] input[type="submit"], form[name="frmCommit"] input[name="btnRegist"]');
    assert.match(await menu.innerText('#registResult'), /利用者登録が完了しました/);
    const userId = (await menu.innerText('#userId')).trim();
    assert.ok(userId, 'a new 利用者ID');
    assert.ok(
      world.portal.mail().some((m) => JSON.stringify(m).includes('利用者登録完了のお知らせ')),
      'the registration mail was sent',
    );

    // The new card logs in with the extension, in the same browser.
    const login = await world.login({ pin: fresh.pin });
    assert.ok(login.ok, login.text);
    assert.equal(login.userId, userId);
  });

  it('a card already registered is refused in the portal words, without 「登録」', async () => {
    const old = await world.testbed.card('old');
    await world.testbed.put('old', 0);
    const menu = await world.openMenu();
    const result = await runOperation('register', { frame: menu, pins: [old.pin] });
    assert.equal(result.ok, false);
    assert.equal(result.state.refusedReason, '既に利用者登録されているICカードです');
    assert.equal(result.state.registerOffered, false);
    await closeDialog(result.dialog);
    assert.equal(new URL(menu.url()).pathname, PATHS.menu, 'the menu stays');
  });

  it('「登録」 on a login refusal registers in the same dialog, the portal pages opening in the login page', async () => {
    const other = await world.testbed.card('other-company');
    await world.testbed.put('other-company', 0);
    const refused = await world.login({ pin: other.pin, keepDialog: true });
    assert.equal(refused.ok, false);
    assert.equal(refused.text, '利用者登録されていないICカードです');
    const state = await registerFromRefusal(refused.dialog);
    assert.equal(state.title, '利用者情報の新規登録');
    const page = refused.page;
    try {
      const result = await completeInDialog({
        dialog: refused.dialog,
        frame: page.mainFrame(),
        next: OPERATIONS.register.next,
        pins: [other.pin],
      });
      assert.ok(result.ok, JSON.stringify(result.state));
      assert.ok(await page.isVisible('input[name="gyoshaNo"]'), '資格審査情報検索 in the login page');
      // Only the registration's challenge and proof followed the refused login.
      const paths = world.posts.map((p) => new URL(p.url).pathname).filter((p) => p.endsWith('.do'));
      assert.deepEqual(paths.slice(-2), [
        '/CALS/Accepter/ebidmlit/riyousha/IcRegistChallenge.do',
        '/CALS/Accepter/ebidmlit/riyousha/IcRegistCard.do',
      ]);
    } finally {
      await page.close();
    }
  });
});
