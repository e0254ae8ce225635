// 2.1.3 利用者情報の新規登録 through the extension: 「登録」 on the menu, the card to register proves itself, then the
// portal's own pages (資格審査情報検索 → 利用者登録 → 入力内容確認 → 登録 → 完了); the new user then logs in with the
// extension. A registered card is refused; 「登録」 on a login refusal starts the registration in the same dialog.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld } from '../lib/world.mjs';
import { PATHS } from '../lib/portal.mjs';
import { runOperation, closeDialog, registerFromRefusal, completeInDialog, OPERATIONS } from '../lib/card-operations.mjs';
import { playwrightForm } from '../lib/contact-forms.mjs';
import { registerThroughPortalPages, ROSTER_ENTRY } from '../lib/registration-pages.mjs';

describe('利用者情報の新規登録', () => {
  let world;
  before(async () => {
    world = await createWorld({ name: 'register', users: [{ id: 'U000001', card: 'old' }], insert: {}, roster: [ROSTER_ENTRY] });
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

    const userId = await registerThroughPortalPages(playwrightForm(menu), fresh);
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
