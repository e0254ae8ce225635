// Toolbar popup: the wasm core runs the same diagnosis as the options page and fills the page; this file wires the
// buttons.
import init, { popup_diagnose } from './pkg/ebid_extension.js';

async function main() {
  await init();
  document.getElementById('popup-recheck').addEventListener('click', () => popup_diagnose());
  document.getElementById('popup-open-options').addEventListener('click', (event) => {
    event.preventDefault();
    chrome.runtime.openOptionsPage().finally(() => window.close());
  });
  popup_diagnose();
}

main().catch((error) => {
  console.error('[ebid] popup failed:', error);
  document.getElementById('popup').dataset.status = 'broken';
});
