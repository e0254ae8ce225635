// The replica portal (tests/portal): started with the testbed's CAs and the users whose current cards a test uses;
// its data directory is read back to check what reached it.
import fs from 'node:fs';
import path from 'node:path';
import { Child } from './processes.mjs';
import { PORTAL } from './paths.mjs';

export const PATHS = {
  top: '/',
  frameset: '/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaFrame.jsp',
  menu: '/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp',
  // The renewal's JSON endpoints (POST, called by the extension's content script with the page's session) …
  renewChallenge: '/CALS/Accepter/ebidmlit/riyousha/IcRenewChallenge.do',
  renewCurrent: '/CALS/Accepter/ebidmlit/riyousha/IcRenewCurrent.do',
  renewNew: '/CALS/Accepter/ebidmlit/riyousha/IcRenewNew.do',
  // … then GET: 電子証明書更新確認画面 of the session's verified renewal (409 without one; POST is 405).
  renewConfirm: '/CALS/Accepter/ebidmlit/riyousha/IcRenewConfirm.do',
  renewCommit: '/CALS/Accepter/ebidmlit/riyousha/IcRenewCommit.do',
  // ICカードによるログイン: the page with 「ログイン」 (the extension's), and its result page.
  loginPage: '/CALS/Accepter/ebidmlit/jsp/login/login.jsp',
  loginResult: '/CALS/Accepter/ebidmlit/login/IcLoginResult.do',
  // 登録 (2.1.3) and 変更: the first portal page after the card's proof, then the portal's own forms.
  registSearch: '/CALS/Accepter/ebidmlit/riyousha/RegistSearch.do',
  changeInput: '/CALS/Accepter/ebidmlit/riyousha/ChangeInput.do',
  adminRegistrations: '/admin/registrations',
  adminRenewals: '/admin/renewals',
  adminMail: '/admin/mail',
};

/** The three renewal endpoints by step name, in the order the flow calls them. */
export const RENEWAL_STEPS = {
  challenge: PATHS.renewChallenge,
  current: PATHS.renewCurrent,
  new: PATHS.renewNew,
};

/** The step name of a renewal endpoint URL (`challenge` | `current` | `new`), or null for any other URL. */
export function renewalStepOf(url) {
  let pathname;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return null;
  }
  return Object.keys(RENEWAL_STEPS).find((step) => RENEWAL_STEPS[step] === pathname) ?? null;
}

/** The company every standard test card except `other-company` belongs to (tests/harness card_set.rs). */
export const COMPANY = {
  company_name: '株式会社A【物品】',
  address: '北海道札幌市中央区北1条西2丁目',
  representative: '札幌 太郎',
};

/** The injection fixture's file name in the data dir (replica_portal::injection::FILE_NAME). */
const INJECTION_FILE = 'injected.html';

export class Portal {
  /**
   * @param {{dir: string, caFiles: string[], users: {id: string, certificate: string}[], allowFraming?: boolean}} options
   *   users: registered before the portal serves (their current card's base64 DER certificate);
   *   allowFraming: serve pages without `frame-ancestors 'self'` / `X-Frame-Options` (test only: proves the
   *   extension does not rely on them)
   */
  static async start({ dir, caFiles, users, allowFraming = false, roster = [] }) {
    const dataDir = path.join(dir, 'portal-data');
    const args = ['--port', '0', '--data', dataDir];
    if (allowFraming) args.push('--allow-framing');
    for (const ca of caFiles) args.push('--ca-cert', ca);
    for (const user of users) {
      const file = path.join(dir, `user-${user.id}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify({
          id: user.id,
          ...COMPANY,
          email: `${user.id.toLowerCase()}@example.jp`,
          roster: { company_name: COMPANY.company_name, representative: COMPANY.representative },
          certificate: user.certificate,
          ...user.overrides,
        }),
      );
      args.push('--register', file);
    }
    // The 入札参加資格者名簿 entries 資格審査情報検索 (登録) finds by 業者番号.
    if (roster.length > 0) {
      const file = path.join(dir, 'roster.json');
      fs.writeFileSync(file, JSON.stringify(roster));
      args.push('--roster', file);
    }
    const child = new Child('replica-portal', PORTAL, args, { logDir: dir });
    const line = await child.waitForLine(/^listening on /, 30_000);
    const portal = new Portal(child, line.replace('listening on ', '').trim(), dataDir);
    // A restart serves the same data on the same origin (the extension is switched on for it), adding nobody.
    portal.restartWith = { dir, args: [...caFiles.flatMap((ca) => ['--ca-cert', ca]), ...(allowFraming ? ['--allow-framing'] : [])] };
    return portal;
  }

  /** Stops the portal and starts it again on the same port with the same data directory (what it saved stays). */
  async restart() {
    await this.child.stop();
    const { dir, args } = this.restartWith;
    const port = new URL(this.origin).port;
    this.child = new Child('replica-portal', PORTAL, ['--port', port, '--data', this.dataDir, ...args], { logDir: dir });
    const line = await this.child.waitForLine(/^listening on /, 30_000);
    if (line.replace('listening on ', '').trim() !== this.origin) throw new Error(`the portal came back as ${line}`);
  }

  constructor(child, origin, dataDir) {
    this.child = child;
    /** `http://127.0.0.1:<port>`: the origin cards sign and the extension must be switched on for. */
    this.origin = origin;
    this.dataDir = dataDir;
  }

  url(route) {
    return this.origin + route;
  }

  /**
   * The injection fixture (tests/portal/README.md): `html` is inserted raw into the menu page, in
   * `<div id="injected">` just before the genuine form, from the next page view on. Models an HTML-injection bug.
   */
  inject(html) {
    fs.mkdirSync(this.dataDir, { recursive: true });
    fs.writeFileSync(path.join(this.dataDir, INJECTION_FILE), html, 'utf8');
  }

  /** Removes the injection fixture: the menu has no `#injected` element again. */
  clearInjection() {
    fs.rmSync(path.join(this.dataDir, INJECTION_FILE), { force: true });
  }

  /** registrations.json: {users: [...], pending: [...]}. */
  state() {
    const file = path.join(this.dataDir, 'registrations.json');
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { users: [], pending: [] };
  }

  user(id) {
    return this.state().users.find((u) => u.id === id);
  }

  /** The mail the portal "sent" (outbox.jsonl). */
  mail() {
    const file = path.join(this.dataDir, 'outbox.jsonl');
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }

  async stop() {
    await this.child.stop();
  }
}

/** Same DER, whatever base64 wrapping each side used. */
export function sameCertificate(a, b) {
  return Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
}
