// A small W3C WebDriver client over HTTP (Node's fetch) for geckodriver: only the commands the Firefox tests use.
// Firefox extensions: POST /session/{id}/moz/addon/install, /moz/context (chrome | content).

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {
  constructor(command, status, value) {
    super(`${command}: ${status} ${value?.error ?? ''}: ${value?.message ?? JSON.stringify(value)}`);
    this.error = value?.error;
  }
}

export class WebDriver {
  /** Opens a session on the geckodriver at `base` (http://127.0.0.1:PORT) with `capabilities` (alwaysMatch). */
  static async start(base, capabilities) {
    const value = await call(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } }, 90_000);
    return new WebDriver(base, value.sessionId, value.capabilities);
  }

  constructor(base, sessionId, capabilities) {
    this.base = base;
    this.sessionId = sessionId;
    this.capabilities = capabilities;
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.sessionId}${path}`, body);
  }

  quit() {
    return call(this.base, 'DELETE', `/session/${this.sessionId}`);
  }

  /** Installs an unpacked extension directory (or xpi) as a temporary add-on; returns its id. */
  installAddon(path) {
    return this.cmd('POST', '/moz/addon/install', { path, temporary: true });
  }

  /** 'chrome' (the browser's own JS: gBrowser, Services) or 'content' (web pages). Needs --allow-system-access. */
  setContext(context) {
    return this.cmd('POST', '/moz/context', { context });
  }

  /** Runs `body` (a function's source body; `arguments` are `args`) in the current context and frame. */
  execute(body, args = []) {
    return this.cmd('POST', '/execute/sync', { script: body, args });
  }

  /** Like execute, but the script ends by calling `arguments[arguments.length - 1](value)`. */
  executeAsync(body, args = []) {
    return this.cmd('POST', '/execute/async', { script: body, args });
  }

  navigate(url) {
    return this.cmd('POST', '/url', { url });
  }

  url() {
    return this.cmd('GET', '/url');
  }

  windowHandle() {
    return this.cmd('GET', '/window');
  }

  windowHandles() {
    return this.cmd('GET', '/window/handles');
  }

  switchToWindow(handle) {
    return this.cmd('POST', '/window', { handle });
  }

  /** Closes the current window (tab); returns the remaining handles. */
  closeWindow() {
    return this.cmd('DELETE', '/window');
  }

  setWindowRect(rect) {
    return this.cmd('POST', '/window/rect', rect);
  }

  /** Into a frame of the current document: an element reference, an index, or null for the top frame. */
  switchToFrame(id) {
    return this.cmd('POST', '/frame', { id });
  }

  switchToParentFrame() {
    return this.cmd('POST', '/frame/parent', {});
  }

  async find(css) {
    const value = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return value[ELEMENT];
  }

  async findAll(css) {
    const value = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return value.map((e) => e[ELEMENT]);
  }

  /** A WebDriver Element Click: a trusted click, as a person's. */
  click(element) {
    return this.cmd('POST', `/element/${element}/click`, {});
  }

  /** Types `text` key by key into the element (trusted key events). */
  sendKeys(element, text) {
    return this.cmd('POST', `/element/${element}/value`, { text });
  }

  clear(element) {
    return this.cmd('POST', `/element/${element}/clear`, {});
  }

  /** PNG of the current top-level browsing context's viewport. */
  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
  }

  static elementArg(element) {
    return { [ELEMENT]: element };
  }
}

async function call(base, method, path, body, timeoutMs = 60_000) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}`, response.status, { error: 'not json', message: text.slice(0, 300) });
  }
  if (!response.ok) throw new WebDriverError(`${method} ${path}`, response.status, parsed.value);
  return parsed.value;
}
