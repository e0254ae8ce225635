// Content script on portal pages (all frames). Thin on purpose: it asks the service worker whether this is a portal
// page it acts on (the menu: 「登録」「変更」「ICカード更新」; the login page: 「ログイン」), takes over those buttons on
// a real user click, and carries the worker's calls to the portal's fixed endpoints with the page's session. It
// takes nothing from the page: no challenge, no form, no target. The dialog (and the PIN) live in an extension
// popup window. No wasm here: the portal's CSP would block it.
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
      if (!answer || !answer.page || !Array.isArray(answer.page.buttons)) return; // not a portal page on the list
      profile = answer;
      // Capture phase on window: runs before the button's own onclick (the applet call), which is then stopped.
      window.addEventListener('click', onClick, true);
    },
    () => {}
  );

  // The operation the clicked element's button starts (the profile's, never the page's), or null.
  function operationOf(target) {
    for (const { selector, operation } of profile.page.buttons) {
      if (target.closest(selector)) return operation;
    }
    return null;
  }

  function onClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    const operation = target && operationOf(target);
    if (!operation) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    // element.click() and dispatchEvent() from page script are not the bidder's intent.
    if (!event.isTrusted) {
      console.warn('[ebid] ignored a synthetic click on the', operation, 'button');
      return;
    }
    if (!running) start(operation);
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

  function start(operation) {
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
          // The operation's next page (電子証明書更新確認画面, ログイン結果, 資格審査情報検索, 利用者変更画面),
          // rendered by the portal for what the session's card proved.
          location.assign(samePortalUrl(message.path));
          break;
        case 'refused':
          console.warn('[ebid] not started:', message.reason);
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
    port.postMessage({ type: 'start', origin: self.origin, ancestors: ancestorOrigins(), operation });
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
