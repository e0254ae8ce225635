// The extension's one-card operations in Firefox (ICカードによるログイン, 登録, 変更), driven through WebDriver as a
// person does: a trusted click on the portal's button, 「OK」 in the dialog window, the PIN key by key; then the
// portal's next page in the frame the flow started in (the dialog window closes) or a refusal in the dialog.
// The buttons, next pages and dialog titles are the Chromium suite's (lib/card-operations.mjs OPERATIONS).
import { OPERATIONS } from './card-operations.mjs';
import { eventually, PATHS } from './firefox-world.mjs';

const STEP_TIMEOUT = 20_000;

const isGone = (error) => /no such window|discarded|closed|no such frame/i.test(String(error));

/** The page's own alert, if one is open (null otherwise). The driver must be on the portal tab. */
async function pageAlert(d) {
  return d.cmd('GET', '/alert/text').catch((error) => (error.error === 'no such alert' ? null : Promise.reject(error)));
}

/**
 * Clicks `button` where the flow starts (world.toMenu()) and leaves the driver on the dialog window. The content
 * script hooks the button once the worker answered it (document_idle): a click before that reaches the page's applet
 * handler, whose alert is dismissed here before the one retry.
 */
export async function clickForDialog(world, button) {
  const d = world.driver;
  for (let attempt = 0; ; attempt++) {
    await world.toMenu();
    await d.click(await eventually(() => d.find(button), button));
    try {
      return await world.findDialog(attempt === 0 ? 3_000 : STEP_TIMEOUT);
    } catch (error) {
      if (attempt > 0) throw error;
      await d.switchToWindow(world.portalHandle);
      if ((await pageAlert(d)) !== null) await d.cmd('POST', '/alert/dismiss', {});
    }
  }
}

/**
 * From the dialog's confirmation to the end: OK, each PIN in `pins` (all but the last must be told wrong), then
 * either `next` loaded where the flow started (`{ok: true}`, driver there) or the dialog's refusal (`{ok: false,
 * state}`, driver on the dialog window).
 */
export async function completeInDialog(world, { next, pins, title }) {
  const confirm = await world.onScreen('confirm');
  if (title && !(confirm.title ?? '').includes(title)) throw new Error(`the dialog's title is not ${title}: ${confirm.title}`);
  await world.clickDialog('#confirm-ok');
  const stops = ['refused', 'failed'];
  for (const [i, pin] of pins.entries()) {
    const state = await world.waitDialog((s) => s.screen === 'pin' || stops.includes(s.screen), 'the PIN dialog or a refusal');
    if (state.screen !== 'pin') return { ok: false, state };
    await world.enterPin(pin);
    if (i < pins.length - 1) {
      const wrong = await world.waitDialog((s) => (s.screen === 'pin' && !!s.pinError) || stops.includes(s.screen), 'the wrong-PIN message');
      if (wrong.screen !== 'pin') return { ok: false, state: wrong };
    }
  }
  const stopped = await eventually(async () => {
    try {
      const state = await world.readDialog();
      return stops.includes(state.screen) && state;
    } catch (error) {
      if (isGone(error)) return 'closed';
      throw error;
    }
  }, `${next} or a refusal`, STEP_TIMEOUT);
  if (stopped !== 'closed') return { ok: false, state: stopped };
  await world.toMenu();
  await eventually(
    () => world.driver.execute(`return location.pathname === arguments[0] && document.readyState === 'complete';`, [next]),
    `${next} in the page`,
    STEP_TIMEOUT,
  );
  return { ok: true };
}

/** Runs `operation` (login | register | change) from its button where the flow starts: see completeInDialog. */
export async function runOperation(world, operation, { pins }) {
  const { button, next, title } = OPERATIONS[operation];
  await clickForDialog(world, button);
  return completeInDialog(world, { next, pins, title });
}

/**
 * ICカードによるログイン through the extension in the portal tab: the login page, 「ログイン」, the dialog, the PIN
 * (`pins`: a wrong one first, if a test wants). Returns {ok, text, userId, companyName} from the result page, or
 * {ok: false, text, state} with the dialog's refusal (the dialog closed again unless `keepDialog`).
 */
export async function login(world, { pin, pins = [pin], keepDialog = false }) {
  const d = world.driver;
  await d.switchToWindow(world.portalHandle);
  await d.switchToFrame(null);
  await d.navigate(world.url(PATHS.loginPage));
  world.menuInFrame = false;
  const result = await runOperation(world, 'login', { pins });
  if (result.ok) {
    return {
      ok: true,
      ...(await d.execute(`const text = (id) => document.getElementById(id)?.innerText.trim() ?? null;
        return {text: text('loginResult'), userId: text('userId'), companyName: text('companyName')};`)),
    };
  }
  const { state } = result;
  if (!keepDialog) await world.cancelDialog();
  return { ok: false, text: state.refusedReason ?? state.failedMessage ?? state.text, state };
}

/** The registration pages' adapter (lib/registration-pages.mjs) over WebDriver, in the frame the flow runs in. */
export function webDriverForm(world) {
  const d = world.driver;
  return {
    async fill(name, value) {
      const input = await d.find(`input[name="${name}"]`);
      await d.clear(input);
      await d.sendKeys(input, value);
    },
    async submit(css) {
      // A mark on the old document: the next page is there when the mark is gone and the page has loaded.
      await d.execute(`window.__ebidOldPage = true;`);
      await d.click(await d.find(css));
      await eventually(
        () => d.execute(`return !window.__ebidOldPage && document.readyState === 'complete';`),
        `the page after ${css}`,
        STEP_TIMEOUT,
      );
    },
    text: (css) => d.execute(`return document.querySelector(arguments[0])?.innerText ?? '';`, [css]),
  };
}
