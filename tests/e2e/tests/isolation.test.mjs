// 9. A page on an origin outside the extension's portal list (a copy of the menu on another port) gets no
//    content script, no flow, and no way to the host.
// 10. The portal page's own scripts cannot read the PIN typed in the extension's dialog: the dialog is a window of
//     its own (no frame of the page at all), keystrokes typed there never reach the page, the PIN never enters
//     the page's DOM.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createWorld, eventually } from '../lib/world.mjs';
import { findDialog, onScreen, onPinScreen, clickOk, clickCancel, dialogPresent } from '../lib/dialog.mjs';
import { PATHS } from '../lib/portal.mjs';
import { EXTENSION_ID, EXTENSION_ORIGIN } from '../lib/paths.mjs';
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
    // … nor did anything on it start the host, open a dialog window, or call the renewal endpoints.
    assert.equal(hostLaunches(world), launchesBefore);
    assert.equal(dialogPresent(world.context), false, 'no dialog window');
    assert.deepEqual(world.posts.filter((p) => p.url.startsWith(copy.origin) || p.step), []);
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
    // A hostile page script listens for keys everywhere it can: every frame of the portal's frameset.
    const portalFrames = () => world.page.frames().filter((f) => f.url().startsWith(world.portal.origin));
    for (const frame of portalFrames()) {
      await frame.evaluate(() => {
        window.__keys = [];
        for (const target of [window, document]) {
          for (const type of ['keydown', 'keypress', 'keyup', 'input', 'beforeinput']) {
            target.addEventListener(type, (e) => window.__keys.push(`${frameElement?.name ?? 'top'}:${type}:${e.key ?? e.data ?? ''}`), true);
          }
        }
      });
    }
    await menu.click('#btnIcRenew');
    const dialog = await findDialog(world.page);
    await onScreen(dialog, 'confirm');
    await clickOk(dialog, 'confirm');
    await onPinScreen(dialog, 'current');
    await dialog.type('#pin-input', old.pin);
    assert.equal(await dialog.inputValue('#pin-input'), old.pin, 'the PIN is in the dialog');

    // The dialog is a page of its own, on the extension's origin, in its own window; the portal page has no handle
    // on it (no opener either way).
    assert.notEqual(dialog, world.page);
    assert.ok(dialog.url().startsWith(`${EXTENSION_ORIGIN}/dialog.html#`), dialog.url());
    assert.equal(await dialog.evaluate(() => window.opener), null, 'the dialog has no opener');
    assert.ok(
      !world.page.frames().some((f) => f.url().startsWith(`${EXTENSION_ORIGIN}/`) || f.url().startsWith('chrome-extension:')),
      `no extension frame in the page: ${world.page.frames().map((f) => f.url()).join(', ')}`,
    );

    const probeFrame = (frame) =>
      frame.evaluate((pin) => {
        // Every iframe/frame element the page can see, including in open shadow roots.
        const elements = [];
        const walk = (root) => {
          for (const el of root.querySelectorAll('*')) {
            if (el.tagName === 'IFRAME' || el.tagName === 'FRAME' || el.tagName === 'EMBED' || el.tagName === 'OBJECT') {
              elements.push(el.src || el.data || '');
            }
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        walk(document);
        // Every child browsing context (also those the page cannot see as elements, e.g. in closed shadow roots).
        const windows = [];
        for (let i = 0; i < window.frames.length; i++) {
          try {
            const doc = window.frames[i].document;
            windows.push({ index: i, readable: true, url: doc.URL, hasPin: doc.documentElement.outerHTML.includes(pin) });
          } catch (e) {
            windows.push({ index: i, readable: false, error: e.name });
          }
        }
        return {
          url: location.href,
          elements,
          windows,
          pinInPage: document.documentElement.outerHTML.includes(pin) || (document.body?.innerText ?? '').includes(pin),
          keys: window.__keys ?? [],
        };
      }, old.pin);
    const probes = await Promise.all(portalFrames().map(probeFrame));
    const summary = JSON.stringify(probes);
    assert.ok(probes.length >= 3, `frameset, header and menu probed: ${summary}`);
    for (const probe of probes) {
      // No element of the page points at the extension; every child window is one of the portal's own frames.
      for (const src of probe.elements) assert.ok(!src.startsWith('chrome-extension:'), `extension frame element: ${summary}`);
      for (const w of probe.windows) {
        assert.equal(w.readable, true, `a child window the page cannot read (not the portal's own): ${summary}`);
        assert.ok(w.url.startsWith(world.portal.origin), summary);
        assert.equal(w.hasPin, false, 'a frame holds the PIN');
      }
      assert.equal(probe.pinInPage, false, `the PIN is in ${probe.url}`);
      assert.deepEqual(probe.keys, [], `the page saw keystrokes: ${summary}`);
    }

    await clickCancel(dialog);
    await eventually(() => !dialogPresent(world.page), 'the dialog window to close');
    // Still nothing: no key event, no PIN in any frame of the page after the dialog closed.
    for (const probe of await Promise.all(portalFrames().map(probeFrame))) {
      assert.equal(probe.pinInPage, false);
      assert.deepEqual(probe.keys, []);
    }
    // Positive control: the page's listeners do hear a key typed in the page itself.
    await menu.press('#btnIcRenew', 'Shift');
    const control = await probeFrame(menu);
    assert.ok(control.keys.some((k) => k.endsWith(':keydown:Shift')), JSON.stringify(control.keys));
  });
});
