// A copy of the portal's menu page served from another loopback origin (another port of 127.0.0.1: an origin
// differs by port), to prove that a page outside the extension's portal list gets nothing.
import http from 'node:http';

export async function serveMenuCopy(portal, menuPath) {
  const response = await fetch(portal.url(menuPath));
  const body = Buffer.from(await response.arrayBuffer()); // the Shift_JIS bytes as the portal sent them
  const contentType = response.headers.get('content-type');
  const server = http.createServer((request, reply) => {
    reply.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    reply.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: origin + menuPath,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections(); // Chromium keeps connections alive; don't wait for them
      }),
  };
}
