// The built extension (out/extension/chrome) in real headless Chromium, with a scripted fake host
// (tests/fake_host.py) and a minimal page that follows the portal's DOM contract. Run: ./build.sh && npm test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumFlags } from '../../tests/e2e/lib/chromium-flags.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const extensionDir = resolve(here, '../../out/extension/chrome');
const EXTENSION_ID = 'gbhbffmnghhpjolccbflhlhkcanbdabm';
const HOST_NAME = 'jp.ebid.renewal';

let context, serviceWorker, server, portalOrigin, work, hostDir;
const posts = [];

// The 利用者登録メニュー page as the replica serves it (form frmRenew, button btnIcRenew, applet call), under a
// strict CSP that forbids frames and wasm: the extension must cope with both.
const menuPage = (challenge) => `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>利用者登録メニュー</title>
<script>function fnIcRenew() { window.appletCalled = true; alert('applet'); return false; }</script></head><body>
<form name="frmRenew" id="frmRenew" method="post" action="/confirm">
<input type="hidden" name="challenge" id="challenge" value="${challenge}">
<input type="hidden" name="oldCertificate" value=""><input type="hidden" name="oldSignature" value="">
<input type="hidden" name="newCertificate" value=""><input type="hidden" name="newSignature" value="">
<input type="button" name="btnIcRenew" id="btnIcRenew" value="ICカード更新" onclick="fnIcRenew(); return false;">
</form></body></html>`;

function startPortal() {
  return new Promise((resolveStart) => {
    server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/confirm') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          posts.push(Object.fromEntries(new URLSearchParams(body)));
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end('<html><body><h1 id="confirm-page">電子証明書更新確認画面</h1></body></html>');
        });
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; frame-src 'none'",
      });
      res.end(menuPage('Q0hBTExFTkdFLTEyMzQ1Njc4'));
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
      path: join(hostDir, 'fake_host.py'),
      type: 'stdio',
      allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
    })
  );
}

function hostRequests() {
  const log = join(hostDir, 'requests.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse) : [];
}

before(async () => {
  assert.ok(existsSync(join(extensionDir, 'pkg', 'ebid_extension_bg.wasm')), 'run ./build.sh first');
  work = mkdtempSync(join(tmpdir(), 'ebid-ext-test-'));
  hostDir = join(work, 'host');
  mkdirSync(hostDir);
  mkdirSync(join(work, 'udd', 'NativeMessagingHosts'), { recursive: true });
  copyFileSync(join(here, 'fake_host.py'), join(hostDir, 'fake_host.py'));
  await startPortal();
  context = await chromium.launchPersistentContext(join(work, 'udd'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    locale: 'ja-JP',
    // Chromium on Linux takes its UI language (chrome.i18n) from the environment.
    env: { ...process.env, LANGUAGE: 'ja', LANG: 'ja_JP.UTF-8' },
    ignoreDefaultArgs: ['--disable-extensions'],
    args: chromiumFlags(extensionDir),
  });
  serviceWorker = context.serviceWorkers()[0] || (await context.waitForEvent('serviceworker'));
});

after(async () => {
  await context?.close();
  server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function openOptions() {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
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

test('service worker runs the wasm core with the fixed extension ID', async () => {
  assert.equal(new URL(serviceWorker.url()).host, EXTENSION_ID);
  const report = await serviceWorker.evaluate(() => globalThis.ebidReady);
  assert.deepEqual(report.origins.builtin, ['https://www.ebid.city.sapporo.jp']);
  assert.deepEqual(report.dynamicMatches, []);
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

test('test switch: loopback portal origins are registered from the options page; others are refused', async () => {
  const page = await openOptions();
  await page.fill('#dev-origins', `${portalOrigin}\nhttps://evil.example`);
  await page.click('#dev-origins-save');
  await page.waitForSelector('#dev-origins-status[data-state="saved"]');
  const origins = await page.locator('#origins li').allTextContents();
  assert.ok(origins.some((o) => o.startsWith(portalOrigin)));
  assert.ok((await page.locator('#origins-rejected li').allTextContents()).some((o) => o.includes('evil.example')));
  await page.close();
});

async function openMenu() {
  const page = await context.newPage();
  page.on('dialog', (d) => d.dismiss());
  await page.goto(`${portalOrigin}/menu`);
  // The content script asks for its profile first; wait until it has taken over the button.
  await page.waitForTimeout(300);
  await page.click('#btnIcRenew');
  const frame = page.frameLocator('#ebid-renewal-dialog');
  return { page, frame };
}

async function fieldsOf(page) {
  return page.evaluate(() =>
    Object.fromEntries([...document.frmRenew.elements].filter((e) => e.type === 'hidden').map((e) => [e.name, e.value]))
  );
}

test('renewal: confirmation, wrong PIN, same card, new card, result submitted to the page', async () => {
  installHost(true);
  setHostMode({ same_card_first: true });
  posts.length = 0;
  const { page, frame } = await openMenu();
  await frame.locator('#confirm-ok').waitFor();
  assert.equal(await page.evaluate(() => window.appletCalled), undefined, 'the applet call was stopped');
  // The page cannot look into the dialog.
  assert.equal(await page.evaluate(() => document.getElementById('ebid-renewal-dialog').contentDocument), null);

  if (process.env.EBID_SCREENSHOTS) await page.screenshot({ path: join(process.env.EBID_SCREENSHOTS, 'confirm.png') });
  await frame.locator('#confirm-ok').click();
  await frame.locator('#pin-input').waitFor();
  assert.match(await frame.locator('#pin-tries').textContent(), /3/);
  await frame.locator('#pin-input').fill('9999');
  await frame.locator('#pin-ok').click();
  await frame.locator('#pin-error').waitFor();
  if (process.env.EBID_SCREENSHOTS) await page.screenshot({ path: join(process.env.EBID_SCREENSHOTS, 'pin-wrong.png') });
  assert.match(await frame.locator('#pin-tries').textContent(), /2/);
  assert.equal(await frame.locator('#pin-input').inputValue(), '', 'the PIN is cleared after sending');
  await frame.locator('#pin-input').fill('1234');
  await frame.locator('#pin-input').press('Enter');

  await frame.locator('#screen-swap').waitFor();
  await frame.locator('#swap-notice').waitFor({ timeout: 5000 });
  assert.match(await frame.locator('#swap-notice').textContent(), /現在使用しているICカード/);
  await frame.locator('#swap-ok:enabled').waitFor({ timeout: 5000 });
  if (process.env.EBID_SCREENSHOTS) await page.screenshot({ path: join(process.env.EBID_SCREENSHOTS, 'swap.png') });
  await frame.locator('#swap-ok').click();
  await frame.locator('#operator-note').waitFor();
  if (process.env.EBID_SCREENSHOTS) await page.screenshot({ path: join(process.env.EBID_SCREENSHOTS, 'pin-new.png') });
  await frame.locator('#pin-input').fill('1234');
  await frame.locator('#pin-ok').click();

  await page.waitForSelector('#confirm-page', { timeout: 5000 });
  assert.equal(posts.length, 1);
  assert.deepEqual(posts[0], {
    challenge: 'Q0hBTExFTkdFLTEyMzQ1Njc4',
    oldCertificate: 'T0xELUNFUlQ=',
    oldSignature: 'U0lHLQ==',
    newCertificate: 'TkVXLUNFUlQ=',
    newSignature: 'U0lHKw==',
  });
  const signs = hostRequests().filter((r) => r.cmd === 'sign_challenge');
  assert.equal(signs.length, 2);
  assert.equal(signs[0].origin, portalOrigin, 'the origin comes from the browser');
  assert.equal(signs[0].purpose, 'renew_current');
  assert.equal(signs[1].purpose, 'renew_new');
  assert.equal(signs[1].bound_certificate, 'T0xELUNFUlQ=');
  await page.close();
});

/**
 * Buttons that remove the dialog's frame are pressed with a DOM click: a mouse click whose frame is torn down
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
  posts.length = 0;
  const { page, frame } = await openMenu();
  const before = await fieldsOf(page);
  await frame.locator('#confirm-ok').click();
  await frame.locator('#pin-input').fill('1234');
  await pressClosingButton(frame.locator('#pin-cancel'));
  await page.waitForSelector('#ebid-renewal-dialog', { state: 'detached' });
  assert.deepEqual(await fieldsOf(page), before);
  assert.equal(posts.length, 0);
  assert.ok(!hostRequests().some((r) => r.cmd === 'verify_pin'), 'the cancelled PIN was never sent');
  await page.close();
});

test('expired current card is refused with the pointer to 2.1.3', async () => {
  installHost(true);
  setHostMode({ expired: true });
  const { page, frame } = await openMenu();
  await frame.locator('#confirm-ok').click();
  await frame.locator('#screen-refused').waitFor();
  assert.match(await frame.locator('#refused-pointer').textContent(), /2\.1\.3/);
  await pressClosingButton(frame.locator('#refused-close'));
  await page.waitForSelector('#ebid-renewal-dialog', { state: 'detached' });
  await page.close();
});

test('missing host is told in the dialog', async () => {
  installHost(false);
  const { page, frame } = await openMenu();
  await frame.locator('#screen-failed').waitFor();
  assert.match(await frame.locator('#failed-message').textContent(), /インストールされていません/);
  await pressClosingButton(frame.locator('#failed-close'));
  await page.waitForSelector('#ebid-renewal-dialog', { state: 'detached' });
  await page.close();
});

test('a host that stops answering after the Hello ends in the failed screen and loses its port', async () => {
  installHost(true);
  setHostMode({ hang_on: 'sign_challenge' });
  posts.length = 0;
  const { page, frame } = await openMenu();
  await frame.locator('#confirm-ok').click();
  await frame.locator('#pin-input').fill('1234');
  await frame.locator('#pin-ok').click();
  // The answer timeout of an ordinary card command is 20 s.
  await frame.locator('#screen-failed').waitFor({ timeout: 40000 });
  assert.match(await frame.locator('#failed-message').textContent(), /応答しなくなりました/);
  assert.match(await frame.locator('#failed-detail').textContent(), /sign_challenge/);
  // The host sees its stdin close once the browser drops the port.
  for (let i = 0; i < 50 && !existsSync(join(hostDir, 'stdin_closed')); i++) await page.waitForTimeout(100);
  assert.ok(existsSync(join(hostDir, 'stdin_closed')), 'the native port was disconnected');
  assert.equal(posts.length, 0);
  await pressClosingButton(frame.locator('#failed-close'));
  await page.waitForSelector('#ebid-renewal-dialog', { state: 'detached' });
  await page.close();
});
