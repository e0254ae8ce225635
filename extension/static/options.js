// Options / status page: the wasm core diagnoses host, reader and card; this file handles the origin lists.
import init, { options_diagnose, check_origins } from './pkg/ebid_extension.js';

function listOrigins(report) {
  const list = document.getElementById('origins');
  const rejected = document.getElementById('origins-rejected');
  list.replaceChildren();
  rejected.replaceChildren();
  const o = report.origins;
  for (const [kind, origins] of [['builtin', o.builtin], ['managed', o.managed], ['dev', o.dev]]) {
    for (const origin of origins) {
      const item = document.createElement('li');
      item.textContent = `${origin} (${kind})`;
      item.dataset.kind = kind;
      list.appendChild(item);
    }
  }
  for (const r of o.rejected) {
    const item = document.createElement('li');
    item.textContent = `${r.entry}: ${r.reason}`;
    rejected.appendChild(item);
  }
}

async function currentLists() {
  let managed;
  try {
    managed = (await chrome.storage.managed.get('portalOrigins')).portalOrigins;
  } catch (_) {
    managed = undefined;
  }
  const dev = (await chrome.storage.local.get('devPortalOrigins')).devPortalOrigins;
  return { managed, dev };
}

async function main() {
  await init();
  document.getElementById('extension-id').textContent = chrome.runtime.id;
  document.getElementById('extension-version').textContent = chrome.runtime.getManifest().version;
  document.getElementById('recheck').addEventListener('click', () => options_diagnose());
  options_diagnose();

  const { managed, dev } = await currentLists();
  const report = check_origins(managed, dev);
  listOrigins(report);
  // The loopback test switch exists in test builds only.
  if (!report.testBuild) return;
  document.getElementById('dev-origins-section').hidden = false;
  document.getElementById('dev-origins').value = (Array.isArray(dev) ? dev : []).join('\n');

  document.getElementById('dev-origins-save').addEventListener('click', async () => {
    const status = document.getElementById('dev-origins-status');
    status.dataset.state = 'saving';
    const entries = document
      .getElementById('dev-origins')
      .value.split(/\s+/)
      .map((s) => s.trim())
      .filter(Boolean);
    await chrome.storage.local.set({ devPortalOrigins: entries });
    // Wait until the service worker has registered the content script for them.
    const report = await chrome.runtime.sendMessage({ type: 'ebid.reloadConfig' });
    if (report && !report.error) {
      listOrigins(report);
      status.textContent = chrome.i18n.getMessage('dev_origins_saved');
      status.dataset.state = 'saved';
    } else {
      status.textContent = String(report && report.error);
      status.dataset.state = 'error';
    }
  });
}

main().catch((error) => {
  console.error('[ebid] options page failed:', error);
  document.getElementById('diagnosis').dataset.status = 'broken';
});
