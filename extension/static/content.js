// Content script on portal pages (all frames). Thin on purpose: it asks the service worker for its page profile,
// takes over the 「ICカード更新」 button, shows the extension's dialog in an iframe, and finally fills the form the
// Java applet used to fill and submits it. No wasm here: the portal's CSP would block it.
(() => {
  'use strict';
  // The static and the dynamically registered script may both match: run once per frame.
  if (globalThis.__ebidRenewalContent) return;
  globalThis.__ebidRenewalContent = true;

  const DIALOG_ID = 'ebid-renewal-dialog';
  let profile = null;
  let running = false;

  chrome.runtime.sendMessage({ type: 'ebid.profile' }).then(
    (answer) => {
      if (!answer || !answer.page) return; // not a portal page on the list
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
    const form = button.closest(profile.page.form) || document.querySelector(profile.page.form);
    if (!form) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (!running) start(form);
  }

  function field(form, name) {
    const element = form.elements.namedItem(name);
    return element instanceof HTMLInputElement ? element : null;
  }

  function start(form) {
    const names = profile.page.fields;
    const challengeInput = field(form, names.challenge);
    const challenge = challengeInput ? challengeInput.value : '';
    running = true;
    let frame = null;
    let port = chrome.runtime.connect({ name: 'ebid-page' });

    const finish = () => {
      if (frame) frame.remove();
      frame = null;
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
          frame = openDialog(message.dialog_url);
          break;
        case 'finished': {
          const filled = fill(form, names, challenge, message.result);
          finish();
          // The portal renders 電子証明書更新確認画面 itself from the submitted fields.
          if (filled) HTMLFormElement.prototype.submit.call(form);
          break;
        }
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
    port.postMessage({ type: 'start', challenge });
  }

  // Fills all five fields or none.
  function fill(form, names, challenge, result) {
    if (!result || result.challenge !== challenge) return false;
    const pairs = [
      [names.old_certificate, result.old_certificate],
      [names.old_signature, result.old_signature],
      [names.new_certificate, result.new_certificate],
      [names.new_signature, result.new_signature],
    ];
    const inputs = pairs.map(([name]) => field(form, name));
    if (inputs.some((input) => !input)) {
      console.error('[ebid] the renewal form lacks a field; nothing was submitted');
      return false;
    }
    inputs.forEach((input, i) => {
      input.value = pairs[i][1];
    });
    return true;
  }

  function openDialog(url) {
    const old = document.getElementById(DIALOG_ID);
    if (old) old.remove();
    const iframe = document.createElement('iframe');
    iframe.id = DIALOG_ID;
    iframe.setAttribute('data-testid', DIALOG_ID);
    iframe.title = chrome.i18n.getMessage('dialog_title');
    iframe.src = url;
    iframe.style.cssText =
      'position:fixed;inset:0;width:100%;height:100%;border:0;margin:0;padding:0;' +
      'z-index:2147483647;background:transparent;color-scheme:normal;display:block;';
    (document.body || document.documentElement).appendChild(iframe);
    iframe.addEventListener('load', () => iframe.focus());
    return iframe;
  }
})();
