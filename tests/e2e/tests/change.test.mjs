// 利用者情報の変更 through the extension: 「変更」 on the menu, the registered card proves itself, the portal's
// 利用者変更画面 → 変更内容確認 → 変更完了; the change survives a restart of the portal and shows the next time.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld } from '../lib/world.mjs';
import { PATHS } from '../lib/portal.mjs';
import { runOperation } from '../lib/card-operations.mjs';
import { contacts, contactValues, fillContacts, submit } from '../lib/contact-forms.mjs';

describe('利用者情報の変更', () => {
  let world;
  before(async () => {
    world = await createWorld({ name: 'change' });
  });
  after(async () => {
    await world?.close();
  });

  it('changes the contact data, which persists across a portal restart', async () => {
    const old = await world.testbed.card('old');
    let menu = await world.openMenu();
    const result = await runOperation('change', { frame: menu, pins: [old.pin] });
    assert.ok(result.ok, JSON.stringify(result.state));
    assert.equal(new URL(menu.url()).pathname, PATHS.changeInput);
    assert.equal((await menu.innerText('#userId')).trim(), 'U000001');

    const changed = contacts('2');
    await fillContacts(menu, changed);
    await submit(menu, 'input[name="btnConfirm"]');
    await submit(menu, 'form[name="frmCommit"] input[type="submit"], form[name="frmCommit"] input[name="btnChange"]');
    assert.match(await menu.innerText('#changeResult'), /利用者情報の変更が完了しました/);
    assert.ok(world.portal.mail().some((m) => JSON.stringify(m).includes('利用者情報変更のお知らせ')));

    await world.portal.restart();
    assert.equal(world.portal.user('U000001').email, changed.repEmail);

    // After the restart: a new session, a new proof, the saved values prefilled.
    menu = await world.openMenu();
    const again = await runOperation('change', { frame: menu, pins: [old.pin] });
    assert.ok(again.ok, JSON.stringify(again.state));
    assert.deepEqual(await contactValues(menu, Object.keys(changed)), changed);
  });
});
