// Drives the extension's one-card operations — ICカードによるログイン, 利用者情報の新規登録 (登録), 利用者情報の変更 —
// the way a person does: a trusted click on the portal's button, 「OK」 in the dialog, the PIN; then either the portal's
// next page shows in the frame (the dialog window closes) or the dialog shows a refusal in the portal's words.
import { findDialog, onScreen, waitDialog, clickOk, enterPin, readDialog, clickCancel } from './dialog.mjs';
import { PATHS } from './portal.mjs';

const STEP_TIMEOUT = 20_000;

/** What each operation's button is, and the page the frame shows when the portal took the card. */
export const OPERATIONS = {
  login: { button: '#btnIcLogin', next: PATHS.loginResult, title: 'ICカードによるログイン' },
  register: { button: '#btnRegist', next: PATHS.registSearch, title: '利用者情報の新規登録' },
  change: { button: '#btnChange', next: PATHS.changeInput, title: '利用者情報の変更' },
};

/**
 * Clicks `button` in `frame` and returns the extension's dialog. The content script hooks the button once the worker
 * answered its profile request (document_idle): a click before that reaches the page's own applet handler (an
 * alert), so a click that brought no dialog is made once more.
 */
export async function clickForDialog(frame, button) {
  await frame.click(button);
  try {
    return await findDialog(frame.page(), 3_000);
  } catch {
    await frame.click(button);
    return findDialog(frame.page());
  }
}

/** Waits for the dialog to show the PIN screen, or to stop (refused / failed); returns its state. */
export function untilPinOrStop(dialog) {
  return waitDialog(dialog, (s) => ['pin', 'refused', 'failed'].includes(s.screen), 'the PIN dialog or a refusal');
}

/**
 * From the dialog's confirmation to the end: OK, each PIN in `pins` in turn (all but the last are expected to be
 * wrong: the dialog must say so), then the operation's next page in `frame` or a refusal in the dialog.
 * @param {object} options
 * @param {import('playwright-core').Page} options.dialog
 * @param {import('playwright-core').Frame} options.frame  the frame the flow started in (it shows the next page)
 * @param {string} options.next  the next page's path
 * @param {string[]} options.pins
 * @param {(name: string, dialog?: import('playwright-core').Page) => Promise<void>} [options.shot]
 * @returns {{ok: boolean, state?: object, dialog}} `state` (readDialog) when the dialog stopped the flow
 */
export async function completeInDialog({ dialog, frame, next, pins, shot, title }) {
  const confirm = await onScreen(dialog, 'confirm');
  if (title && !(await dialog.innerText('#dialog-title')).includes(title)) {
    throw new Error(`the dialog's title is not ${title}: ${confirm.text}`);
  }
  await shot?.('confirm', dialog);
  await clickOk(dialog, 'confirm');
  for (const [i, pin] of pins.entries()) {
    const state = await untilPinOrStop(dialog);
    if (state.screen !== 'pin') return { ok: false, state, dialog };
    if (i === 0) await shot?.('pin', dialog);
    await enterPin(dialog, pin);
    if (i < pins.length - 1) {
      const wrong = await waitDialog(
        dialog,
        (s) => (s.screen === 'pin' && !!s.pinError) || ['refused', 'failed'].includes(s.screen),
        'the wrong-PIN message',
      );
      if (wrong.screen !== 'pin') return { ok: false, state: wrong, dialog };
      await shot?.('pin-wrong', dialog);
    }
  }
  const deadline = Date.now() + STEP_TIMEOUT;
  while (Date.now() < deadline) {
    if (dialog.isClosed()) {
      await frame.waitForURL((u) => u.pathname === next, { timeout: STEP_TIMEOUT });
      await frame.waitForLoadState('load');
      return { ok: true, dialog };
    }
    const state = await readDialog(dialog).catch(() => null);
    if (state && (state.screen === 'refused' || state.screen === 'failed')) return { ok: false, state, dialog };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`neither ${next} nor a refusal came`);
}

/** Runs `operation` (a key of OPERATIONS) from its button in `frame`: see completeInDialog. */
export async function runOperation(operation, { frame, pins, shot }) {
  const { button, next, title } = OPERATIONS[operation];
  const dialog = await clickForDialog(frame, button);
  return completeInDialog({ dialog, frame, next, pins, shot, title });
}

/** Closes a dialog that stopped the flow (閉じる) and waits for its window to go. */
export async function closeDialog(dialog) {
  if (dialog.isClosed()) return;
  await clickCancel(dialog);
  const deadline = Date.now() + STEP_TIMEOUT;
  while (!dialog.isClosed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (!dialog.isClosed()) throw new Error('the dialog window stayed open');
}

/** Presses 「登録」 on a refusal: the same dialog asks for the card to register. */
export async function registerFromRefusal(dialog) {
  const button = dialog.locator('#refused-register');
  await button.waitFor({ state: 'visible' });
  await button.click();
  return onScreen(dialog, 'confirm');
}
