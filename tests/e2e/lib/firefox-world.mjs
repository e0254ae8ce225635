// One Firefox test world: the same testbed (private pcscd + virtual cards) and replica portal as the Chromium suite,
// and Firefox ESR driven through geckodriver (W3C WebDriver over HTTP, lib/firefox-webdriver.mjs), headless, with
// the extension's Firefox **test build** (out/extension/firefox-test) installed as a temporary add-on and the real
// ebid-host, whose manifest `ebid-host install --user --browser firefox` writes into a throwaway HOME.
//
// Firefox reads `$HOME/.mozilla/native-messaging-hosts/jp.ebid.renewal.json` and passes its environment to the host:
// geckodriver (and so Firefox) gets HOME, the testbed's PCSCLITE_CSOCK_NAME / EBID_HOST_PROFILE_DIR and
// EBID_HOST_ALLOW_LOOPBACK_ORIGINS=1 (the replica portal is http://127.0.0.1:<port>).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Testbed } from './testbed.mjs';
import { Portal, PATHS, COMPANY } from './portal.mjs';
import { Child } from './processes.mjs';
import { HOST, HOST_NAME, OUT_DIR, PORTAL, TESTBED } from './paths.mjs';
import { WebDriver } from './firefox-webdriver.mjs';
import { hostLogsIn, tearDown } from './world-dir.mjs';

export { PATHS, COMPANY };

/** The Firefox add-on ID (browser_specific_settings.gecko.id; host/src/admin/extension_ids.rs). */
export const GECKO_ID = 'ebid-renewal@ebid.jp';
/** Fixed through the pref extensions.webextensions.uuids, so the tests know the dialog's URL. */
export const FIREFOX_UUID = '5d0f3b8e-2c71-4a5e-9b1d-7e4c2a9f6b30';
export const MOZ_ORIGIN = `moz-extension://${FIREFOX_UUID}`;
export const DIALOG_URL = `${MOZ_ORIGIN}/dialog.html`;

export const FIREFOX_EXTENSION_DIR = process.env.EBID_FIREFOX_EXTENSION_DIR
  ? path.resolve(process.env.EBID_FIREFOX_EXTENSION_DIR)
  : path.join(OUT_DIR, 'extension', 'firefox-test');
export const FIREFOX = process.env.EBID_FIREFOX || '/usr/bin/firefox-esr';
/** geckodriver: $EBID_GECKODRIVER, else on PATH, else cargo's bin dir (scripts/setup.sh installs it there). */
export const GECKODRIVER =
  process.env.EBID_GECKODRIVER ||
  [...(process.env.PATH ?? '').split(':'), path.join(process.env.CARGO_HOME || path.join(os.homedir(), '.cargo'), 'bin')]
    .map((d) => path.join(d, 'geckodriver'))
    .find((f) => fs.existsSync(f)) ||
  'geckodriver';

/** The Firefox distribution dir (XREAppDist): where Firefox reads policies.json (enterprise policies). */
const FIREFOX_DISTRIBUTION = '/usr/lib/firefox-esr/distribution';

export function checkFirefoxBuilt() {
  const missing = [];
  for (const [file, fix] of [
    [TESTBED, 'cargo build -p test-harness'],
    [PORTAL, 'cargo build -p replica-portal'],
    [HOST, 'cargo build -p ebid-host'],
    [path.join(FIREFOX_EXTENSION_DIR, 'manifest.json'), 'extension/build.sh'],
    [FIREFOX, 'scripts/setup.sh (installs firefox-esr)'],
    [GECKODRIVER, 'scripts/setup.sh (cargo install geckodriver --version 0.37.1 --locked)'],
  ]) {
    if (!fs.existsSync(file)) missing.push(`${file} is missing: run ${fix}`);
  }
  if (missing.length) throw new Error(missing.join('\n'));
}

/** Polls `check()` until it is truthy; returns its value, or throws naming `what`. */
export async function eventually(check, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}${lastError ? `: ${lastError.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * @param {object} options
 * @param {{id: string, card: string}[]} [options.users]
 * @param {Record<string, number>} [options.insert]
 * @param {'dev'|'policy'} [options.originsVia]  how the replica's origin is put on the extension's list: the test
 *   switch on the options page (`dev`, as the Chromium suite), or an enterprise policy (`policy`: policies.json
 *   `3rdparty` → `Extensions` → GECKO_ID → `portalOrigins`, shown to Firefox in a private mount namespace over its
 *   distribution dir; needs root, as the testbed does)
 * @param {object[]} [options.roster]  入札参加資格者名簿 entries for 登録 (as createWorld's: the portal's --roster)
 */
export async function createFirefoxWorld({
  users = [{ id: 'U000001', card: 'old' }],
  insert = { old: 0 },
  originsVia = 'dev',
  name = 'firefox',
  roster = [],
} = {}) {
  checkFirefoxBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ebid-e2e-${name}-`));
  const world = new FirefoxWorld(dir);
  try {
    world.testbed = await Testbed.start({ dir, readers: 1 });
    const cards = await world.testbed.cards();
    const certificateOf = (card) => cards.find((c) => c.name === card).certificate;
    world.portal = await Portal.start({
      dir,
      caFiles: world.testbed.caFiles,
      users: users.map((u) => ({ ...u, certificate: certificateOf(u.card) })),
      roster,
    });
    for (const [card, slot] of Object.entries(insert)) await world.testbed.insert(card, slot);

    world.home = path.join(dir, 'home');
    fs.mkdirSync(world.home);
    world.hostManifest = installHost(world.home);

    const policies = originsVia === 'policy' ? writePolicies(dir, [world.portal.origin]) : null;
    await world.startFirefox(policies);
    if (originsVia === 'dev') await world.enableDevOrigins([world.portal.origin]);
    return world;
  } catch (error) {
    await world.close();
    throw error;
  }
}

/** `ebid-host install --user --browser firefox` with HOME = `home`; returns the manifest it wrote (checked). */
function installHost(home) {
  execFileSync(HOST, ['install', '--user', '--browser', 'firefox', '--host-path', HOST], {
    env: { ...process.env, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const file = path.join(home, '.mozilla', 'native-messaging-hosts', `${HOST_NAME}.json`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (manifest.path !== HOST || manifest.type !== 'stdio' || !manifest.allowed_extensions?.includes(GECKO_ID)) {
    throw new Error(`ebid-host install wrote an unexpected Firefox manifest: ${JSON.stringify(manifest)}`);
  }
  return manifest;
}

function writePolicies(dir, origins) {
  const file = path.join(dir, 'policies.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ policies: { '3rdparty': { Extensions: { [GECKO_ID]: { portalOrigins: origins } } } } }, null, 2),
  );
  return file;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class FirefoxWorld {
  constructor(dir) {
    this.dir = dir;
  }

  async startFirefox(policiesFile) {
    const port = await freePort();
    const tmp = path.join(this.dir, 'tmp'); // geckodriver's throwaway profile goes here
    fs.mkdirSync(tmp);
    this.hostLog = path.join(this.dir, 'ebid-host.log');
    const env = {
      ...process.env,
      HOME: this.home,
      TMPDIR: tmp,
      ...this.testbed.env,
      EBID_HOST_ALLOW_LOOPBACK_ORIGINS: '1',
      EBID_HOST_LOG: 'debug',
      EBID_HOST_LOG_FILE: this.hostLog,
      // Refuses any connection off this machine (the tests only talk to 127.0.0.1).
      MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1',
    };
    const args = ['--host', '127.0.0.1', '--port', String(port), '--allow-system-access'];
    if (policiesFile) {
      // Firefox reads policies.json from its distribution dir: show it one in a mount namespace of its own (the
      // system's Firefox stays untouched). sh execs geckodriver: the PID stays the one we stop.
      const script = `mount -t tmpfs ebid-policies "${FIREFOX_DISTRIBUTION}" && cp "$0" "${FIREFOX_DISTRIBUTION}/policies.json" && exec "$@"`;
      this.geckodriver = new Child('geckodriver', 'unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, policiesFile, GECKODRIVER, ...args], { env, logDir: this.dir });
    } else {
      this.geckodriver = new Child('geckodriver', GECKODRIVER, args, { env, logDir: this.dir });
    }
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => (await (await fetch(`${base}/status`)).json()).value?.ready, 'geckodriver to listen', 20_000);
    this.driver = await WebDriver.start(base, {
      browserName: 'firefox',
      // The portal page's own prompts (the applet-era confirm) stay open for the test to read.
      unhandledPromptBehavior: 'ignore',
      'moz:firefoxOptions': {
        binary: FIREFOX,
        args: ['-headless'],
        prefs: {
          'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
          // Japanese UI (the language pack, firefox-esr-l10n-ja) and so the extension's Japanese texts.
          'intl.locale.requested': 'ja',
          'intl.accept_languages': 'ja',
          'browser.aboutwelcome.enabled': false,
          'browser.shell.checkDefaultBrowser': false,
          'datareporting.policy.dataSubmissionEnabled': false,
          'toolkit.telemetry.enabled': false,
          'app.update.disabledForTesting': true,
          'extensions.update.enabled': false,
          'browser.safebrowsing.update.enabled': false,
          'network.captive-portal-service.enabled': false,
          'network.connectivity-service.enabled': false,
        },
      },
    });
    this.addonId = await this.driver.installAddon(FIREFOX_EXTENSION_DIR);
    if (this.addonId !== GECKO_ID) throw new Error(`installed add-on ${this.addonId}, expected ${GECKO_ID}`);
    await this.driver.setWindowRect({ width: 1024, height: 720 });
    this.portalHandle = await this.driver.windowHandle();
  }

  url(route) {
    return this.portal.url(route);
  }

  /** Opens an extension page (moz-extension://…) in a new tab from the chrome context; switches to it. */
  async openExtensionPage(page) {
    const d = this.driver;
    const before = new Set(await d.windowHandles());
    await d.setContext('chrome');
    try {
      await d.execute(
        `const tab = gBrowser.addTab(arguments[0], {triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal()});
         gBrowser.selectedTab = tab;`,
        [`${MOZ_ORIGIN}/${page}`],
      );
    } finally {
      await d.setContext('content');
    }
    const handle = await eventually(async () => (await d.windowHandles()).find((h) => !before.has(h)), `a tab for ${page}`);
    await d.switchToWindow(handle);
    await eventually(async () => (await d.url()).startsWith(`${MOZ_ORIGIN}/${page}`), `${page} loaded`);
    return handle;
  }

  /**
   * The extension's test switch (devPortalOrigins) set on its options page as a person would, then checked: the
   * worker registered its content script with a port-less pattern (Firefox ignores patterns with a port).
   */
  async enableDevOrigins(origins) {
    const d = this.driver;
    await this.openExtensionPage('options.html');
    // The section shows once the page learnt from the worker that this is a test build.
    await eventually(
      () => d.execute(`const s = document.getElementById('dev-origins-section'); return !!s && !s.hidden;`),
      'the test switch section (test builds only)',
    );
    const box = await d.find('#dev-origins');
    await d.clear(box);
    await d.sendKeys(box, origins.join('\n'));
    await d.click(await d.find('#dev-origins-save'));
    await eventually(
      () => d.execute(`return document.getElementById('dev-origins-status')?.dataset.state === 'saved';`),
      'the dev origins saved',
    );
    this.registeredMatches = await eventually(async () => {
      const matches = await d.executeAsync(
        `const done = arguments[arguments.length - 1];
         browser.scripting.getRegisteredContentScripts().then((s) => done(s.flatMap((x) => x.matches)), (e) => done(['error ' + e]));`,
      );
      return origins.every((o) => matches.includes(`${new URL(o).protocol}//${new URL(o).hostname}/*`)) && matches;
    }, 'the port-less content-script registration');
    await d.closeWindow();
    await d.switchToWindow(this.portalHandle);
  }

  /** The origins report the options page shows: [{kind, text}] of `#origins li`. */
  async optionsOrigins() {
    const d = this.driver;
    await this.openExtensionPage('options.html');
    try {
      return await eventually(async () => {
        const items = await d.execute(
          `return Array.from(document.querySelectorAll('#origins li')).map((li) => ({kind: li.dataset.kind, text: li.textContent.trim()}));`,
        );
        return items.length > 0 && items;
      }, 'the options page to list the origins');
    } finally {
      await d.closeWindow();
      await d.switchToWindow(this.portalHandle);
    }
  }

  /**
   * The 利用者登録 menu: `frameset: true` loads the portal's frameset and leaves the driver in its `main` frame;
   * false opens the menu page top-level.
   */
  async openMenu({ frameset = true } = {}) {
    const d = this.driver;
    await d.switchToWindow(this.portalHandle);
    await d.switchToFrame(null);
    await d.navigate(this.url(frameset ? PATHS.top : PATHS.menu));
    if (frameset) await this.enterMenuFrame();
    await eventually(() => d.find('#btnIcRenew'), 'the menu button');
    this.menuInFrame = frameset;
  }

  /** Back to the portal tab and, for the frameset, into its `main` frame. */
  async toMenu() {
    const d = this.driver;
    await d.switchToWindow(this.portalHandle);
    await d.switchToFrame(null);
    if (this.menuInFrame) await this.enterMenuFrame();
  }

  async enterMenuFrame() {
    const d = this.driver;
    const frame = await eventually(() => d.find('frame[name="main"], iframe[name="main"]'), 'the frame "main"');
    await d.switchToFrame(WebDriver.elementArg(frame));
  }

  /** Form frmRenew's markup and values and the menu frame's URL (to prove a cancelled flow left the page as it was). */
  async formSnapshot() {
    await this.toMenu();
    return this.driver.execute(`const form = document.forms.frmRenew;
      return {html: form.outerHTML, values: Array.from(form.elements).map((e) => [e.name, e.value]), url: location.href};`);
  }

  /** Whether the portal holds a verified renewal in the menu's session (GET IcRenewConfirm.do: 200 yes, 409 no). */
  async renewalVerified() {
    await this.toMenu();
    const status = await this.driver.executeAsync(
      `const done = arguments[arguments.length - 1];
       fetch(arguments[0], {credentials: 'same-origin', cache: 'no-store'}).then((r) => done(r.status), (e) => done(String(e)));`,
      [PATHS.renewConfirm],
    );
    if (status !== 200 && status !== 409) throw new Error(`unexpected status ${status} from ${PATHS.renewConfirm}`);
    return status === 200;
  }

  /** A trusted click (WebDriver Element Click) on 「ICカード更新」 in the menu. */
  async clickRenew() {
    await this.toMenu();
    await this.driver.click(await this.driver.find('#btnIcRenew'));
  }

  /** The dialog window's handle (an extension popup window among the WebDriver window handles), once it is there. */
  async findDialog(timeoutMs = 20_000) {
    const d = this.driver;
    return eventually(async () => {
      for (const handle of await d.windowHandles()) {
        if (handle === this.portalHandle) continue;
        await d.switchToWindow(handle);
        if ((await d.url()).startsWith(DIALOG_URL)) return handle;
      }
      await d.switchToWindow(this.portalHandle);
      return null;
    }, 'the extension dialog window', timeoutMs);
  }

  /** Whether a dialog window is open now (leaves the driver on the portal tab). */
  async dialogPresent() {
    const d = this.driver;
    let found = false;
    for (const handle of await d.windowHandles()) {
      if (handle === this.portalHandle) continue;
      await d.switchToWindow(handle);
      if ((await d.url().catch(() => '')).startsWith(DIALOG_URL)) found = true;
    }
    await d.switchToWindow(this.portalHandle);
    return found;
  }

  /** What the dialog shows (as lib/dialog.mjs readDialog). The driver must be on the dialog's window. */
  readDialog() {
    return this.driver.execute(`
      const visible = (e) => !e.closest('[hidden]') && e.getClientRects().length > 0;
      const text = (id) => { const e = document.getElementById(id); return e && visible(e) ? e.textContent.trim() : null; };
      const section = document.querySelector('#screen-' + document.body.dataset.screen);
      const banner = document.getElementById('dialog-site');
      return {
        screen: document.body.dataset.screen ?? null,
        text: section ? section.innerText.trim() : document.body.innerText.trim(),
        site: banner && !banner.hidden ? document.getElementById('dialog-site-origin').textContent.trim() : null,
        pinTitle: text('pin-title'), tries: text('pin-tries'), pinError: text('pin-error'),
        swapNotice: text('swap-notice'), refusedReason: text('refused-reason'), failedMessage: text('failed-message'),
        refusedPointer: text('refused-pointer'), registerOffered: text('refused-register') !== null,
        title: document.getElementById('dialog-title')?.textContent.trim() ?? null,
        swapReady: !!document.getElementById('swap-ok') && !document.getElementById('swap-ok').disabled,
        pinValue: document.getElementById('pin-input')?.value ?? null,
        lang: document.documentElement.lang,
      };`);
  }

  async waitDialog(predicate, what, timeoutMs = 20_000) {
    let state;
    try {
      return await eventually(async () => {
        state = await this.readDialog();
        return predicate(state) && state;
      }, what, timeoutMs);
    } catch (error) {
      throw new Error(`dialog: ${error.message}; it shows ${JSON.stringify(state)}`);
    }
  }

  onScreen(screen, timeoutMs) {
    return this.waitDialog((s) => s.screen === screen, `screen "${screen}"`, timeoutMs);
  }

  onPinScreen(which) {
    const marker = which === 'current' ? '現在使用しているICカード' : '新しいICカード';
    return this.waitDialog((s) => s.screen === 'pin' && (s.pinTitle ?? '').includes(marker), `the PIN dialog for the ${which} card`);
  }

  async clickDialog(css) {
    await this.driver.click(await this.driver.find(css));
  }

  /** Types the PIN key by key and presses OK. */
  async enterPin(pin) {
    const d = this.driver;
    const input = await d.find('#pin-input');
    await d.clear(input);
    await d.sendKeys(input, pin);
    await d.click(await d.find('#pin-ok'));
  }

  /** キャンセル (or 閉じる on refused/failed): the extension closes the window; the driver goes back to the portal. */
  async cancelDialog() {
    const state = await this.readDialog();
    const closes = { refused: '#refused-close', failed: '#failed-close' };
    await this.clickDialog(closes[state.screen] ?? `#${state.screen}-cancel`).catch((error) => {
      if (!/no such window|discarded|closed/i.test(String(error))) throw error;
    });
    await eventually(async () => !(await this.dialogPresent()), 'the dialog window to close');
  }

  /** PNG of the current window into docs/screenshots (or wherever `file` says). */
  async screenshot(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, await this.driver.screenshot());
  }

  /** The browser console (extension messages, the host's stderr): from the chrome context. */
  async consoleMessages() {
    const d = this.driver;
    await d.setContext('chrome');
    try {
      return await d.execute(`return Services.console.getMessageArray().map((m) => m.message ?? String(m));`);
    } finally {
      await d.setContext('content');
    }
  }

  hostLogs() {
    return hostLogsIn(this.dir);
  }

  async close() {
    await tearDown(
      [
        () => this.driver?.quit(),
        () => this.geckodriver?.stop(),
        () => this.portal?.stop(),
        () => this.testbed?.stop(),
      ],
      this.dir,
    );
  }
}
