// The demo: the whole ICカード更新 in Chromium with the real extension, the real ebid-host, a private pcscd with
// virtual cards and the replica portal; then, in the same browser session, ICカードによるログイン with the new card,
// 利用者情報の変更, and 利用者情報の新規登録 of another company's card — every card step done by the extension. Visible when there is a $DISPLAY, headless otherwise. Saves a screenshot
// of every screen to out/demo-screenshots/ (the portal's pages from the portal tab, the extension's dialog screens
// from the dialog's own popup window) and the machine-time figures to out/e2e-figures.json.
//
//   node tests/e2e/demo.mjs [--headless] [--out DIR]
import fs from 'node:fs';
import path from 'node:path';
import { createWorld } from './lib/world.mjs';
import { renewToConfirmation, commitRenewal, MachineClock } from './lib/renewal.mjs';
import { clickForDialog, completeInDialog, OPERATIONS } from './lib/card-operations.mjs';
import { contacts, fillContacts, submit } from './lib/contact-forms.mjs';
import { OUT_DIR, EXTENSION_ORIGIN } from './lib/paths.mjs';
import { PATHS } from './lib/portal.mjs';
import { summarize, writeFigures } from './lib/figures.mjs';

const args = process.argv.slice(2);
const headless = args.includes('--headless') || !process.env.DISPLAY;
const outIndex = args.indexOf('--out');
const shotsDir = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : path.join(OUT_DIR, 'demo-screenshots');

/** The dialog window's content area (background.js opens it 560×500, title bar included). */
const DIALOG_VIEWPORT = { width: 560, height: 470 };

const say = (text) => console.log(`\x1b[1m[demo]\x1b[0m ${text}`);
// Visible runs pause on each screen so a person can follow; headless runs don't wait.
const linger = () => (headless ? Promise.resolve() : new Promise((r) => setTimeout(r, 1200)));

fs.rmSync(shotsDir, { recursive: true, force: true });
fs.mkdirSync(shotsDir, { recursive: true });

say(`starting: private pcscd + virtual cards, replica portal, Chromium (${headless ? 'headless' : 'visible'})`);
// The 名簿 entry of the company whose card is registered at the end ("other-company": 株式会社B, 石狩 花子).
const ROSTER = [
  { gyosha_no: '0023456', company_name: '株式会社B【工事】', address: '北海道石狩市花川北6条1丁目', representative: '石狩 花子', phone: '0133-72-3111' },
];
const world = await createWorld({ name: 'demo', headless, slowMo: headless ? undefined : 80, roster: ROSTER });
let failed = false;
try {
  const old = await world.testbed.card('old');
  const fresh = await world.testbed.card('new');
  say(`portal: ${world.portal.origin}   current card: "old" (PIN ${old.pin})   new card: "new" (PIN ${fresh.pin})`);

  let shot = 0;
  const sized = new WeakSet();
  // `dialog`: the extension's dialog window (its own page); otherwise the portal's tab is shot.
  const screenshot = async (name, description, dialog) => {
    shot += 1;
    const file = path.join(shotsDir, `${String(shot).padStart(2, '0')}-${name}.png`);
    if (dialog) {
      // The popup window is 560×500 with its title bar; the test browser's viewport setting would otherwise lay
      // the dialog out at the portal tab's 1024×720.
      if (!sized.has(dialog)) {
        await dialog.setViewportSize(DIALOG_VIEWPORT);
        sized.add(dialog);
      }
      await dialog.screenshot({ path: file });
    } else {
      await world.page.screenshot({ path: file });
    }
    say(`${description} → ${path.relative(process.cwd(), file)}`);
    await linger();
  };

  const menu = await world.openMenu();
  await screenshot('menu', '利用者登録メニュー画面');

  const clock = new MachineClock();
  const descriptions = {
    confirm: ['confirm-dialog', '確認: 現在使用しているICカードを挿入'],
    'pin-current': ['pin-current', 'PIN番号入力（現在使用しているICカード）'],
    swap: ['swap-card', 'ICカードの差し替え'],
    'swap-ready': ['swap-ready', '新しいICカードを確認'],
    'pin-new': ['pin-new', 'PIN番号入力（新しいICカード）'],
    confirmation: ['confirmation', '電子証明書更新確認画面'],
  };
  // Screenshots are taken between the machine's spans (after the answering screen, before the next user
  // action), so they do not count as machine time.
  const confirmation = await renewToConfirmation(world, {
    menu,
    currentPin: old.pin,
    newCard: 'new',
    newPin: fresh.pin,
    clock,
    onScreen: async (name, dialog) => screenshot(...descriptions[name], dialog),
  });
  say(`確認画面: 現在 ${confirmation.current['証明書シリアル番号']} → 新規 ${confirmation.new['証明書シリアル番号']}`);

  const done = await commitRenewal(menu);
  if (!/ICカードの更新が完了しました/.test(done)) throw new Error(`unexpected completion page:\n${done}`);
  await screenshot('complete', '更新完了画面');

  // Right after 更新完了, in the same browser: the new card logs in through the extension (no restart).
  const page = world.page;
  await page.goto(world.url(PATHS.loginPage));
  await page.waitForSelector('#btnIcLogin');
  await screenshot('login-page', 'ICカードによるログイン画面');
  const oneCard = async (operation, frame, pin, label) => {
    const dialog = await clickForDialog(frame, OPERATIONS[operation].button);
    const result = await completeInDialog({
      dialog,
      frame,
      next: OPERATIONS[operation].next,
      pins: [pin],
      shot: async (name, d) => screenshot(`${operation}-${name}`, `${label}: ${name === 'pin' ? 'PIN番号入力' : '確認'}`, d),
    });
    if (!result.ok) throw new Error(`${operation} failed: ${JSON.stringify(result.state)}`);
  };
  await oneCard('login', page.mainFrame(), fresh.pin, 'ICカードによるログイン');
  await screenshot('login-new-card', `ログイン結果（新しいICカード）: ${(await page.innerText('#loginResult')).trim()}`);

  // 利用者情報の変更 with the new card.
  let frame = await world.openMenu();
  await oneCard('change', frame, fresh.pin, '利用者情報の変更');
  await screenshot('change-input', '利用者変更画面');
  // A user registered without contact data has only the mail address prefilled: the portal asks for all ten.
  await fillContacts(frame, { ...contacts(), repSection: '総務部 入札担当', repPhone: '011-211-3000' });
  await submit(frame, 'input[name="btnConfirm"]');
  await submit(frame, 'form[name="frmCommit"] input[type="submit"]');
  await screenshot('change-complete', `変更完了画面: ${(await frame.innerText('#changeResult')).trim()}`);

  // 利用者情報の新規登録 of another company's card, through the portal's pages.
  const other = await world.testbed.card('other-company');
  await world.testbed.put('other-company', 0);
  frame = await world.openMenu();
  await oneCard('register', frame, other.pin, '利用者情報の新規登録');
  await screenshot('regist-search', '資格審査情報検索画面');
  await frame.fill('input[name="gyoshaNo"]', ROSTER[0].gyosha_no);
  await submit(frame, 'input[name="btnSearch"]');
  await fillContacts(frame, contacts());
  await screenshot('regist-input', '利用者登録画面');
  await submit(frame, 'input[name="btnConfirm"]');
  await submit(frame, 'form[name="frmCommit"] input[type="submit"]');
  await screenshot('regist-complete', `利用者登録完了画面: ${(await frame.innerText('#registResult')).trim()}`);

  const figures = summarize([clock]);
  writeFigures({ demo: { headless, ...figures } });
  say(`machine time, click → 確認画面 (user actions excluded): ${figures.total_ms.median.toFixed(0)} ms`);
  for (const span of figures.spans) say(`  ${span.label}: ${span.median.toFixed(0)} ms`);
  say(`screenshots: ${shotsDir}`);
} catch (error) {
  failed = true;
  console.error(error);
  await world.page?.screenshot({ path: path.join(shotsDir, 'failure.png') }).catch(() => {});
  const dialog = world.context?.pages().find((p) => p.url().startsWith(`${EXTENSION_ORIGIN}/dialog.html`));
  await dialog?.screenshot({ path: path.join(shotsDir, 'failure-dialog.png') }).catch(() => {});
  say(`FAILED; logs in ${world.dir} (kept)`);
} finally {
  if (failed) process.env.EBID_E2E_KEEP = '1';
  await world.close();
}
process.exit(failed ? 1 : 0);
