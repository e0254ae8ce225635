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
  renewConfirm: '/CALS/Accepter/ebidmlit/riyousha/IcRenewConfirm.do',
  renewCommit: '/CALS/Accepter/ebidmlit/riyousha/IcRenewCommit.do',
  login: '/login',
  adminRenewals: '/admin/renewals',
  adminMail: '/admin/mail',
};

/** The company every standard test card except `other-company` belongs to (tests/harness card_set.rs). */
export const COMPANY = {
  company_name: '株式会社A【物品】',
  address: '北海道札幌市中央区北1条西2丁目',
  representative: '札幌 太郎',
};

export class Portal {
  /**
   * @param {{dir: string, caFiles: string[], users: {id: string, certificate: string}[]}} options
   *   users: registered before the portal serves (their current card's base64 DER certificate)
   */
  static async start({ dir, caFiles, users }) {
    const dataDir = path.join(dir, 'portal-data');
    const args = ['--port', '0', '--data', dataDir];
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
    const child = new Child('replica-portal', PORTAL, args, { logDir: dir });
    const line = await child.waitForLine(/^listening on /, 30_000);
    return new Portal(child, line.replace('listening on ', '').trim(), dataDir);
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
