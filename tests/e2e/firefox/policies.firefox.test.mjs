// Managed portal origins in Firefox come from enterprise policies: policies.json `3rdparty` → `Extensions` →
// `ebid-renewal@ebid.jp` → `portalOrigins`, which Firefox hands to the extension as storage.managed. Here the replica's
// origin is on the list only through such a policies.json (no test switch): the options page lists it as managed,
// and the menu's button opens the dialog for it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createFirefoxWorld } from '../lib/firefox-world.mjs';

describe('Firefox: portal origins from enterprise policies', () => {
  let world;
  before(async () => {
    world = await createFirefoxWorld({ name: 'firefox-policies', originsVia: 'policy' });
  });
  after(async () => {
    await world?.close();
  });

  it('lists the policy origin as managed and starts the flow there', async () => {
    const origins = await world.optionsOrigins();
    assert.ok(
      origins.some((o) => o.kind === 'managed' && o.text.includes(world.portal.origin)),
      `managed origin listed: ${JSON.stringify(origins)}`,
    );
    assert.ok(!origins.some((o) => o.kind === 'dev'), 'no test switch involved');

    await world.openMenu();
    await world.clickRenew();
    await world.findDialog();
    const state = await world.onScreen('confirm');
    assert.equal(state.site, world.portal.origin);
    await world.cancelDialog();
  });
});
