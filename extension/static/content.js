// Content script on portal pages (all frames). Thin on purpose: it asks the service worker whether this is a portal
// menu page, takes over the 「ICカード更新」 button on a real user click, and carries the worker's calls to the
// portal's fixed endpoints with the page's session. It takes nothing from the page: no challenge, no form, no
// target. The dialog (and the PIN) live in an extension popup window. No wasm here: the portal's CSP would block it.
(() => {
  'use strict';
  // The static and the dynamically registered script may both match: run once per frame.
  if (globalThis.__ebidRenewalContent) return;
  globalThis.__ebidRenewalContent = true;

  const PORTAL_TIMEOUT_MS = 20000;
  const MAX_BODY_CHARS = 65536;
  let profile = null;
  let running = false;

  chrome.runtime.sendMessage({ type: 'ebid.profile' }).then(
    (answer) => {
      if (!answer || !answer.page) return; // not a portal menu page on the list
      profile = answer;
      // Capture phase on window: runs before the button's own onclick (the applet call), which is then stopped.
      window.addEventListener('click', onClick, true);
    },
    () => {}
  );

  function onClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    const button = target && target.closest(profile.page.renew_button);
    if (!button) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    // element.click() and dispatchEvent() from page script are not the bidder's intent.
    if (!event.isTrusted) {
      console.warn('[ebid] ignored a synthetic click on the renewal button');
      return;
    }
    if (!running) start();
  }

  // Origins of the frames above this one, nearest first. Chrome lists them; elsewhere, a frame whose location
  // cannot be read is another site's.
  function ancestorOrigins() {
    if (location.ancestorOrigins) return Array.from(location.ancestorOrigins);
    const origins = [];
    for (let w = window; w !== w.parent; w = w.parent) {
      try {
        origins.push(w.parent.location.origin);
      } catch (_) {
        origins.push('cross-origin');
      }
    }
    return origins;
  }

  function start() {
    running = true;
    let port = chrome.runtime.connect({ name: 'ebid-page' });
    const finish = () => {
      running = false;
      if (port) {
        const p = port;
        port = null;
        p.disconnect();
      }
    };
    port.onMessage.addListener((message) => {
      switch (message && message.type) {
        case 'started':
          break;
        case 'portal':
          callPortal(message).then((answer) => port && port.postMessage(answer));
          break;
        case 'navigate':
          finish();
          // The portal renders 電子証明書更新確認画面 for the session's verified renewal.
          location.assign(samePortalUrl(message.path));
          break;
        case 'refused':
          console.warn('[ebid] renewal not started:', message.reason);
          finish();
          break;
        default: // 'closed': cancelled or stopped — the page stays exactly as it was
          finish();
      }
    });
    port.onDisconnect.addListener(() => {
      port = null;
      finish();
    });
    port.postMessage({ type: 'start', origin: self.origin, ancestors: ancestorOrigins() });
  }

  // Only paths on this page's own origin: the worker names the endpoint from its site profile.
  function samePortalUrl(path) {
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) throw new Error('bad path');
    return location.origin + path;
  }

  async function callPortal({ id, path, fields }) {
    try {
      const response = await fetch(samePortalUrl(path), {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'error',
        cache: 'no-store',
        body: new URLSearchParams(fields || []),
        signal: AbortSignal.timeout(PORTAL_TIMEOUT_MS),
      });
      const body = (await response.text()).slice(0, MAX_BODY_CHARS);
      return { type: 'portal_answer', id, status: response.status, body };
    } catch (error) {
      return { type: 'portal_answer', id, status: 0, error: String(error).slice(0, 200) };
    }
  }
})();
