// Drives 「ICカード更新」 from the menu to the portal's 電子証明書更新確認画面 the way a person does, timing only the
// machine's part: each span runs from a user action (click, OK, card inserted) to the screen that answers it.
import { findDialog, onScreen, onPinScreen, waitDialog, clickOk, enterPin } from './dialog.mjs';
import { PATHS } from './portal.mjs';

/** Records the machine spans between user actions. */
export class MachineClock {
  constructor() {
    this.spans = [];
    this.started = null;
  }

  /** A user action just finished: the machine's turn starts. */
  userActed() {
    this.started = performance.now();
  }

  /** The screen answering the last user action is visible: the machine's turn ends. */
  answered(label) {
    if (this.started === null) throw new Error(`span ${label} has no start`);
    this.spans.push({ label, ms: performance.now() - this.started });
    this.started = null;
  }

  total() {
    return this.spans.reduce((sum, s) => sum + s.ms, 0);
  }
}

/**
 * From the menu through both PIN dialogs and the card swap to the confirmation page. The dialog is the extension's
 * popup window (its own page); when the flow ends the extension closes it and the menu's frame navigates to the
 * portal's 電子証明書更新確認画面 (GET IcRenewConfirm.do), which `menu` then shows.
 * @param {import('./world.mjs').World} world
 * @param {object} options
 * @param {import('playwright-core').Frame} options.menu  frame showing the menu (the frameset's `main`, or the page)
 * @param {string} options.currentPin
 * @param {string} options.newCard  testbed card to swap in
 * @param {string} options.newPin
 * @param {(name: string, dialog?: import('playwright-core').Page) => Promise<void>} [options.onScreen]  e.g. take a
 *   screenshot; `dialog` is the dialog window's page for the dialog's screens, absent for the portal's page
 * @param {MachineClock} [options.clock]
 * @returns the confirmation page's text, both tables
 */
export async function renewToConfirmation(world, { menu, currentPin, newCard, newPin, onScreen: shot, clock, slot = 0 }) {
  const page = world.page;
  clock = clock ?? new MachineClock();
  const note = async (name, dialog) => shot && (await shot(name, dialog));

  await menu.click('#btnIcRenew');
  clock.userActed();
  const dialog = await findDialog(page);
  await onScreen(dialog, 'confirm');
  clock.answered('click → confirmation dialog');
  await note('confirm', dialog);

  await clickOk(dialog, 'confirm');
  clock.userActed();
  await onPinScreen(dialog, 'current');
  clock.answered('OK → PIN dialog (current card)');
  await note('pin-current', dialog);

  await dialog.fill('#pin-input', '');
  await dialog.type('#pin-input', currentPin);
  await dialog.click('#pin-ok');
  clock.userActed();
  await onScreen(dialog, 'swap');
  clock.answered('PIN OK → swap-card message');
  await note('swap', dialog);

  // The person pulls the current card and inserts the new one.
  await world.testbed.remove(slot);
  await world.testbed.insert(newCard, slot);
  clock.userActed();
  await waitDialog(dialog, (s) => s.screen === 'swap' && s.swapReady, 'the swap OK button enabled');
  clock.answered('new card inserted → swap OK enabled');
  await note('swap-ready', dialog);

  await clickOk(dialog, 'swap');
  clock.userActed();
  await onPinScreen(dialog, 'new');
  clock.answered('OK → PIN dialog (new card)');
  await note('pin-new', dialog);

  await dialog.fill('#pin-input', '');
  await dialog.type('#pin-input', newPin);
  await dialog.click('#pin-ok');
  clock.userActed();
  await menu.waitForSelector('#newCard', { timeout: 20_000 });
  clock.answered('PIN OK → 電子証明書更新確認画面');
  await note('confirmation');

  return confirmationPage(menu);
}

/** The 電子証明書更新確認画面's two tables as {label: value} maps, plus the page text. */
export function confirmationPage(frame) {
  return frame.evaluate(() => {
    const table = (id) => {
      const rows = {};
      for (const tr of document.querySelectorAll(`#${id} tr`)) {
        const cells = tr.querySelectorAll('td');
        if (cells.length === 3) rows[cells[0].innerText.trim()] = cells[2].innerText.trim();
      }
      return rows;
    };
    return {
      url: location.href,
      current: table('currentCard'),
      new: table('newCard'),
      text: document.body.innerText,
    };
  });
}

/** Presses 「更新」 on the confirmation page; returns the 更新完了画面's text. */
export async function commitRenewal(frame) {
  await Promise.all([frame.waitForURL((u) => u.pathname === PATHS.renewCommit), frame.click('input[name="btnUpdate"]')]);
  return frame.innerText('body');
}

export { enterPin };
