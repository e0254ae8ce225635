// ICカードによるログイン and 2.1.3 登録 in Firefox ESR (lib/firefox-world.mjs, lib/firefox-card-operations.mjs): the
// portal's login page, 「ログイン」, the extension's dialog window, the PIN, ログインしました with the user's ID; an
// unregistered card refused in the portal's words with 「登録」 offered; 「登録」 on the menu with that card through the
// portal's own pages (lib/registration-pages.mjs, driver-neutral) to 登録完了, after which the card logs in.
// One world for the file: the tests run in order, each putting its own card in the reader.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createFirefoxWorld, COMPANY, PATHS } from '../lib/firefox-world.mjs';
import { login, runOperation, webDriverForm } from '../lib/firefox-card-operations.mjs';
import { registerThroughPortalPages, ROSTER_ENTRY } from '../lib/registration-pages.mjs';

describe('Firefox: ICカードによるログイン and 登録', () => {
  let world;
  before(async () => {
    world = await createFirefoxWorld({
      name: 'firefox-ops',
      users: [{ id: 'U000001', card: 'old' }],
      insert: {},
      roster: [ROSTER_ENTRY],
    });
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.testbed.resetPins();
  });

  it('logs the registered card in through the dialog: ログインしました with the user ID', async () => {
    const old = await world.testbed.card('old');
    await world.testbed.put('old', 0);
    const result = await login(world, { pin: old.pin });
    assert.ok(result.ok, result.text);
    assert.match(result.text, /ログインしました/);
    assert.equal(result.userId, 'U000001');
    assert.equal(result.companyName, COMPANY.company_name);
    assert.equal(await world.dialogPresent(), false, 'the dialog window closed');
    assert.equal(new RegExp(`(^|[^0-9])${old.pin}([^0-9]|$)`).test(world.hostLogs()), false, 'no PIN in the host log');
  });

  it('refuses an unregistered card in the portal words, pointing to 2.1.3 with 「登録」', async () => {
    const fresh = await world.testbed.card('new');
    await world.testbed.put('new', 0);
    const result = await login(world, { pin: fresh.pin });
    assert.equal(result.ok, false);
    assert.equal(result.text, '利用者登録されていないICカードです');
    assert.ok(result.state.refusedPointer, 'the 2.1.3 pointer shows');
    assert.equal(result.state.registerOffered, true, '「登録」 is offered');
    assert.equal(result.state.title, 'ICカードによるログイン');
    assert.equal(await world.dialogPresent(), false, '閉じる closed the dialog window');
  });

  it('registers that card from the menu through the portal pages to 登録完了; the card then logs in', async () => {
    const fresh = await world.testbed.card('new');
    await world.testbed.put('new', 0);
    await world.openMenu();
    const result = await runOperation(world, 'register', { pins: [fresh.pin] });
    assert.ok(result.ok, JSON.stringify(result.state));
    assert.equal(await world.driver.execute('return location.pathname;'), PATHS.registSearch);

    const userId = await registerThroughPortalPages(webDriverForm(world), fresh);
    assert.ok(
      world.portal.mail().some((m) => JSON.stringify(m).includes('利用者登録完了のお知らせ')),
      'the registration mail was sent',
    );

    // Same browser, no restart: the new user logs in with the card just registered.
    const again = await login(world, { pin: fresh.pin });
    assert.ok(again.ok, again.text);
    assert.equal(again.userId, userId);
  });
});
