// 9. A page on an origin outside the extension's portal list (a copy of the menu on another port) gets no
//    content script, no flow, and no way to the host.
// 10. The portal page's own scripts cannot read the PIN typed in the extension's dialog.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createWorld } from '../lib/world.mjs';
import { findDialog, onScreen, onPinScreen, clickOk, clickCancel, dialogPresent } from '../lib/dialog.mjs';
import { PATHS } from '../lib/portal.mjs';
import { EXTENSION_ID } from '../lib/paths.mjs';
import { serveMenuCopy } from '../lib/foreign-origin.mjs';
import { watchWorlds } from '../lib/extension-worlds.mjs';

/** From the page's main world: can it message the extension (and through it the host)? */
function pageTriesTheExtension(page, extensionId) {
  return page.evaluate(
    (id) =>
      new Promise((resolve) => {
        const runtime = globalThis.chrome?.runtime;
        if (!runtime || typeof runtime.sendMessage !== 'function') {
          resolve({ reached: false, why: 'chrome.runtime.sendMessage is not available to the page' });
          return;
        }
        try {
          runtime.sendMessage(id, { type: 'start', cmd: 'list_readers' }, (answer) => {
            const error = globalThis.chrome.runtime.lastError;
            resolve({ reached: !error && answer !== undefined, why: error?.message ?? 'answered' });
          });
        } catch (e) {
          resolve({ reached: false, why: String(e) });
        }
      }),
    extensionId,
  );
}

function hostLaunches(world) {
  if (!fs.existsSync(world.hostLog)) return 0;
  return fs.readFileSync(world.hostLog, 'utf8').split('\n').filter((l) => /started \(version/.test(l)).length;
}

describe('isolation', () => {
  let world;
  let copy;
  before(async () => {
    world = await createWorld({ name: 'isolation' });
    copy = await serveMenuCopy(world.portal, PATHS.menu);
  });
  after(async () => {
    await copy?.close();
    await world?.close();
  });
  beforeEach(async () => {
    await world.testbed.resetPins();
    await world.testbed.put('old', 0);
  });

  it('gives a page on another origin no flow and no route to the host', async (t) => {
    const launchesBefore = hostLaunches(world);
    const page = await world.context.newPage();
    t.after(() => page.close().catch(() => {}));
    const native = [];
    page.on('dialog', (d) => {
      native.push({ type: d.type(), message: d.message() });
      d.accept().catch(() => {});
    });
    await page.goto(copy.url);
    assert.equal(new URL(page.url()).origin, copy.origin);
    assert.notEqual(copy.origin, world.portal.origin);
    await page.waitForSelector('#btnIcRenew');

    // The click reaches the page's own (applet) handler: confirm(), then the applet's failure alert.
    await page.click('#btnIcRenew');
    const deadline = Date.now() + 10_000;
    while (native.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(
      native.map((d) => d.type),
      ['confirm', 'alert'],
      `native dialogs: ${JSON.stringify(native)}`,
    );
    assert.match(native[1].message, /Javaアプレット/);
    assert.equal(dialogPresent(page), false, 'no extension dialog on the foreign page');

    // The page cannot talk to the extension itself (no externally_connectable for it) …
    const attempt = await pageTriesTheExtension(page, EXTENSION_ID);
    assert.equal(attempt.reached, false, attempt.why);
    // … nor did anything on it start the host.
    assert.equal(hostLaunches(world), launchesBefore);
    // The form stayed empty.
    const values = await page.evaluate(() => Array.from(document.forms.frmRenew.elements).map((e) => e.value));
    assert.ok(values.slice(1, 5).every((v) => v === ''), JSON.stringify(values));
    await page.close();
  });

  it('injects no content script into a page on another origin', async (t) => {
    // Positive control: the portal's own menu gets the content script.
    const portalPage = await world.context.newPage();
    t.after(() => portalPage.close().catch(() => {}));
    const portalWorlds = await watchWorlds(world.context, portalPage);
    await portalPage.goto(world.url(PATHS.menu));
    await portalWorlds.waitForExtensionWorld();
    await portalWorlds.detach();
    await portalPage.close();

    const page = await world.context.newPage();
    t.after(() => page.close().catch(() => {}));
    const worlds = await watchWorlds(world.context, page);
    await page.goto(copy.url);
    await page.waitForSelector('#btnIcRenew');
    // Content scripts run at document_idle, at the latest right after the load event: past load plus a few
    // tasks, any content script for this page has run.
    await page.waitForLoadState('load');
    await page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(r, 0), 0)));
    assert.deepEqual(
      worlds.extensionWorlds().map((w) => w.name),
      [],
      `a content script ran on ${copy.origin} (registered match patterns must carry the portal's port)`,
    );
    await worlds.detach();
    await page.close();
  });

  it("keeps the PIN out of the portal page's reach", async () => {
    const old = await world.testbed.card('old');
    const menu = await world.openMenu();
    // A hostile page script listens for keys everywhere it can.
    await menu.evaluate(() => {
      window.__keys = [];
      for (const target of [window, document, window.top, window.top.document]) {
        target.addEventListener('keydown', (e) => window.__keys.push(e.key), true);
        target.addEventListener('input', (e) => window.__keys.push(`input:${e.target?.value}`), true);
      }
    });
    await menu.click('#btnIcRenew');
    const dialog = await findDialog(world.page);
    await onScreen(dialog, 'confirm');
    await clickOk(dialog, 'confirm');
    await onPinScreen(dialog, 'current');
    await dialog.type('#pin-input', old.pin);
    assert.equal(await dialog.inputValue('#pin-input'), old.pin, 'the PIN is in the dialog');

    const probeFrame = (frame) => frame.evaluate((pin) => {
      const found = [];
      // Every iframe the page can see, including in open shadow roots.
      const frames = [];
      const walk = (root) => {
        for (const el of root.querySelectorAll('*')) {
          if (el.tagName === 'IFRAME') frames.push(el);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      walk(document);
      for (const iframe of frames) {
        found.push({ element: iframe.src, contentDocument: iframe.contentDocument === null ? null : 'READABLE' });
      }
      // Every child browsing context (also those the page cannot see as elements, e.g. in closed shadow roots).
      const windows = [];
      for (let i = 0; i < window.frames.length; i++) {
        try {
          const doc = window.frames[i].document;
          windows.push({ index: i, readable: true, hasPin: doc.documentElement.outerHTML.includes(pin) });
        } catch (e) {
          windows.push({ index: i, readable: false, error: e.name });
        }
      }
      return {
        found,
        windows,
        pinInPage: document.documentElement.outerHTML.includes(pin) || document.body.innerText.includes(pin),
        keys: window.__keys,
      };
    }, old.pin);
    // Probe from every frame of the portal (frameset, header, menu): wherever the dialog was attached.
    const portalFrames = world.page.frames().filter((f) => f.url().startsWith(world.portal.origin));
    const probes = await Promise.all(portalFrames.map(probeFrame));
    const probe = {
      found: probes.flatMap((p) => p.found),
      windows: probes.flatMap((p) => p.windows),
      pinInPage: probes.some((p) => p.pinInPage),
      keys: probes.flatMap((p) => p.keys ?? []),
    };

    // The portal's own frames are readable to each other; the dialog's frame is not, and no readable frame holds
    // the PIN.
    assert.ok(
      probe.windows.some((w) => !w.readable && w.error === 'SecurityError'),
      `the dialog is a cross-origin child frame: ${JSON.stringify(probe)}`,
    );
    for (const w of probe.windows) if (w.readable) assert.equal(w.hasPin, false, 'a readable frame holds the PIN');
    for (const f of probe.found) assert.equal(f.contentDocument, null);
    assert.equal(probe.pinInPage, false);
    assert.deepEqual(probe.keys, [], 'the page saw no keystrokes');

    await clickCancel(dialog);
  });
});
