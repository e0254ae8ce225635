// The extension's dialog: an extension page (chrome-extension://ID/dialog.html#<flow>) in its own popup window,
// out of the portal page's reach. Playwright lists it among the context's pages. Elements by id as
// extension/README.md documents them; the visible screen is <body data-screen="...">.
import { EXTENSION_ORIGIN } from './paths.mjs';

const STEP_TIMEOUT = 20_000;
const DIALOG_URL = `${EXTENSION_ORIGIN}/dialog.html`;

const isDialog = (p) => p.url().startsWith(DIALOG_URL) && !p.isClosed();

/** The dialog window's page once it is there. `where` is the portal page (or its context). */
export async function findDialog(where, timeoutMs = STEP_TIMEOUT) {
  const context = typeof where.context === 'function' ? where.context() : where;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dialog = context.pages().find(isDialog);
    if (dialog) return dialog;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no extension dialog window appeared; pages: ${context.pages().map((p) => p.url()).join(', ')}`);
}

/** Whether a dialog window is open now. */
export function dialogPresent(where) {
  const context = typeof where.context === 'function' ? where.context() : where;
  return context.pages().some(isDialog);
}

/** The requesting site the dialog shows (its banner), or null while hidden. */
export function dialogSite(dialog) {
  return dialog.evaluate(() => {
    const banner = document.getElementById('dialog-site');
    return banner && !banner.hidden ? document.getElementById('dialog-site-origin').textContent.trim() : null;
  });
}

/** What the dialog shows: its screen and the text of every visible element with an id. */
export function readDialog(dialog) {
  return dialog.evaluate(() => {
    const visible = (e) => !e.closest('[hidden]') && e.getClientRects().length > 0;
    const text = (id) => {
      const e = document.getElementById(id);
      return e && visible(e) ? e.textContent.trim() : null;
    };
    const section = document.querySelector(`#screen-${document.body.dataset.screen}`);
    return {
      screen: document.body.dataset.screen ?? null,
      text: section ? section.innerText.trim() : document.body.innerText.trim(),
      pinTitle: text('pin-title'),
      tries: text('pin-tries'),
      pinError: text('pin-error'),
      lastTryWarning: text('pin-last-try-warning'),
      swapStatus: text('swap-status'),
      swapNotice: text('swap-notice'),
      insertNotice: text('insert-notice'),
      refusedReason: text('refused-reason'),
      refusedDetail: text('refused-detail'),
      refusedPointer: text('refused-pointer'),
      registerOffered: text('refused-register') !== null,
      title: document.getElementById('dialog-title')?.textContent.trim() ?? null,
      failedMessage: text('failed-message'),
      swapReady: !!document.getElementById('swap-ok') && !document.getElementById('swap-ok').disabled,
    };
  });
}

/**
 * Waits until the dialog satisfies `predicate(state)` (state as from readDialog) and returns that state.
 * Polls the DOM: behaviour, not timing, is asserted.
 */
export async function waitDialog(dialog, predicate, what, timeoutMs = STEP_TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  let state;
  while (Date.now() < deadline) {
    state = await readDialog(dialog).catch(() => undefined);
    if (state && predicate(state)) return state;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`dialog: waited for ${what}; it shows ${JSON.stringify(state)}`);
}

export const onScreen = (dialog, screen, timeoutMs) =>
  waitDialog(dialog, (s) => s.screen === screen, `screen "${screen}"`, timeoutMs);

/** The PIN dialog for `which` ('current' | 'new'). */
export function onPinScreen(dialog, which, timeoutMs) {
  const marker = which === 'current' ? '現在使用しているICカード' : '新しいICカード';
  return waitDialog(
    dialog,
    (s) => s.screen === 'pin' && (s.pinTitle ?? '').includes(marker),
    `the PIN dialog for the ${which} card`,
    timeoutMs,
  );
}

export async function clickOk(dialog, screen) {
  const button = { confirm: '#confirm-ok', swap: '#swap-ok', pin: '#pin-ok' }[screen];
  await dialog.click(button);
}

/**
 * キャンセル, or 閉じる on the screens that end the flow (refused, failed).
 * The button closes the dialog's window at once. A mouse click (Input.dispatchMouseEvent) whose page is torn down
 * between mousedown and mouseup sometimes never gets its ack, and Playwright then waits forever; so this button
 * is pressed with a DOM click, after checking that it is visible and enabled as a person would see it.
 */
export async function clickCancel(dialog) {
  const state = await readDialog(dialog);
  const closes = { refused: '#refused-close', failed: '#failed-close' };
  const button = dialog.locator(closes[state.screen] ?? `#${state.screen}-cancel`);
  await button.waitFor({ state: 'visible' });
  if (!(await button.isEnabled())) throw new Error(`the ${state.screen} screen's cancel button is disabled`);
  // The window may go away before evaluate() returns: that is the button doing its job.
  await button.evaluate((b) => b.click()).catch((error) => {
    if (!/detached|destroyed|closed/i.test(String(error))) throw error;
  });
}

/** Types the PIN the way a person does (key by key) and presses OK. */
export async function enterPin(dialog, pin) {
  await dialog.fill('#pin-input', '');
  await dialog.type('#pin-input', pin);
  await dialog.click('#pin-ok');
}
