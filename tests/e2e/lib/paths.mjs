// Where the pieces of a test world live: the repository, the cargo-built binaries, the built extension.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** cargo's target dir: $CARGO_TARGET_DIR when set (as cargo itself does), else <repo>/target. */
export const TARGET_DIR = process.env.CARGO_TARGET_DIR
  ? path.resolve(process.env.CARGO_TARGET_DIR)
  : path.join(REPO, 'target');

export const BIN_DIR = path.join(TARGET_DIR, 'debug');
export const TESTBED = path.join(BIN_DIR, 'testbed');
export const PORTAL = path.join(BIN_DIR, 'replica-portal');
export const HOST = path.join(BIN_DIR, 'ebid-host');

/**
 * The unpacked Chrome extension the tests load: extension/build.sh's **test build** (`out/extension/chrome-test`:
 * loopback host permissions and the `devPortalOrigins` switch, which the replica portal on http://127.0.0.1 needs).
 * The production build (`out/extension/chrome`) serves https portal origins only.
 */
export const EXTENSION_DIR = process.env.EBID_EXTENSION_DIR
  ? path.resolve(process.env.EBID_EXTENSION_DIR)
  : path.join(REPO, 'out', 'extension', 'chrome-test');

export const CHROMIUM = process.env.EBID_CHROMIUM || '/usr/bin/chromium';

export const OUT_DIR = path.join(REPO, 'out');

/** Native messaging host name (protocol::HOST_NAME). */
export const HOST_NAME = 'jp.ebid.renewal';

/**
 * The extension's fixed ID, read from host/src/admin/extension_ids.rs so a new key cannot leave the tests behind.
 */
export const EXTENSION_ID = (() => {
  const source = fs.readFileSync(path.join(REPO, 'host/src/admin/extension_ids.rs'), 'utf8');
  const match = source.match(/CHROME_EXTENSION_ID: &str = "([a-p]{32})"/);
  if (!match) throw new Error('CHROME_EXTENSION_ID not found in host/src/admin/extension_ids.rs');
  return match[1];
})();

export const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}`;

/** Fails early with the command that fixes it, instead of a timeout deep inside a test. */
export function checkBuilt() {
  const missing = [];
  for (const [file, fix] of [
    [TESTBED, 'cargo build -p test-harness'],
    [PORTAL, 'cargo build -p replica-portal'],
    [HOST, 'cargo build -p ebid-host'],
    [path.join(EXTENSION_DIR, 'manifest.json'), 'extension/build.sh'],
    [CHROMIUM, 'scripts/setup.sh (installs chromium)'],
    // Without it the browser UI is English and so is the extension's dialog (the tests read Japanese texts).
    ['/usr/lib/chromium/locales/ja.pak', 'scripts/setup.sh (installs chromium-l10n)'],
  ]) {
    if (!fs.existsSync(file)) missing.push(`${file} is missing: run ${fix}`);
  }
  if (missing.length) throw new Error(missing.join('\n'));
}
