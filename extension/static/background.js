// Service worker: registers every listener synchronously (MV3 wakes the worker for them) and hands the events to
// the wasm core once it is loaded. The wasm glue is imported statically: service workers cannot import().
import init, {
  bg_set_config,
  bg_profile_for,
  bg_port_opened,
  bg_port_message,
  bg_port_closed,
  bg_diagnose,
} from './pkg/ebid_extension.js';

const DYNAMIC_SCRIPT_ID = 'ebid-portal-extra-origins';
// Firefox's extension pages are moz-extension:// (its `chrome` namespace is the same API otherwise).
const IS_FIREFOX = chrome.runtime.getURL('').startsWith('moz-extension:');

// Portal origins beyond the built-in ones: the admin's managed list (Chrome/Edge: policy `3rdparty` for the
// extension, schema managed_schema.json; Firefox: policies.json `3rdparty` → `Extensions` → `ebid-renewal@ebid.jp`,
// both read as storage.managed) and, for tests, loopback origins in chrome.storage.local "devPortalOrigins". The wasm core validates both; this file only reads and registers.
async function loadConfig() {
  let managed;
  try {
    managed = (await chrome.storage.managed.get('portalOrigins')).portalOrigins;
  } catch (_) {
    managed = undefined; // no policy, or the browser has no managed storage
  }
  const dev = (await chrome.storage.local.get('devPortalOrigins')).devPortalOrigins;
  const report = bg_set_config(managed, dev);
  if (IS_FIREFOX) {
    // Firefox accepts a pattern with a port (http://127.0.0.1:18080/*) without error and then never matches it:
    // register port-less patterns there (scheme://host/*); the worker still checks the exact origin, port included.
    await syncContentScript(report.dynamicMatchesAnyPort || []);
    return report;
  }
  try {
    await syncContentScript(report.dynamicMatches || []);
  } catch (error) {
    // A browser that refuses ports in match patterns: fall back to any port (the exact origin is still checked).
    console.warn('[ebid] registering with ports failed, retrying without:', error);
    await syncContentScript(report.dynamicMatchesAnyPort || []);
  }
  return report;
}

async function syncContentScript(matches) {
  const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [DYNAMIC_SCRIPT_ID] });
  if (matches.length === 0) {
    if (existing.length > 0) await chrome.scripting.unregisterContentScripts({ ids: [DYNAMIC_SCRIPT_ID] });
    return;
  }
  const script = {
    id: DYNAMIC_SCRIPT_ID,
    matches,
    js: ['content.js'],
    allFrames: true,
    runAt: 'document_idle',
  };
  if (existing.length > 0) {
    await chrome.scripting.updateContentScripts([script]);
  } else {
    await chrome.scripting.registerContentScripts([script]);
  }
}

// The dialog runs in its own popup window, out of the portal page's reach (no page script can focus, cover, restyle
// or read it). Called by the wasm core; `opened` gets the window id, or null when no window could be made.
const DIALOG_WIDTH = 560;
const DIALOG_HEIGHT = 500;
globalThis.ebidOpenDialogWindow = async (url, openerTabId, opened) => {
  let where = {};
  try {
    const tab = await chrome.tabs.get(openerTabId);
    const opener = await chrome.windows.get(tab.windowId);
    where = {
      left: Math.max(0, Math.round(opener.left + (opener.width - DIALOG_WIDTH) / 2)),
      top: Math.max(0, Math.round(opener.top + (opener.height - DIALOG_HEIGHT) / 3)),
    };
  } catch (_) {
    // No opener to centre on: the browser places the window.
  }
  try {
    const made = await chrome.windows.create({
      url, type: 'popup', focused: true, width: DIALOG_WIDTH, height: DIALOG_HEIGHT, ...where,
    });
    opened(made.id);
  } catch (error) {
    console.error('[ebid] the dialog window could not be opened:', error);
    opened(null);
  }
};
globalThis.ebidCloseDialogWindow = (windowId) => {
  chrome.windows.remove(windowId).catch(() => {});
};

const ready = init().then(loadConfig);
ready.catch((error) => console.error('[ebid] the extension core failed to start:', error));
// For tests and diagnosis: resolves to the portal-origin report once the core runs.
globalThis.ebidReady = ready;

let configChain = Promise.resolve();
function reloadConfig() {
  configChain = configChain.then(() => ready).then(loadConfig);
  return configChain;
}

chrome.storage.onChanged.addListener((changes, area) => {
  if ((area === 'local' && 'devPortalOrigins' in changes) || area === 'managed') reloadConfig();
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (message?.type === 'ebid.profile') {
    ready.then(() => sendResponse(bg_profile_for(sender)), () => sendResponse(null));
    return true;
  }
  // Only the extension's own pages (options) may reload the configuration; content scripts carry the page's URL.
  if (message?.type === 'ebid.reloadConfig' && sender.id === chrome.runtime.id && sender.url?.startsWith(chrome.runtime.getURL(''))) {
    reloadConfig().then((report) => sendResponse(report), (error) => sendResponse({ error: String(error) }));
    return true;
  }
  return false;
});

chrome.runtime.onConnect.addListener((port) => {
  let key = 0;
  // Messages are handed over in arrival order: each waits on the same promise, registered in order.
  const opened = ready.then(() => {
    key = bg_port_opened(port);
  });
  port.onMessage.addListener((message) => {
    opened.then(() => key && bg_port_message(key, message));
  });
  port.onDisconnect.addListener(() => {
    opened.then(() => key && bg_port_closed(key));
  });
});

// Wake on browser start and install so the extra-origin content script is registered early, and run the diagnosis
// then so the toolbar badge shows trouble (host missing, no reader, card expiring) without opening the popup. The
// popup and the options page refresh the badge each time they diagnose.
const badgeCheck = () => ready.then(() => bg_diagnose()).catch(() => {});
chrome.runtime.onStartup.addListener(badgeCheck);
chrome.runtime.onInstalled.addListener(badgeCheck);
