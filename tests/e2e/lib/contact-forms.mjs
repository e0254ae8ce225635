// The portal's own 登録 / 変更 pages after the extension handed over (no extension involvement): 資格審査情報検索,
// the contact inputs (代表窓口情報, ICカード利用部署情報), 入力内容確認, and the final button.

/** The ten contact inputs of 利用者登録画面 / 利用者変更画面 (tests/portal/README.md), valid values. */
export function contacts(tag = '') {
  return {
    repSection: `総務部${tag}`,
    repName: '札幌 太郎',
    repAddress: '北海道札幌市中央区北1条西2丁目',
    repPhone: '011-211-2111',
    repEmail: `rep${tag}@example.jp`,
    deptSection: `工事部${tag}`,
    deptName: '札幌 次郎',
    deptAddress: '北海道札幌市中央区北1条西2丁目',
    deptPhone: '011-211-2112',
    deptEmail: `dept${tag}@example.jp`,
  };
}

/** Submits a form by its button and waits for the next page in `frame`. */
export async function submit(frame, button) {
  await Promise.all([frame.waitForNavigation({ waitUntil: 'load' }), frame.click(button)]);
}

/** The `PortalForm` adapter of lib/registration-pages.mjs over a Playwright frame. */
export function playwrightForm(frame) {
  return {
    fill: (name, value) => frame.fill(`input[name="${name}"]`, value),
    submit: (css) => submit(frame, css),
    text: (css) => frame.innerText(css),
  };
}

/** Fills the contact inputs with `values`. */
export async function fillContacts(frame, values) {
  for (const [name, value] of Object.entries(values)) await frame.fill(`input[name="${name}"]`, value);
}

/** The values the inputs hold now. */
export function contactValues(frame, names) {
  return frame.evaluate((names) => Object.fromEntries(names.map((n) => [n, document.querySelector(`input[name="${n}"]`)?.value ?? null])), names);
}
