// The built extension in real headless Chromium, with a scripted fake host (ebid-fake-host, built from
// tests/harness/src/bin/fake-host.rs on the protocol crate's types and codec) and a minimal portal that follows the
// replica portal's renewal contract (tests/portal/README.md): the menu page at the menu path (no challenge in it),
// the three JSON endpoints, and the confirmation page. The browser loads the test build (out/extension/chrome-test:
// loopback origins, dev switch); the production build (out/extension/chrome) is checked apart.
// Run: ./build.sh && cargo build -p test-harness && npm test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumFlags } from '../../tests/e2e/lib/chromium-flags.mjs';
import { BIN_DIR } from '../../tests/e2e/lib/paths.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const extensionDir = resolve(here, '../../out/extension/chrome-test');
const productionDir = resolve(here, '../../out/extension/chrome');
const EXTENSION_ID = 'gbhbffmnghhpjolccbflhlhkcanbdabm';
const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}`;
const HOST_NAME = 'jp.ebid.renewal';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The scripted host: its manifest points at the cargo-built binary, which finds its mode.json, requests.log and
// stdin_closed in $EBID_FAKE_HOST_DIR (set in Chromium's environment, which the hosts it starts inherit).
const FAKE_HOST = join(BIN_DIR, 'ebid-fake-host');

// The portal's paths (the extension's site profile names the same ones).
const R = '/CALS/Accepter/ebidmlit/riyousha';
const MENU = '/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp';
const ENDPOINTS = {
  [`${R}/IcRenewChallenge.do`]: 'challenge',
  [`${R}/IcRenewCurrent.do`]: 'current',
  [`${R}/IcRenewNew.do`]: 'new',
};
const CONFIRM = `${R}/IcRenewConfirm.do`;
// ICカードによるログイン and 登録 (one card each): the login page, the endpoints, the pages the frame goes to.
const L = '/CALS/Accepter/ebidmlit/login';
const LOGIN_PAGE = '/CALS/Accepter/ebidmlit/jsp/login/login.jsp';
const ONE_CARD = {
  [`${L}/IcLoginChallenge.do`]: 'login_challenge',
  [`${L}/IcLogin.do`]: 'login',
  [`${R}/IcRegistChallenge.do`]: 'regist_challenge',
  [`${R}/IcRegistCard.do`]: 'regist',
};
const LOGIN_RESULT = `${L}/IcLoginResult.do`;
const REGIST_SEARCH = `${R}/RegistSearch.do`;

// What the fake host gives (tests/harness/src/bin/fake-host.rs): the portal checks it receives exactly these.
const FAKE = {
  oldCertificate: 'T0xELUNFUlQ=',
  oldSignature: 'U0lHLQ==',
  newCertificate: 'TkVXLUNFUlQ=',
  newSignature: 'U0lHKw==',
};

let context, serviceWorker, server, portalOrigin, work, hostDir;

/**
 * The little portal's state. `mode`: 'ok'; 'refuse' (step 2 answers the portal's JSON refusal `refusal`);
 * 'broken' (step 1 answers 502 with an HTML page: not the contract). `calls`: every endpoint request
 * {step, fields, origin, status}. `issued`: the challenges it gave, by step. `verified`: both steps passed.
 */
const portal = { mode: 'ok', refusal: null, calls: [], issued: {}, verified: false, proven: {} };

function resetPortal(mode = 'ok', refusal = null) {
  Object.assign(portal, { mode, refusal, calls: [], issued: {}, verified: false, proven: {} });
}

// The 利用者登録メニュー page as the replica serves it (form frmRenew with only the button, applet call), under a
// strict CSP that forbids frames and wasm: the extension must cope with both.
const menuPage = `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>利用者登録メニュー</title>
<script>function fnIcRenew() { window.appletCalled = true; alert('applet'); return false; }</script></head><body>
<form name="frmRenew" id="frmRenew" method="post" action="${CONFIRM}">
<input type="button" name="btnIcRenew" id="btnIcRenew" value="ICカード更新" onclick="fnIcRenew(); return false;">
</form></body></html>`;

// ICカードによるログイン as the replica serves it: the 「ログイン」 button calls the applet.
const loginPage = `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>ICカードによるログイン</title>
<script>function fnIcLogin() { window.appletCalled = true; alert('applet'); return false; }</script></head><body>
<input type="button" name="btnIcLogin" id="btnIcLogin" value="ログイン" onclick="fnIcLogin(); return false;">
</body></html>`;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; frame-src 'none'; frame-ancestors 'self'",
};

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

const newChallenge = () => randomBytes(32).toString('base64');

/** One endpoint call: checks the fields are the ones the fake host returned and the challenge the one issued. */
function endpoint(step, fields, res) {
  const expect = (names) => {
    const wanted = { challenge: portal.issued[step === 'current' ? 'challenge' : 'current'] };
    for (const name of names) wanted[name] = FAKE[name];
    const sorted = (o) => JSON.stringify(Object.entries(o).sort());
    return sorted(fields) === sorted(wanted);
  };
  const refuse = (status, code, title) =>
    json(res, status, { error: { code, title, message: `${title}（テスト）`, registration_pointer: false } });
  switch (step) {
    case 'challenge':
      if (portal.mode === 'broken') {
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end('<html><body>Bad Gateway</body></html>');
      }
      portal.issued = { challenge: newChallenge() };
      return json(res, 200, { challenge: portal.issued.challenge });
    case 'current':
      if (!expect(['oldCertificate', 'oldSignature'])) return refuse(400, 'unexpected', '想定外の送信内容です');
      if (portal.mode === 'refuse') return json(res, 403, { error: portal.refusal });
      portal.issued.current = newChallenge();
      return json(res, 200, { challenge: portal.issued.current });
    case 'new':
      if (!expect(['newCertificate', 'newSignature'])) return refuse(400, 'unexpected', '想定外の送信内容です');
      portal.verified = true;
      return json(res, 200, { confirm: CONFIRM });
  }
}

/**
 * A one-card endpoint (login, 登録): a challenge, or the card's proof, which must carry that challenge and exactly
 * the current card's certificate and signature the fake host gave. 'refuse' mode refuses the login proof.
 */
function oneCardEndpoint(step, fields, res) {
  if (step.endsWith('_challenge')) {
    portal.issued[step] = newChallenge();
    return json(res, 200, { challenge: portal.issued[step] });
  }
  const wanted = { challenge: portal.issued[`${step}_challenge`], certificate: FAKE.oldCertificate, signature: FAKE.oldSignature };
  const sorted = (o) => JSON.stringify(Object.entries(o).sort());
  if (sorted(fields) !== sorted(wanted)) {
    return json(res, 400, { error: { code: 'unexpected', title: '想定外の送信内容です', message: '', registration_pointer: false } });
  }
  if (portal.mode === 'refuse' && step === 'login') return json(res, 403, { error: portal.refusal });
  portal.proven[step] = true;
  return json(res, 200, { next: step === 'login' ? LOGIN_RESULT : REGIST_SEARCH });
}

function startPortal() {
  return new Promise((resolveStart) => {
    server = createServer((req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      const step = ENDPOINTS[path] ?? ONE_CARD[path];
      if (req.method === 'POST' && step) {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const fields = Object.fromEntries(new URLSearchParams(body));
          const call = { step, fields, origin: req.headers.origin ?? null };
          portal.calls.push(call);
          const writeHead = res.writeHead.bind(res);
          res.writeHead = (status, ...rest) => {
            call.status = status;
            return writeHead(status, ...rest);
          };
          if (ONE_CARD[path]) oneCardEndpoint(step, fields, res);
          else endpoint(step, fields, res);
        });
        return;
      }
      if (req.method === 'GET' && path === CONFIRM) {
        res.writeHead(portal.verified ? 200 : 409, PAGE_HEADERS);
        return res.end(
          portal.verified
            ? '<html><body><h1 id="confirm-page">電子証明書更新確認画面</h1></body></html>'
            : '<html><body><h1 id="errorTitle">画面の有効期限が切れました</h1></body></html>',
        );
      }
      for (const [route, step, id, text] of [
        [LOGIN_RESULT, 'login', 'loginResult', 'ログインしました。'],
        [REGIST_SEARCH, 'regist', 'registSearch', '資格審査情報検索'],
      ]) {
        if (req.method === 'GET' && path === route) {
          res.writeHead(portal.proven[step] ? 200 : 409, PAGE_HEADERS);
          return res.end(
            portal.proven[step]
              ? `<html><body><h1 id="${id}">${text}</h1></body></html>`
              : '<html><body><h1 id="errorTitle">画面の有効期限が切れました</h1></body></html>',
          );
        }
      }
      if (req.method === 'GET' && path === LOGIN_PAGE) {
        res.writeHead(200, PAGE_HEADERS);
        return res.end(loginPage);
      }
      if (req.method === 'GET' && path === MENU) {
        res.writeHead(200, PAGE_HEADERS);
        return res.end(menuPage);
      }
      res.writeHead(404, PAGE_HEADERS);
      res.end('<html><body>not found</body></html>');
    });
    server.listen(0, '127.0.0.1', () => {
      portalOrigin = `http://127.0.0.1:${server.address().port}`;
      resolveStart();
    });
  });
}

function setHostMode(mode) {
  writeFileSync(join(hostDir, 'mode.json'), JSON.stringify(mode));
  rmSync(join(hostDir, 'requests.log'), { force: true });
  rmSync(join(hostDir, 'stdin_closed'), { force: true });
}

function installHost(installed) {
  const manifest = join(work, 'udd', 'NativeMessagingHosts', `${HOST_NAME}.json`);
  if (!installed) return rmSync(manifest, { force: true });
  writeFileSync(
    manifest,
    JSON.stringify({
      name: HOST_NAME,
      description: 'fake ebid-host for extension tests',
      path: FAKE_HOST,
      type: 'stdio',
      allowed_origins: [`${EXTENSION_ORIGIN}/`],
    })
  );
}

function hostRequests() {
  const log = join(hostDir, 'requests.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse) : [];
}

function launch(dir, udd) {
  return chromium.launchPersistentContext(udd, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'ja-JP',
    // Chromium on Linux takes its UI language (chrome.i18n) from the environment.
    env: { ...process.env, LANGUAGE: 'ja', LANG: 'ja_JP.UTF-8', EBID_FAKE_HOST_DIR: hostDir },
    ignoreDefaultArgs: ['--disable-extensions'],
    args: chromiumFlags(dir),
  });
}

before(async () => {
  assert.ok(existsSync(join(extensionDir, 'pkg', 'ebid_extension_bg.wasm')), 'run ./build.sh first');
  assert.ok(existsSync(FAKE_HOST), `${FAKE_HOST} is missing: run cargo build -p test-harness`);
  work = mkdtempSync(join(tmpdir(), 'ebid-ext-test-'));
  hostDir = join(work, 'host');
  mkdirSync(hostDir);
  mkdirSync(join(work, 'udd', 'NativeMessagingHosts'), { recursive: true });
  await startPortal();
  context = await launch(extensionDir, join(work, 'udd'));
  serviceWorker = context.serviceWorkers()[0] || (await context.waitForEvent('serviceworker'));
});

after(async () => {
  await context?.close();
  server?.close();
  server?.closeAllConnections();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function openOptions(where = context) {
  const page = await where.newPage();
  await page.goto(`${EXTENSION_ORIGIN}/options.html`);
  return page;
}

async function diagnosis(page) {
  await page.waitForFunction(() => document.getElementById('diagnosis').dataset.status !== 'checking', null, {
    timeout: 10000,
  });
  return page.evaluate(() => ({
    status: document.getElementById('diagnosis').dataset.status,
    message: document.getElementById('diagnosis-message').textContent,
    holder: document.getElementById('card-holder').textContent,
    expiry: document.getElementById('card-expiry').textContent,
  }));
}

test('service worker runs the wasm core of the test build with the fixed extension ID', async () => {
  assert.equal(new URL(serviceWorker.url()).host, EXTENSION_ID);
  const report = await serviceWorker.evaluate(() => globalThis.ebidReady);
  assert.deepEqual(report.origins.builtin, ['https://www.ebid.city.sapporo.jp']);
  assert.deepEqual(report.dynamicMatches, []);
  assert.equal(report.testBuild, true);
});

test('options page tells a missing host', async () => {
  installHost(false);
  const page = await openOptions();
  const d = await diagnosis(page);
  assert.equal(d.status, 'host-missing');
  assert.match(d.message, /インストールされていません/);
  await page.close();
});

test('options page tells a host that is too old, one that does not answer, and a card that is fine', async () => {
  installHost(true);
  setHostMode({ protocol: 0 });
  let page = await openOptions();
  assert.equal((await diagnosis(page)).status, 'host-too-old');
  setHostMode({ silent: true });
  await page.click('#recheck');
  const started = Date.now();
  assert.equal((await diagnosis(page)).status, 'host-not-answering');
  assert.ok(Date.now() - started >= 4000, 'waited for the Hello timeout');
  setHostMode({});
  await page.click('#recheck');
  const d = await diagnosis(page);
  assert.equal(d.status, 'card-ok');
  assert.equal(d.holder, '札幌 太郎');
  assert.equal(d.expiry, '2099-01-01T00:00:00Z');
  if (process.env.EBID_SCREENSHOTS) await page.screenshot({ path: join(process.env.EBID_SCREENSHOTS, 'options.png') });
  await page.close();
});

/** The toolbar popup (popup.html), opened as a page at the popup's size; returns what it shows. */
async function openPopup() {
  const page = await context.newPage();
  await page.setViewportSize({ width: 368, height: 320 });
  await page.goto(`${EXTENSION_ORIGIN}/popup.html`);
  await page.waitForFunction(() => document.getElementById('popup').dataset.status !== 'checking', null, {
    timeout: 10000,
  });
  const shown = await page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent.trim();
    const visible = (id) => !document.getElementById(id).hidden;
    return {
      status: document.getElementById('popup').dataset.status,
      expiry: document.getElementById('popup').dataset.expiry,
      message: text('popup-message'),
      host: text('popup-host'),
      readers: text('popup-readers'),
      card: visible('popup-card'),
      holder: text('popup-holder'),
      organization: text('popup-organization'),
      expiryDate: text('popup-expiry'),
      daysLeft: text('popup-days-left'),
      warning: visible('popup-expiry-warning') ? text('popup-expiry-warning') : null,
      link: text('popup-open-options'),
    };
  });
  const badge = await serviceWorker.evaluate(() => chrome.action.getBadgeText({}));
  return { page, shown, badge };
}

async function popupScreenshot(page, name) {
  if (process.env.EBID_SCREENSHOTS) {
    await page.screenshot({ path: join(process.env.EBID_SCREENSHOTS, `popup-${name}.png`), fullPage: true });
  }
}

test('toolbar popup: host missing, no reader, no card — and the badge shows trouble', async () => {
  installHost(false);
  let { page, shown, badge } = await openPopup();
  assert.equal(shown.status, 'host-missing');
  assert.match(shown.message, /インストールされていません/);
  assert.equal(shown.host, 'インストールされていません');
  assert.equal(shown.card, false);
  assert.equal(shown.link, '詳しい診断を開く');
  assert.equal(badge, '!', 'the badge shows the missing host');
  await popupScreenshot(page, 'host-missing');
  await page.close();

  installHost(true);
  setHostMode({ no_reader: true });
  ({ page, shown, badge } = await openPopup());
  assert.equal(shown.status, 'no-reader');
  assert.match(shown.message, /ICカードリーダーが接続されていません/);
  assert.equal(shown.host, 'インストール済み・応答あり（ebid-host 9.9.9-fake）');
  assert.equal(shown.readers, '見つかりません');
  assert.equal(badge, '!', 'the badge shows the missing reader');
  await popupScreenshot(page, 'no-reader');
  await page.close();

  setHostMode({ no_card: true });
  ({ page, shown, badge } = await openPopup());
  assert.equal(shown.status, 'no-card');
  assert.match(shown.message, /ICカードが挿入されていません/);
  assert.equal(shown.readers, 'Fake Reader 00 00');
  assert.equal(shown.card, false);
  assert.equal(badge, '', 'no card is no trouble');
  await popupScreenshot(page, 'no-card');
  await page.close();
});

test('toolbar popup: whose card, until when, days left; a warning within 60 days; link to the full diagnosis', async () => {
  installHost(true);
  setHostMode({});
  let { page, shown, badge } = await openPopup();
  assert.equal(shown.status, 'card-ok');
  assert.equal(shown.expiry, 'ok');
  assert.equal(shown.holder, '札幌 太郎');
  assert.equal(shown.organization, '株式会社旧カード');
  assert.equal(shown.expiryDate, '2099-01-01');
  assert.match(shown.daysLeft, /^あと \d+ 日$/);
  assert.equal(shown.warning, null);
  assert.equal(badge, '');
  await popupScreenshot(page, 'card-ok');
  // The link opens the options page (the full diagnosis).
  const opened = context.waitForEvent('page');
  await page.click('#popup-open-options');
  const options = await opened;
  await options.waitForURL(`${EXTENSION_ORIGIN}/options.html`);
  assert.equal((await diagnosis(options)).status, 'card-ok');
  await options.close();
  if (!page.isClosed()) await page.close();

  setHostMode({ expires_in_days: 30 });
  ({ page, shown, badge } = await openPopup());
  assert.equal(shown.status, 'card-ok');
  assert.equal(shown.expiry, 'soon');
  assert.equal(shown.daysLeft, 'あと 30 日');
  assert.match(shown.warning, /あと 30 日です（60 日以内）。期限が切れる前にICカードの更新を行ってください。/);
  assert.equal(badge, '!', 'the badge warns of the coming expiry');
  await popupScreenshot(page, 'card-expiring');
  await page.close();

  setHostMode({ expires_in_days: 61 });
  ({ page, shown, badge } = await openPopup());
  assert.equal(shown.expiry, 'ok');
  assert.equal(shown.warning, null);
  assert.equal(badge, '');
  await page.close();
});

test('test switch: loopback portal origins are registered from the options page; others are refused', async () => {
  const page = await openOptions();
  // The page shows the switch once its wasm core has run (slow on a loaded machine): wait for it, then check.
  await page.locator('#dev-origins-section').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
  assert.equal(await page.locator('#dev-origins-section').isVisible(), true, 'the test build shows the switch');
  await page.fill('#dev-origins', `${portalOrigin}\nhttps://evil.example`);
  await page.click('#dev-origins-save');
  await page.waitForSelector('#dev-origins-status[data-state="saved"]');
  const origins = await page.locator('#origins li').allTextContents();
  assert.ok(origins.some((o) => o.startsWith(portalOrigin)));
  assert.ok((await page.locator('#origins-rejected li').allTextContents()).some((o) => o.includes('evil.example')));
  await page.close();
});

/** The extension's dialog: its own popup window, a page of the context. */
async function findDialog(timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dialog = context.pages().find((p) => p.url().startsWith(`${EXTENSION_ORIGIN}/dialog.html#`) && !p.isClosed());
    if (dialog) return dialog;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no dialog window; pages: ${context.pages().map((p) => p.url()).join(', ')}`);
}

async function dialogClosed(dialog, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!dialog.isClosed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  assert.ok(dialog.isClosed(), 'the dialog window closed');
}

/** The menu page (or another page the extension acts on), with the content script in charge of its button. */
async function openMenuPage(route = MENU) {
  const page = await context.newPage();
  page.on('dialog', (d) => d.dismiss());
  await page.goto(`${portalOrigin}${route}`);
  // The content script asks for its profile first; wait until it has taken over the button.
  await page.waitForTimeout(300);
  return page;
}

/** Opens the menu, clicks 「ICカード更新」 (a real, trusted click) and returns the page and the dialog window. */
async function openMenu() {
  const page = await openMenuPage();
  await page.click('#btnIcRenew');
  const dialog = await findDialog();
  return { page, dialog };
}

const snapshot = (page) => page.evaluate(() => ({ html: document.documentElement.outerHTML, url: location.href }));

async function screenshot(page, name) {
  if (process.env.EBID_SCREENSHOTS) await page.screenshot({ path: join(process.env.EBID_SCREENSHOTS, `${name}.png`) });
}

test('renewal: confirmation, wrong PIN, same card, new card, both steps posted, confirmation page shown', async () => {
  installHost(true);
  setHostMode({ same_card_first: true });
  resetPortal();
  const { page, dialog } = await openMenu();
  await dialog.locator('#confirm-ok').waitFor();
  assert.equal(await page.evaluate(() => window.appletCalled), undefined, 'the applet call was stopped');
  // The dialog is no frame of the page, and it names the site that asked.
  assert.equal(await page.evaluate(() => window.frames.length), 0, 'no frame in the page');
  assert.ok(!page.frames().some((f) => f.url().startsWith('chrome-extension:')));
  assert.equal(await dialog.locator('#dialog-site').isVisible(), true);
  assert.equal((await dialog.locator('#dialog-site-origin').textContent()).trim(), portalOrigin);

  await screenshot(dialog, 'confirm');
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#pin-input').waitFor();
  assert.match(await dialog.locator('#pin-tries').textContent(), /3/);
  await dialog.locator('#pin-input').fill('9999');
  await dialog.locator('#pin-ok').click();
  await dialog.locator('#pin-error').waitFor();
  await screenshot(dialog, 'pin-wrong');
  assert.match(await dialog.locator('#pin-tries').textContent(), /2/);
  assert.equal(await dialog.locator('#pin-input').inputValue(), '', 'the PIN is cleared after sending');
  // Nothing went to the portal before a PIN was verified.
  assert.deepEqual(portal.calls, []);
  await dialog.locator('#pin-input').fill('1234');
  await dialog.locator('#pin-input').press('Enter');

  await dialog.locator('#screen-swap').waitFor();
  await dialog.locator('#swap-notice').waitFor({ timeout: 5000 });
  assert.match(await dialog.locator('#swap-notice').textContent(), /現在使用しているICカード/);
  await dialog.locator('#swap-ok:enabled').waitFor({ timeout: 5000 });
  await screenshot(dialog, 'swap');
  // The current card's consent reached the portal before the swap.
  assert.deepEqual(portal.calls.map((c) => c.step), ['challenge', 'current']);
  await dialog.locator('#swap-ok').click();
  await dialog.locator('#operator-note').waitFor();
  await screenshot(dialog, 'pin-new');
  await dialog.locator('#pin-input').fill('1234');
  await dialog.locator('#pin-ok').click();

  // The content script shows the portal's confirmation page in the menu's frame; the dialog window closes.
  await page.waitForSelector('#confirm-page', { timeout: 5000 });
  assert.equal(new URL(page.url()).pathname, CONFIRM);
  await dialogClosed(dialog);
  assert.equal(await page.evaluate(() => window.appletCalled), undefined);

  // What the portal received: each step once, from the page's origin, with exactly the fields the host returned.
  assert.deepEqual(
    portal.calls.map(({ step, fields, origin, status }) => ({ step, fields, origin, status })),
    [
      { step: 'challenge', fields: {}, origin: portalOrigin, status: 200 },
      {
        step: 'current',
        fields: { challenge: portal.issued.challenge, oldCertificate: FAKE.oldCertificate, oldSignature: FAKE.oldSignature },
        origin: portalOrigin,
        status: 200,
      },
      {
        step: 'new',
        fields: { challenge: portal.issued.current, newCertificate: FAKE.newCertificate, newSignature: FAKE.newSignature },
        origin: portalOrigin,
        status: 200,
      },
    ],
  );
  // What the host was asked to sign: each step's challenge, for the page's origin, for its purpose.
  const signs = hostRequests().filter((r) => r.cmd === 'sign_challenge');
  assert.equal(signs.length, 2);
  assert.equal(signs[0].origin, portalOrigin, 'the origin comes from the browser');
  assert.equal(signs[0].purpose, 'renew_current');
  assert.equal(signs[0].challenge, portal.issued.challenge);
  assert.equal(signs[1].origin, portalOrigin);
  assert.equal(signs[1].purpose, 'renew_new');
  assert.equal(signs[1].challenge, portal.issued.current);
  assert.equal(signs[1].bound_certificate, FAKE.oldCertificate);
  await page.close();
});

/**
 * Buttons that close the dialog's window are pressed with a DOM click: a mouse click whose page is torn down
 * between mousedown and mouseup may never be acknowledged, and Playwright then waits forever.
 */
async function pressClosingButton(button) {
  await button.waitFor({ state: 'visible' });
  await button.evaluate((b) => b.click()).catch((error) => {
    if (!/detached|destroyed|closed/i.test(String(error))) throw error;
  });
}

test('cancel leaves the page exactly as it was', async () => {
  installHost(true);
  setHostMode({});
  resetPortal();
  const page = await openMenuPage();
  const before = await snapshot(page);
  await page.click('#btnIcRenew');
  const dialog = await findDialog();
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#pin-input').fill('1234');
  await pressClosingButton(dialog.locator('#pin-cancel'));
  await dialogClosed(dialog);
  assert.deepEqual(await snapshot(page), before);
  assert.deepEqual(portal.calls, [], 'nothing reached the portal');
  assert.ok(!hostRequests().some((r) => r.cmd === 'verify_pin'), 'the cancelled PIN was never sent');
  await page.close();
});

test('closing the dialog window cancels; the button then starts afresh', async () => {
  installHost(true);
  setHostMode({});
  resetPortal();
  const page = await openMenuPage();
  const before = await snapshot(page);
  await page.click('#btnIcRenew');
  let dialog = await findDialog();
  await dialog.locator('#confirm-ok').waitFor();
  await dialog.close();
  // The flow ended: the page is as it was and a new click opens a new dialog.
  await page.waitForTimeout(300);
  assert.deepEqual(await snapshot(page), before);
  await page.click('#btnIcRenew');
  dialog = await findDialog();
  await dialog.locator('#confirm-ok').waitFor();
  await pressClosingButton(dialog.locator('#confirm-cancel'));
  await dialogClosed(dialog);
  assert.deepEqual(portal.calls, []);
  await page.close();
});

test('closing the portal tab ends the flow and closes the dialog window', async () => {
  installHost(true);
  setHostMode({});
  resetPortal();
  const { page, dialog } = await openMenu();
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#pin-input').waitFor();
  await page.close();
  await dialogClosed(dialog);
  assert.deepEqual(portal.calls, []);
  assert.ok(!hostRequests().some((r) => r.cmd === 'verify_pin'));
});

test('a synthetic click from page script starts nothing', async () => {
  installHost(true);
  setHostMode({});
  resetPortal();
  const page = await openMenuPage();
  await page.evaluate(() => document.getElementById('btnIcRenew').click());
  await page.waitForTimeout(500);
  assert.ok(!context.pages().some((p) => p.url().startsWith(`${EXTENSION_ORIGIN}/dialog.html`)), 'no dialog window');
  assert.equal(await page.evaluate(() => window.appletCalled), undefined, 'and the applet call was stopped');
  assert.deepEqual(portal.calls, []);
  await page.close();
});

test('expired current card is refused with the pointer to 2.1.3', async () => {
  installHost(true);
  setHostMode({ expired: true });
  resetPortal();
  const { page, dialog } = await openMenu();
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#screen-refused').waitFor();
  assert.match(await dialog.locator('#refused-pointer').textContent(), /2\.1\.3/);
  await pressClosingButton(dialog.locator('#refused-close'));
  await dialogClosed(dialog);
  assert.deepEqual(portal.calls, [], 'refused before the portal was asked');
  await page.close();
});

test("the portal's refusal is shown in its own words, with the pointer to 2.1.3 only when it asks for it", async () => {
  for (const registration_pointer of [true, false]) {
    installHost(true);
    setHostMode({});
    const refusal = {
      code: registration_pointer ? 'unregistered' : 'review_pending',
      title: registration_pointer ? '利用者登録されていないICカードです' : '審査中のICカード更新申請があります',
      message: registration_pointer ? '利用者登録を行ってください。' : '審査が終わるまでお待ちください。',
      registration_pointer,
    };
    resetPortal('refuse', refusal);
    const { page, dialog } = await openMenu();
    await dialog.locator('#confirm-ok').click();
    await dialog.locator('#pin-input').fill('1234');
    await dialog.locator('#pin-ok').click();
    await dialog.locator('#screen-refused').waitFor();
    assert.equal((await dialog.locator('#refused-reason').textContent()).trim(), refusal.title);
    assert.equal((await dialog.locator('#refused-detail').textContent()).trim(), refusal.message);
    assert.equal(await dialog.locator('#refused-pointer').isVisible(), registration_pointer);
    if (registration_pointer) await screenshot(dialog, 'portal-refused');
    assert.deepEqual(portal.calls.map((c) => c.step), ['challenge', 'current']);
    await pressClosingButton(dialog.locator('#refused-close'));
    await dialogClosed(dialog);
    // The page stayed on the menu.
    assert.equal(new URL(page.url()).pathname, MENU);
    await page.close();
  }
});

test('a portal answer outside the contract ends in the failed screen: portal unreachable', async () => {
  installHost(true);
  setHostMode({});
  resetPortal('broken');
  const { page, dialog } = await openMenu();
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#pin-input').fill('1234');
  await dialog.locator('#pin-ok').click();
  await dialog.locator('#screen-failed').waitFor();
  assert.match(await dialog.locator('#failed-message').textContent(), /電子入札システムと通信できませんでした/);
  assert.ok(!hostRequests().some((r) => r.cmd === 'sign_challenge'), 'nothing was signed');
  await pressClosingButton(dialog.locator('#failed-close'));
  await dialogClosed(dialog);
  assert.equal(new URL(page.url()).pathname, MENU);
  await page.close();
});

test('missing host is told in the dialog', async () => {
  installHost(false);
  resetPortal();
  const { page, dialog } = await openMenu();
  await dialog.locator('#screen-failed').waitFor();
  assert.match(await dialog.locator('#failed-message').textContent(), /インストールされていません/);
  await pressClosingButton(dialog.locator('#failed-close'));
  await dialogClosed(dialog);
  assert.deepEqual(portal.calls, []);
  await page.close();
});

test('a host that stops answering after the Hello ends in the failed screen and loses its port', async () => {
  installHost(true);
  setHostMode({ hang_on: 'sign_challenge' });
  resetPortal();
  const { page, dialog } = await openMenu();
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#pin-input').fill('1234');
  await dialog.locator('#pin-ok').click();
  // The answer timeout of an ordinary card command is 20 s.
  await dialog.locator('#screen-failed').waitFor({ timeout: 40000 });
  assert.match(await dialog.locator('#failed-message').textContent(), /応答しなくなりました/);
  assert.match(await dialog.locator('#failed-detail').textContent(), /sign_challenge/);
  // The host sees its stdin close once the browser drops the port.
  for (let i = 0; i < 50 && !existsSync(join(hostDir, 'stdin_closed')); i++) await page.waitForTimeout(100);
  assert.ok(existsSync(join(hostDir, 'stdin_closed')), 'the native port was disconnected');
  // Only the challenge was fetched: no consent reached the portal.
  assert.deepEqual(portal.calls.map((c) => c.step), ['challenge']);
  await pressClosingButton(dialog.locator('#failed-close'));
  await dialogClosed(dialog);
  await page.close();
});

test('login: 「ログイン」 on the login page proves the card at the login endpoints and shows the result page', async () => {
  installHost(true);
  setHostMode({});
  resetPortal();
  const page = await openMenuPage(LOGIN_PAGE);
  await page.click('#btnIcLogin');
  const dialog = await findDialog();
  await dialog.locator('#confirm-ok').waitFor();
  assert.equal(await page.evaluate(() => window.appletCalled), undefined, 'the applet call was stopped');
  assert.equal((await dialog.locator('#dialog-title').textContent()).trim(), 'ICカードによるログイン');
  assert.equal(await dialog.locator('#confirm-warning').isVisible(), false, 'no card is retired by a login');
  await screenshot(dialog, 'login-confirm');
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#pin-input').waitFor();
  assert.equal((await dialog.locator('#pin-title').textContent()).trim(), 'ICカードのPIN番号を入力してください。');
  await dialog.locator('#pin-input').fill('1234');
  await dialog.locator('#pin-ok').click();
  await page.waitForSelector('#loginResult', { timeout: 5000 });
  assert.equal(new URL(page.url()).pathname, LOGIN_RESULT);
  await dialogClosed(dialog);
  assert.deepEqual(
    portal.calls.map(({ step, origin, status }) => ({ step, origin, status })),
    [
      { step: 'login_challenge', origin: portalOrigin, status: 200 },
      { step: 'login', origin: portalOrigin, status: 200 },
    ],
  );
  const signs = hostRequests().filter((r) => r.cmd === 'sign_challenge');
  assert.equal(signs.length, 1);
  assert.equal(signs[0].purpose, 'login');
  assert.equal(signs[0].origin, portalOrigin);
  assert.equal(signs[0].challenge, portal.issued.login_challenge);
  await page.close();
});

test('「登録」 on a refusal pointing to 2.1.3 registers in the same dialog and opens 資格審査情報検索 in the page', async () => {
  installHost(true);
  setHostMode({});
  resetPortal('refuse', {
    code: 'unregistered',
    title: '利用者登録されていないICカードです',
    message: '利用者登録を行ってください。',
    registration_pointer: true,
  });
  const page = await openMenuPage(LOGIN_PAGE);
  await page.click('#btnIcLogin');
  const dialog = await findDialog();
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#pin-input').fill('1234');
  await dialog.locator('#pin-ok').click();
  await dialog.locator('#screen-refused').waitFor();
  assert.equal((await dialog.locator('#refused-reason').textContent()).trim(), '利用者登録されていないICカードです');
  await screenshot(dialog, 'login-refused-register');
  await dialog.locator('#refused-register').click();
  await dialog.locator('#screen-confirm').waitFor();
  assert.equal((await dialog.locator('#dialog-title').textContent()).trim(), '利用者情報の新規登録');
  await dialog.locator('#confirm-ok').click();
  await dialog.locator('#pin-input').fill('1234');
  await dialog.locator('#pin-ok').click();
  await page.waitForSelector('#registSearch', { timeout: 5000 });
  assert.equal(new URL(page.url()).pathname, REGIST_SEARCH);
  await dialogClosed(dialog);
  assert.deepEqual(
    portal.calls.map((c) => c.step),
    ['login_challenge', 'login', 'regist_challenge', 'regist'],
  );
  const purposes = hostRequests()
    .filter((r) => r.cmd === 'sign_challenge')
    .map((r) => r.purpose);
  assert.deepEqual(purposes, ['login', 'register']);
  // One port: watched once, then the readers listed for the registration.
  assert.equal(hostRequests().filter((r) => r.cmd === 'watch').length, 1);
  await page.close();
});

test('the production build: https portals only, no web-accessible resources, no dev switch', async () => {
  const manifest = JSON.parse(readFileSync(join(productionDir, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.host_permissions, ['https://www.ebid.city.sapporo.jp/*']);
  for (const permission of manifest.host_permissions) assert.ok(!/127\.0\.0\.1|localhost|\[::1\]/.test(permission));
  assert.equal(manifest.web_accessible_resources, undefined);
  assert.equal(manifest.action.default_popup, 'popup.html');
  for (const size of ['16', '32', '48', '128']) assert.ok(existsSync(join(productionDir, manifest.icons[size])));
  for (const script of manifest.content_scripts) assert.deepEqual(script.matches, ['https://www.ebid.city.sapporo.jp/*']);
  // The test build differs only by the loopback host permissions.
  const testManifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8'));
  assert.deepEqual(testManifest.host_permissions, [...manifest.host_permissions, 'http://127.0.0.1/*', 'http://localhost/*']);
  assert.equal(testManifest.web_accessible_resources, undefined);

  // Loaded into its own browser: the core says it is no test build, ignores the dev list, and the options page
  // hides the switch.
  const udd = join(work, 'udd-production');
  mkdirSync(udd);
  const production = await launch(productionDir, udd);
  try {
    const worker = production.serviceWorkers()[0] || (await production.waitForEvent('serviceworker'));
    assert.equal(new URL(worker.url()).host, EXTENSION_ID);
    const report = await worker.evaluate(() => globalThis.ebidReady);
    assert.equal(report.testBuild, false);
    await worker.evaluate((list) => chrome.storage.local.set({ devPortalOrigins: list }), [portalOrigin]);
    const page = await openOptions(production);
    await page.waitForFunction(() => document.querySelectorAll('#origins li').length > 0);
    assert.equal(await page.locator('#dev-origins-section').isHidden(), true, 'no dev switch');
    assert.equal(await page.locator('#dev-origins').isVisible(), false);
    const listed = await page.locator('#origins li').allTextContents();
    assert.ok(!listed.some((o) => o.includes('127.0.0.1')), JSON.stringify(listed));
    assert.deepEqual(await worker.evaluate(() => chrome.scripting.getRegisteredContentScripts()), []);
    // The menu on a loopback origin gets no flow: the click reaches the page's own handler.
    const menu = await production.newPage();
    const native = [];
    menu.on('dialog', (d) => {
      native.push(d.message());
      d.dismiss();
    });
    await menu.goto(`${portalOrigin}${MENU}`);
    await menu.waitForTimeout(300);
    resetPortal();
    await menu.click('#btnIcRenew');
    await menu.waitForFunction(() => window.appletCalled === true);
    assert.ok(!production.pages().some((p) => p.url().startsWith(`${EXTENSION_ORIGIN}/dialog.html`)));
    assert.deepEqual(portal.calls, []);
  } finally {
    await production.close();
  }
});
