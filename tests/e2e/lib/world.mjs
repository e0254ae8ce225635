// One test world: private pcscd + virtual cards (testbed), the replica portal with the users a test needs,
// Chromium with the real extension and the real ebid-host. Build it in `before`, close it in `after`: close()
// tears everything down even when a test failed, and a crash of the test process still kills the children.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Testbed } from './testbed.mjs';
import { Portal, PATHS, renewalStepOf } from './portal.mjs';
import { launchBrowser, writeHostManifest, enablePortalOrigins } from './browser.mjs';
import { runOperation, closeDialog } from './card-operations.mjs';
import { checkBuilt } from './paths.mjs';
import { hostLogsIn, tearDown } from './world-dir.mjs';

/**
 * @param {object} options
 * @param {{id: string, card: string, overrides?: object}[]} [options.users]  portal users and their current cards
 * @param {Record<string, number>} [options.insert]  cards to put in slots at start, e.g. {old: 0}
 * @param {boolean} [options.headless]
 * @param {boolean} [options.allowFraming]  portal without its anti-framing headers (replica-portal --allow-framing)
 * @param {string} [options.name]  label for the temp dir
 * @param {object[]} [options.roster]  入札参加資格者名簿 entries for 登録 ({gyosha_no, company_name, address,
 *   representative, delegate?, phone})
 * @param {(dir: string) => Record<string, string>} [options.hostEnv]  more environment for the host, made once
 *   the world's temp dir exists (e.g. a pkcs11.toml there and EBID_HOST_PKCS11_CONFIG naming it)
 */
export async function createWorld({
  users = [{ id: 'U000001', card: 'old' }],
  insert = { old: 0 },
  headless = true,
  slowMo,
  allowFraming = false,
  name = 'world',
  roster = [],
  hostEnv = () => ({}),
} = {}) {
  checkBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ebid-e2e-${name}-`));
  const world = new World(dir);
  try {
    world.testbed = await Testbed.start({ dir, readers: 1 });
    const cards = await world.testbed.cards();
    const certificateOf = (card) => {
      const found = cards.find((c) => c.name === card);
      if (!found?.certificate) throw new Error(`testbed card ${card} has no certificate`);
      return found.certificate;
    };
    world.portal = await Portal.start({
      dir,
      caFiles: world.testbed.caFiles,
      users: users.map((u) => ({ ...u, certificate: certificateOf(u.card) })),
      allowFraming,
      roster,
    });
    for (const [card, slot] of Object.entries(insert)) await world.testbed.insert(card, slot);

    world.userDataDir = path.join(dir, 'profile');
    fs.mkdirSync(world.userDataDir);
    writeHostManifest(world.userDataDir);
    world.hostLog = path.join(dir, 'ebid-host.log');
    world.context = await launchBrowser({
      userDataDir: world.userDataDir,
      headless,
      slowMo,
      env: { ...world.testbed.env, EBID_HOST_LOG: 'debug', EBID_HOST_LOG_FILE: world.hostLog, ...hostEnv(dir) },
    });
    world.watchContext(world.context);
    await enablePortalOrigins(world.context, [world.portal.origin]);
    world.page = world.context.pages()[0] ?? (await world.context.newPage());
    world.watchPage(world.page);
    return world;
  } catch (error) {
    await world.close();
    throw error;
  }
}

/** Polls `check()` (sync or async) until it is truthy; returns its value, or throws naming `what`. */
export async function eventually(check, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class World {
  constructor(dir) {
    this.dir = dir;
    /** Native dialogs (alert/confirm) the portal page opened: {type, message}. */
    this.nativeDialogs = [];
    /**
     * POSTs any page of the browser sent: {url, body, step, status}. The content script's `fetch` calls to the
     * renewal endpoints show up here like the page's own requests (they run in the page's frame); `step` is
     * `challenge` | `current` | `new` for those, null otherwise; `status` is the HTTP status and `answer` the
     * endpoint's JSON once answered (await `answered`, or `world.settled()` for all of them).
     */
    this.posts = [];
  }

  /** Records every POST of every page in the browser (the portal's tabs, its frames, pages tests open). */
  watchContext(context) {
    context.on('request', (r) => {
      if (r.method() !== 'POST') return;
      const post = { url: r.url(), body: r.postData() ?? '', step: renewalStepOf(r.url()), status: null, answer: null };
      this.posts.push(post);
      post.answered = r
        .response()
        .then(async (response) => {
          post.status = response ? response.status() : 0;
          // The renewal endpoints answer JSON: keep it (challenges, confirm path, or the portal's refusal).
          if (response && post.step) post.answer = await response.json().catch(() => null);
        })
        .catch(() => {
          post.status = 0;
        });
    });
  }

  watchPage(page) {
    page.on('dialog', (d) => {
      this.nativeDialogs.push({ type: d.type(), message: d.message() });
      d.accept().catch(() => {});
    });
  }

  /** Waits until every POST recorded so far has its answer (status, JSON). */
  async settled(timeoutMs = 10_000) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('a POST got no answer in time')), timeoutMs);
    });
    try {
      await Promise.race([Promise.all(this.posts.map((p) => p.answered)), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The renewal endpoints the browser POSTed to so far, in order: e.g. ['challenge', 'current', 'new']. */
  renewalSteps() {
    return this.posts.filter((p) => p.step).map((p) => p.step);
  }

  /** The form fields of the POSTs to one renewal endpoint (`challenge` | `current` | `new`), as objects. */
  renewalPosts(step) {
    return this.posts.filter((p) => p.step === step).map((p) => Object.fromEntries(new URLSearchParams(p.body)));
  }

  url(route) {
    return this.portal.url(route);
  }

  /**
   * Opens the 利用者登録 menu. `frameset: true` (default) loads the portal's frameset as a user would and returns
   * its `main` frame; `false` opens the menu page top-level.
   */
  async openMenu({ frameset = true, page = this.page } = {}) {
    // A background tab gets no animation frames: Playwright's clicks there crawl. Work in the front tab.
    await page.bringToFront();
    if (!frameset) {
      await page.goto(this.url(PATHS.menu));
      await page.waitForSelector('#btnIcRenew');
      return page.mainFrame();
    }
    await page.goto(this.url(PATHS.top));
    const deadline = Date.now() + 15_000;
    let main;
    while (!(main = page.frame({ name: 'main' })) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!main) throw new Error('the portal frameset has no frame "main"');
    await main.waitForSelector('#btnIcRenew');
    return main;
  }

  /**
   * Form `frmRenew`'s markup and current field values, and the frame's URL (to prove a cancelled flow left the page
   * as it was). The form holds only the button now: the extension takes nothing from it and fills nothing in.
   */
  static formSnapshot(menuFrame) {
    return menuFrame.evaluate(() => {
      const form = document.forms.frmRenew;
      return {
        html: form.outerHTML,
        values: Array.from(form.elements).map((e) => [e.name, e.value]),
        url: location.href,
      };
    });
  }

  /**
   * Whether the portal holds a verified renewal (both cards' signatures accepted) in this frame's session: a GET of
   * 電子証明書更新確認画面 answers 200 with one, 409 (画面の有効期限が切れました) without. Read-only: the page
   * shows again on reload, and only a view of the menu forgets the renewal.
   */
  static async renewalVerified(frame) {
    const status = await frame.evaluate(async (route) => {
      const response = await fetch(route, { credentials: 'same-origin', cache: 'no-store' });
      return response.status;
    }, PATHS.renewConfirm);
    if (status !== 200 && status !== 409) throw new Error(`unexpected status ${status} from ${PATHS.renewConfirm}`);
    return status === 200;
  }

  /**
   * ICカードによるログイン through the extension, as a bidder does it: the portal's login page, 「ログイン」, 「OK」 in
   * the dialog, the PIN (`pins`: a wrong one first, then the right one, if a test wants); the card in the reader is
   * the one that logs in. Returns {ok, text, userId} — ok when the login result page shows; otherwise `text` is the
   * refusal the dialog showed (the portal's title), `state` the dialog as read, and the dialog is closed again.
   * `keepDialog: true` leaves a refused dialog open (returned as `dialog`).
   */
  async login({ pin, pins = [pin], page, keepDialog = false }) {
    const own = !page;
    if (!page) {
      page = await this.context.newPage();
      this.watchPage(page);
    }
    let keep = false;
    try {
      await page.bringToFront();
      await page.goto(this.url(PATHS.loginPage));
      await page.waitForSelector('#btnIcLogin');
      const result = await runOperation('login', { frame: page.mainFrame(), pins });
      if (result.ok) {
        return {
          ok: true,
          text: (await page.innerText('#loginResult')).trim(),
          userId: (await page.innerText('#userId')).trim(),
          companyName: (await page.innerText('#companyName')).trim(),
        };
      }
      const { state, dialog } = result;
      keep = keepDialog;
      if (!keepDialog) await closeDialog(dialog);
      return { ok: false, text: state.refusedReason ?? state.failedMessage ?? state.text, state, dialog, page };
    } finally {
      if (own && !keep) await page.close();
    }
  }

  /** Text of a portal admin page (/admin/renewals, /admin/mail) as the browser renders it. */
  async adminPage(route, page = this.page) {
    await page.bringToFront();
    await page.goto(this.url(route));
    return page.innerText('body');
  }

  /** What the ebid-host processes logged (launched by Chromium, or spawned directly for login), at debug level. */
  hostLogs() {
    return hostLogsIn(this.dir);
  }

  /** Whether `pin` shows up in any host log as a whole token (not inside a longer digit string). */
  pinLogged(pin) {
    const escaped = pin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(^|[^0-9A-Za-z])${escaped}([^0-9A-Za-z]|$)`).test(this.hostLogs());
  }

  async close() {
    await tearDown(
      [
        () => this.context?.close(),
        () => this.portal?.stop(),
        () => this.testbed?.stop(),
      ],
      this.dir,
    );
  }
}
