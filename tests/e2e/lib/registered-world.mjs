// The world of a test file that starts from registered users: created before the file's tests, closed after them;
// before each test the cards' PIN counters are reset and what the previous test recorded (posts, native dialogs) is
// cleared, so each test sees only its own traffic.
import { before, after, beforeEach } from 'node:test';
import { createWorld } from './world.mjs';

/**
 * Registers those hooks in the current `describe`; returns the world (once `before` has run).
 * @param {string} name  the world's name (temp dir, logs)
 * @param {Record<string, string>} users  user id → the testbed card registered as its current card
 * @returns {() => import('./world.mjs').World}
 */
export function registeredWorld(name, users) {
  let world;
  before(async () => {
    world = await createWorld({
      name,
      users: Object.entries(users).map(([id, card]) => ({ id, card })),
      insert: {},
    });
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.testbed.resetPins();
    world.posts.length = 0;
    world.nativeDialogs.length = 0;
  });
  return () => world;
}
