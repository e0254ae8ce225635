// ICカードによるログイン through the extension: the portal's login page, 「ログイン」, the dialog, the PIN; the portal
// checks the card's proof at its JSON endpoints and the page shows ログインしました. A wrong PIN first, then the right
// one; an unregistered card and an expired one are refused in the dialog, pointing to 2.1.3 and offering 「登録」; a
// synthetic click from page script starts nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../lib/world.mjs';
import { registeredWorld } from '../lib/registered-world.mjs';
import { PATHS } from '../lib/portal.mjs';
import { dialogPresent } from '../lib/dialog.mjs';
import { COMPANY, sameCertificate } from '../lib/portal.mjs';
import { closeDialog } from '../lib/card-operations.mjs';

const LOGIN_CHALLENGE = '/CALS/Accepter/ebidmlit/login/IcLoginChallenge.do';
const LOGIN_CARD = '/CALS/Accepter/ebidmlit/login/IcLogin.do';

describe('ICカードによるログイン', () => {
  const world = registeredWorld('login', { U000001: 'old', U000003: 'expired' });

  const postsTo = (route) =>
    world().posts.filter((p) => new URL(p.url).pathname === route).map((p) => Object.fromEntries(new URLSearchParams(p.body)));

  it('logs the registered card in and shows the portal result page', async () => {
    const old = await world().testbed.card('old');
    await world().testbed.put('old', 0);
    const result = await world().login({ pin: old.pin });
    assert.ok(result.ok, result.text);
    assert.match(result.text, /ログインしました/);
    assert.equal(result.userId, 'U000001');
    assert.equal(result.companyName, COMPANY.company_name);
    // One challenge, one proof carrying that challenge and the card's certificate, from the page's own origin.
    assert.equal(postsTo(LOGIN_CHALLENGE).length, 1);
    const [proof] = postsTo(LOGIN_CARD);
    await world().settled();
    const challenge = world().posts.find((p) => new URL(p.url).pathname === LOGIN_CHALLENGE);
    assert.ok(challenge.status === 200);
    assert.deepEqual(Object.keys(proof).sort(), ['certificate', 'challenge', 'signature']);
    assert.ok(sameCertificate(proof.certificate, old.certificate));
    await eventually(() => !dialogPresent(world().page), 'the dialog window to close');
    assert.equal(world().pinLogged(old.pin), false, 'the PIN reached the host log');
  });

  it('a wrong PIN is told with the tries left, and the right one then logs in', async () => {
    const old = await world().testbed.card('old');
    await world().testbed.put('old', 0);
    const wrong = old.pin === '9999' ? '1111' : '9999';
    const result = await world().login({ pins: [wrong, old.pin] });
    assert.ok(result.ok, result.text);
    assert.equal(result.userId, 'U000001');
    // The wrong PIN never reached the portal: one proof only.
    assert.equal(postsTo(LOGIN_CARD).length, 1);
  });

  it('an unregistered card is refused in the portal words, pointing to 2.1.3 with 「登録」', async () => {
    await world().testbed.put('new', 0);
    const fresh = await world().testbed.card('new');
    const result = await world().login({ pin: fresh.pin });
    assert.equal(result.ok, false);
    assert.equal(result.text, '利用者登録されていないICカードです');
    assert.ok(result.state.refusedPointer, 'the 2.1.3 pointer shows');
    assert.ok(result.state.registerOffered, '「登録」 is offered');
    assert.equal(result.state.title, 'ICカードによるログイン');
  });

  it('an expired card is refused in the dialog before anything reaches the portal, offering 「登録」', async () => {
    await world().testbed.put('expired', 0);
    const expired = await world().testbed.card('expired');
    const result = await world().login({ pin: expired.pin, keepDialog: true });
    try {
      assert.equal(result.ok, false);
      assert.match(result.text, /有効期限/);
      assert.ok(result.state.registerOffered, '「登録」 is offered');
      assert.equal(postsTo(LOGIN_CARD).length, 0, 'no proof was posted');
    } finally {
      if (result.dialog) await closeDialog(result.dialog);
      await result.page?.close();
    }
  });

  it('a synthetic click on 「ログイン」 from page script starts nothing', async () => {
    await world().testbed.put('old', 0);
    const page = await world().context.newPage();
    world().watchPage(page);
    try {
      await page.goto(world().url(PATHS.loginPage));
      await page.waitForSelector('#btnIcLogin');
      // A real click first proves the content script holds the button (then cancel), so the synthetic one meets it.
      await page.click('#btnIcLogin');
      await closeDialog(await eventually(() => world().context.pages().find((p) => p.url().includes('dialog.html')), 'the dialog'));
      await page.evaluate(() => document.getElementById('btnIcLogin').click());
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(dialogPresent(page), false, 'no dialog for a synthetic click');
      assert.equal(postsTo(LOGIN_CHALLENGE).length, 0, 'nothing reached the portal');
      assert.equal(new URL(page.url()).pathname, PATHS.loginPage);
    } finally {
      await page.close();
    }
  });
});
