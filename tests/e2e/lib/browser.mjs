// Chromium with the real extension and the real native messaging host, in a throwaway profile.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumFlags } from './chromium-flags.mjs';
import { CHROMIUM, EXTENSION_DIR, EXTENSION_ID, EXTENSION_ORIGIN, HOST, HOST_NAME } from './paths.mjs';

/**
 * Writes `<UDD>/NativeMessagingHosts/jp.ebid.renewal.json`: with a custom --user-data-dir Chromium reads host
 * manifests from there (not from ~/.config/chromium).
 */
export function writeHostManifest(userDataDir, hostPath = HOST) {
  const dir = path.join(userDataDir, 'NativeMessagingHosts');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${HOST_NAME}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        name: HOST_NAME,
        description: 'ebid IC card renewal host (end-to-end tests)',
        path: hostPath,
        type: 'stdio',
        allowed_origins: [`${EXTENSION_ORIGIN}/`],
      },
      null,
      2,
    ),
  );
  return file;
}

/** Headless (new headless: extensions need it) unless `headless: false`, e.g. the demo with a $DISPLAY. */
export async function launchBrowser({ userDataDir, env, headless = true, slowMo }) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless,
    slowMo,
    locale: 'ja-JP',
    viewport: { width: 1024, height: 720 },
    // Playwright adds --disable-extensions by default; the extension is the point here.
    ignoreDefaultArgs: ['--disable-extensions'],
    args: chromiumFlags(EXTENSION_DIR),
    // The host Chromium starts inherits this environment: PCSCLITE_CSOCK_NAME points it at the private pcscd, and
    // EBID_HOST_ALLOW_LOOPBACK_ORIGINS=1 is the host's test switch for http:// loopback origins (the replica
    // portal's; without it the host signs for canonical https origins only).
    // LANGUAGE=ja makes the browser UI (and chrome.i18n in the extension) Japanese.
    env: { ...process.env, LANGUAGE: 'ja', EBID_HOST_ALLOW_LOOPBACK_ORIGINS: '1', ...env },
  });
  return context;
}

/** The extension's service worker (MV3 background). */
export async function extensionWorker(context, timeoutMs = 15_000) {
  const ours = () => context.serviceWorkers().find((w) => w.url().startsWith(`${EXTENSION_ORIGIN}/`));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const worker = ours();
    if (worker) return worker;
    await context.waitForEvent('serviceworker', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => {});
  }
  throw new Error(
    `the extension ${EXTENSION_ID} has no service worker: is ${EXTENSION_DIR} built and does its manifest key give that ID?`,
  );
}

/**
 * The extension's test switch (extension/README.md): `chrome.storage.local` key `devPortalOrigins`, a list of
 * loopback origins that get the renewal flow besides the built-in portal. The worker re-registers its content
 * script for them; wait until that registration shows.
 */
export async function enablePortalOrigins(context, origins) {
  const worker = await extensionWorker(context);
  await worker.evaluate((list) => chrome.storage.local.set({ devPortalOrigins: list }), origins);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const registered = await worker
      .evaluate(async () => {
        if (!chrome.scripting?.getRegisteredContentScripts) return null;
        const scripts = await chrome.scripting.getRegisteredContentScripts();
        return scripts.flatMap((s) => s.matches ?? []);
      })
      .catch(() => []);
    if (registered === null) return; // the extension registers nothing dynamically; nothing to wait for
    // Match patterns may or may not carry the port.
    const hostsOf = (o) => new URL(o).hostname;
    if (origins.every((o) => registered.some((m) => m.includes(hostsOf(o))))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the extension did not register its content script for ${origins.join(', ')}`);
}
