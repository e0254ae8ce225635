// Dialog page (extension origin, in its own popup window): loads the wasm core and lets it run the page.
import init, { dialog_main } from './pkg/ebid_extension.js';

init().then(dialog_main, (error) => {
  console.error('[ebid] the extension core failed to start:', error);
  document.body.setAttribute('data-screen', 'broken');
});
