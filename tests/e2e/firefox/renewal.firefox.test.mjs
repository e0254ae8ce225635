// The renewal in Firefox ESR (geckodriver, headless; lib/firefox-world.mjs): the extension's Firefox test build, the
// real ebid-host registered by `ebid-host install --user --browser firefox`, the testbed's virtual cards and the
// replica portal — the scenarios of the Chromium suite that make sense in both browsers:
// origin isolation, cancel, wrong PIN, refusals (blocked / expired current card), the whole renewal to 更新完了,
// then in the same browser the new card logging in and the old one refused.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createFirefoxWorld, eventually, GECKO_ID, PATHS, COMPANY } from '../lib/firefox-world.mjs';
import { serveMenuCopy } from '../lib/foreign-origin.mjs';
import { sameCertificate } from '../lib/portal.mjs';
import { REPO } from '../lib/paths.mjs';
import { login } from '../lib/firefox-card-operations.mjs';

// Into out/ (docs/screenshots/firefox-*.png are copies of these): a test run leaves the repository unchanged.
const SHOTS = process.env.EBID_SCREENSHOTS_DIR || path.join(REPO, 'out', 'firefox-screenshots');

describe('Firefox: the renewal', () => {
  let world;
  let d;
  before(async () => {
    world = await createFirefoxWorld({
      name: 'firefox',
      users: [
        { id: 'U000001', card: 'old' },
        { id: 'U000002', card: 'blocked' },
        { id: 'U000003', card: 'expired' },
      ],
      insert: {},
    });
    d = world.driver;
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.testbed.resetPins();
    await world.testbed.put('old', 0);
  });

  /** No prompt of the page is open (the applet-era handler never ran). */
  async function noPagePrompt() {
    await d.switchToWindow(world.portalHandle);
    const text = await d.cmd('GET', '/alert/text').catch((error) => (error.error === 'no such alert' ? null : Promise.reject(error)));
    return text === null;
  }

  async function start() {
    await world.openMenu();
    const form = await world.formSnapshot();
    await world.clickRenew();
    await world.findDialog();
    const state = await world.onScreen('confirm');
    return { form, state };
  }

  async function assertUntouched(form) {
    assert.equal(await noPagePrompt(), true, 'no applet fallback (confirm/alert) in the page');
    assert.deepEqual(await world.formSnapshot(), form, 'the menu page as it was');
    assert.equal(await world.renewalVerified(), false, 'no verified renewal in the session');
  }

  it('installed the host manifest for the add-on and registered a port-less content script', () => {
    assert.deepEqual(world.hostManifest.allowed_extensions, [GECKO_ID]);
    assert.deepEqual(world.registeredMatches, ['http://127.0.0.1/*']);
  });

  it('gives a page on another origin no flow (the copy of the menu on another port)', async () => {
    const copy = await serveMenuCopy(world.portal, PATHS.menu);
    try {
      await d.switchToWindow(world.portalHandle);
      await d.switchToFrame(null);
      await d.navigate(copy.url);
      await d.click(await eventually(() => d.find('#btnIcRenew'), 'the copied menu button'));
      // The page's own handler runs: the applet-era confirm, which the extension did not stop.
      const prompt = await eventually(() => d.cmd('GET', '/alert/text'), "the page's own confirm");
      assert.match(prompt, /ICカードリーダーに挿入されていること/);
      await d.cmd('POST', '/alert/dismiss', {});
      await new Promise((r) => setTimeout(r, 1500)); // time enough for a dialog window that should not come
      assert.equal(await world.dialogPresent(), false, 'no dialog window for another origin');
      // The copy's page gets no extension messaging either.
      const sendable = await d.execute(`return typeof globalThis.chrome?.runtime?.sendMessage === 'function';`);
      assert.equal(sendable, false);
    } finally {
      await copy.close();
    }
  });

  it('cancel at the confirmation and at the PIN dialog leaves the page untouched', async () => {
    const first = await start();
    assert.equal(first.state.site, world.portal.origin, 'the dialog names the requesting site');
    assert.match(first.state.text, /ICカード/);
    await world.cancelDialog();
    await assertUntouched(first.form);

    const second = await start();
    await world.clickDialog('#confirm-ok');
    await world.onPinScreen('current');
    await world.cancelDialog();
    await assertUntouched(second.form);
    assert.equal((await world.testbed.card('old')).tries_left, (await world.testbed.card('old')).max_tries);
  });

  it('shows the tries left after a wrong PIN and accepts the right one next', async () => {
    const old = await world.testbed.card('old');
    const { form } = await start();
    await world.clickDialog('#confirm-ok');
    const first = await world.onPinScreen('current');
    await world.enterPin('9999');
    const retry = await world.waitDialog((s) => s.screen === 'pin' && s.pinError, 'the PIN dialog with an error');
    assert.match(retry.pinTitle, /現在使用しているICカード/);
    assert.match(retry.tries ?? '', new RegExp(`${old.max_tries - 1}`), `tries left shown: ${JSON.stringify(retry)}`);
    assert.notEqual(retry.tries, first.tries);
    assert.equal(retry.pinValue, '', 'the PIN field is emptied');
    assert.equal((await world.testbed.card('old')).tries_left, old.max_tries - 1);

    await world.enterPin(old.pin);
    await world.onScreen('swap');
    assert.equal((await world.testbed.card('old')).tries_left, old.max_tries, 'a right PIN restores the counter');
    await world.cancelDialog();
    await assertUntouched(form);
  });

  for (const [card, reason] of [
    ['blocked', /閉塞/],
    ['expired', /有効期限/],
  ]) {
    it(`refuses a ${card} current card with the 2.1.3 pointer, no PIN try spent`, async () => {
      await world.testbed.put(card, 0);
      const before = await world.testbed.card(card);
      const { form } = await start();
      await world.clickDialog('#confirm-ok');
      const state = await world.onScreen('refused');
      assert.match(state.refusedReason, reason);
      assert.match(state.text, /2\.1\.3/);
      assert.match(state.text, /利用者情報の新規登録/);
      const after = await world.testbed.card(card);
      assert.equal(after.tries_left, before.tries_left, 'no PIN try spent');
      await world.cancelDialog();
      await assertUntouched(form);
    });
  }

  it('renews: confirmation, both PINs, swap, 電子証明書更新確認画面, 更新 → 更新完了', async () => {
    const old = await world.testbed.card('old');
    const fresh = await world.testbed.card('new');
    const { state } = await start();
    assert.equal(state.site, world.portal.origin);
    assert.equal(state.lang, 'ja');
    await world.screenshot(path.join(SHOTS, 'firefox-confirm-dialog.png'));

    await world.clickDialog('#confirm-ok');
    const pinCurrent = await world.onPinScreen('current');
    assert.equal(pinCurrent.site, world.portal.origin);
    await world.screenshot(path.join(SHOTS, 'firefox-pin-dialog.png'));
    await world.enterPin(old.pin);
    await world.onScreen('swap');

    await world.testbed.remove(0);
    await world.testbed.insert('new', 0);
    await world.waitDialog((s) => s.screen === 'swap' && s.swapReady, 'the swap OK button enabled');
    await world.clickDialog('#swap-ok');
    await world.onPinScreen('new');
    await world.screenshot(path.join(SHOTS, 'firefox-pin-dialog-new-card.png'));
    await world.enterPin(fresh.pin);

    // The extension closes the dialog window and the menu's frame shows 電子証明書更新確認画面.
    await eventually(async () => !(await world.dialogPresent()), 'the dialog window to close', 20_000);
    await world.toMenu();
    await eventually(() => d.find('#newCard'), '電子証明書更新確認画面', 20_000);
    const page = await d.execute(`
      const table = (id) => { const rows = {};
        for (const tr of document.querySelectorAll('#' + id + ' tr')) { const c = tr.querySelectorAll('td');
          if (c.length === 3) rows[c[0].innerText.trim()] = c[2].innerText.trim(); }
        return rows; };
      return {url: location.href, current: table('currentCard'), new: table('newCard'), text: document.body.innerText};`);
    assert.equal(new URL(page.url).pathname, PATHS.renewConfirm);
    assert.match(page.text, /電子証明書更新確認/);
    assert.ok(Object.values(page.current).includes(COMPANY.company_name), JSON.stringify(page.current));
    assert.ok(Object.values(page.new).includes(COMPANY.company_name), JSON.stringify(page.new));
    assert.equal(await world.renewalVerified(), true, 'the session holds the verified renewal');
    await d.switchToFrame(null);
    await world.screenshot(path.join(SHOTS, 'firefox-confirmation.png'));

    await world.toMenu();
    await d.click(await d.find('input[name="btnUpdate"]'));
    const done = await eventually(async () => {
      const text = await d.execute(`return location.pathname === arguments[0] ? document.body.innerText : null;`, [PATHS.renewCommit]);
      return text;
    }, '更新完了画面');
    assert.match(done, /ICカードの更新が完了しました/);
    await d.switchToFrame(null);
    await world.screenshot(path.join(SHOTS, 'firefox-done.png'));
    assert.ok(sameCertificate(world.portal.user('U000001').certificate, fresh.certificate));
    assert.ok(world.portal.mail().some((m) => m.subject.includes('ICカード更新完了通知')));
    assert.equal(new RegExp(`(^|[^0-9])${old.pin}([^0-9]|$)`).test(world.hostLogs()), false, 'no PIN in the host log');
  });

  // Follows the renewal above (one world per file): the portal now holds the new card as U000001's.
  it('right after the renewal, no restart: the new card logs in, the old one is refused (更新済みのICカードです)', async () => {
    const fresh = await world.testbed.card('new');
    assert.ok(sameCertificate(world.portal.user('U000001').certificate, fresh.certificate), 'the renewal above finished');
    await world.testbed.put('new', 0);
    const result = await login(world, { pin: fresh.pin });
    assert.ok(result.ok, result.text);
    assert.match(result.text, /ログインしました/);
    assert.equal(result.userId, 'U000001');

    const old = await world.testbed.card('old');
    await world.testbed.put('old', 0);
    const refused = await login(world, { pin: old.pin });
    assert.equal(refused.ok, false);
    assert.equal(refused.text, '更新済みのICカードです');
    assert.equal(refused.state.registerOffered, false, 'no 「登録」 for a renewed card');
    assert.equal(await world.dialogPresent(), false, '閉じる closed the dialog window');
  });
});
