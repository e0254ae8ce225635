// Chromium flags every browser test here uses (DESIGN.md "Browser"): headless as root in a sandboxed machine with
// no network but loopback, and the extension under test as the only one loaded. Plain module, no dependencies, so
// the extension's own browser tests import it too.
export function chromiumFlags(extensionDir) {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--lang=ja',
    `--load-extension=${extensionDir}`,
    `--disable-extensions-except=${extensionDir}`,
  ];
}
