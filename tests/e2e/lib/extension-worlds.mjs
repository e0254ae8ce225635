// Which JavaScript worlds run in a page, seen through the DevTools protocol: a content script of the extension
// shows up as an isolated world whose origin is chrome-extension://<ID>.
import { EXTENSION_ORIGIN } from './paths.mjs';

export async function watchWorlds(context, page) {
  const session = await context.newCDPSession(page);
  const worlds = [];
  session.on('Runtime.executionContextCreated', (event) => worlds.push(event.context));
  await session.send('Runtime.enable');
  return {
    /** Content-script worlds of our extension created so far. */
    extensionWorlds: () => worlds.filter((w) => w.origin === EXTENSION_ORIGIN && w.auxData?.type === 'isolated'),
    async waitForExtensionWorld(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (this.extensionWorlds().length) return this.extensionWorlds();
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('no content script of the extension ran in the page');
    },
    detach: () => session.detach().catch(() => {}),
  };
}
