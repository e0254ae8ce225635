// What an attacker brings to the security tests: a site of its own on another origin (serving its pages and
// recording every request that reaches it), a portal session of its own, the consoles of the extension's content
// scripts (to know a refusal happened rather than wait for nothing), and a card it holds, signed with directly.
import http from 'node:http';
import fs from 'node:fs';
import { NativeHost } from './native-host.mjs';
import { EXTENSION_ORIGIN } from './paths.mjs';

/** The attacker's web site: `page(path, html)` serves a page; `requests` lists everything that arrived. */
export async function startAttackerSite() {
  const pages = new Map();
  const requests = [];
  const server = http.createServer((request, reply) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      const url = new URL(request.url, 'http://attacker.invalid');
      requests.push({ method: request.method, path: url.pathname, body: Buffer.concat(chunks).toString('utf8') });
      const html = pages.get(url.pathname);
      reply.writeHead(html ? 200 : 204, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'close',
      });
      reply.end(html ?? '');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    page(path, html) {
      pages.set(path, html);
      return origin + path;
    },
    /** Requests other than for the pages it served: what was sent to it. */
    loot: () => requests.filter((r) => !pages.has(r.path)),
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/** A portal session of the attacker's own, from outside the victim's browser (its own cookie). */
export async function attackerSession(portal, paths) {
  const menu = await fetch(portal.url(paths.menu));
  const cookie = (menu.headers.get('set-cookie') ?? '').split(';')[0];
  if (!cookie.startsWith('JSESSIONID=')) throw new Error(`the portal set no session cookie: ${cookie}`);
  const headers = { Cookie: cookie, Origin: portal.origin };
  return {
    async post(route, fields = {}) {
      const response = await fetch(portal.url(route), { method: 'POST', headers, body: new URLSearchParams(fields) });
      return { status: response.status, body: await response.text() };
    },
    async get(route) {
      const response = await fetch(portal.url(route), { headers });
      return { status: response.status };
    },
  };
}

/**
 * The consoles of the extension's content scripts in `page` (their isolated worlds, through the DevTools
 * protocol): `waitFor(regex)` resolves when one logs a matching line.
 */
export async function watchContentScriptConsole(context, page) {
  const session = await context.newCDPSession(page);
  const ours = new Set();
  const lines = [];
  session.on('Runtime.executionContextCreated', ({ context: c }) => {
    if (c.origin === EXTENSION_ORIGIN && c.auxData?.type === 'isolated') ours.add(c.id);
  });
  session.on('Runtime.consoleAPICalled', (event) => {
    if (!ours.has(event.executionContextId)) return;
    lines.push(event.args.map((a) => a.value ?? a.description ?? '').join(' '));
  });
  await session.send('Runtime.enable');
  return {
    lines,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const line = lines.find((l) => pattern.test(l));
        if (line) return line;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no content script logged ${pattern}; it logged: ${JSON.stringify(lines)}`);
    },
    detach: () => session.detach().catch(() => {}),
  };
}

/**
 * A card the attacker holds (PIN known) signs `challenge` for `purpose` through the real host, as any program on
 * the attacker's own machine could. Returns {certificate, signature} (base64).
 */
export async function attackerSigns({ env, logDir, reader, pin, origin, challenge, purpose, boundCertificate }) {
  const host = new NativeHost({ env, logDir });
  try {
    await host.hello();
    const read = await host.request('read_certificate', { reader });
    await host.request('verify_pin', { reader, pin });
    const signed = await host.request('sign_challenge', {
      reader,
      origin,
      challenge,
      purpose,
      ...(boundCertificate ? { bound_certificate: boundCertificate } : {}),
    });
    return { certificate: read.certificate, signature: signed.signature };
  } finally {
    await host.close();
  }
}

/** How many times an ebid-host was started by the browser (its log's start lines). */
export function hostLaunches(world) {
  if (!fs.existsSync(world.hostLog)) return 0;
  return fs.readFileSync(world.hostLog, 'utf8').split('\n').filter((l) => /started \(version/.test(l)).length;
}
