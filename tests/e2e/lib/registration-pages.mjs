// The portal's own 2.1.3 登録 pages after the extension handed over (tests/portal/README.md), walked the same way
// whatever drives the browser: 資格審査情報検索 (a miss, then the 名簿 hit) → 利用者登録画面 (empty form refused, then
// filled) → 入力内容確認画面 → 「登録」 → 登録完了. The driver is reached through a small `form` adapter, so Playwright
// and WebDriver share the page sequence and its expectations, not their driving code.
import assert from 'node:assert/strict';
import { COMPANY } from './portal.mjs';
import { contacts } from './contact-forms.mjs';

/** A 入札参加資格者名簿 entry for the test company (the portal's --roster). */
export const ROSTER_ENTRY = {
  gyosha_no: '0012345',
  company_name: COMPANY.company_name,
  address: COMPANY.address,
  representative: COMPANY.representative,
  phone: '011-211-2100',
};

/**
 * @typedef {object} PortalForm  the page in the frame the flow runs in
 * @property {(name: string, value: string) => Promise<void>} fill  types `value` into input[name=`name`]
 * @property {(css: string) => Promise<void>} submit  clicks the button and waits for the next page to load
 * @property {(css: string) => Promise<string>} text  the element's rendered text
 */

/**
 * From 資格審査情報検索 to 登録完了 for `card` (the testbed card the extension proved); returns the new 利用者ID.
 * @param {PortalForm} form
 * @param {{holder_name: string}} card
 */
export async function registerThroughPortalPages(form, card, roster = ROSTER_ENTRY) {
  await form.fill('gyoshaNo', '9999999');
  await form.submit('input[name="btnSearch"]');
  assert.match(await form.text('#searchMessage'), /入札参加資格者名簿に該当する業者が見つかりません。/);
  await form.fill('gyoshaNo', roster.gyosha_no);
  await form.submit('input[name="btnSearch"]');

  // 利用者登録画面: 企業情報 from the 名簿, ICカード情報 from the card the extension proved.
  assert.equal((await form.text('#companyName')).trim(), roster.company_name);
  assert.equal((await form.text('#certHolder')).trim(), card.holder_name);
  await form.submit('input[name="btnConfirm"]');
  assert.ok((await form.text('#inputErrors')).trim().length > 0, 'an empty form is refused');
  const values = contacts();
  for (const [name, value] of Object.entries(values)) await form.fill(name, value);
  await form.submit('input[name="btnConfirm"]');

  assert.ok((await form.text('body')).includes(values.repEmail), '入力内容確認画面 shows what was typed');
  await form.submit('form[name="frmCommit"] input[type="submit"], form[name="frmCommit"] input[name="btnRegist"]');
  assert.match(await form.text('#registResult'), /利用者登録が完了しました/);
  const userId = (await form.text('#userId')).trim();
  assert.ok(userId, 'a new 利用者ID');
  return userId;
}
