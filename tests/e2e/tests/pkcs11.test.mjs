// The renewal with the current card read through the host's PKCS#11 backend: the user's current card is the
// virtual JPKI card, and the host's pkcs11.toml sends it to OpenSC's opensc-pkcs11.so (prefer_pkcs11_atr with the
// JPKI ATR, so the built-in JPKI driver does not claim it). The new card goes through the built-in profile driver.
// Same extension, same protocol, same screens: only the host's configuration differs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createWorld, World } from '../lib/world.mjs';
import { renewToConfirmation, commitRenewal } from '../lib/renewal.mjs';
import { sameCertificate } from '../lib/portal.mjs';

const OPENSC_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const JPKI_ATR = '3B E0 00 FF 81 31 FE 45 14';

/** A pkcs11.toml in the world's dir, and the environment that points the host at it. */
function openscConfig(dir) {
  const config = path.join(dir, 'pkcs11.toml');
  fs.writeFileSync(config, `[[module]]\npath = "${OPENSC_MODULE}"\n\n[[prefer_pkcs11_atr]]\natr = "${JPKI_ATR}"\n`);
  return { EBID_HOST_PKCS11_CONFIG: config };
}

describe('PKCS#11 backend', () => {
  let world;
  before(async () => {
    world = await createWorld({
      name: 'pkcs11',
      users: [{ id: 'U000001', card: 'jpki' }],
      insert: { jpki: 0 },
      hostEnv: openscConfig,
    });
  });
  after(async () => {
    await world?.close();
  });

  it('renews a current card read through OpenSC to 更新完了', async () => {
    const current = await world.testbed.card('jpki');
    const fresh = await world.testbed.card('new');
    const menu = await world.openMenu();

    const seen = [];
    const confirmation = await renewToConfirmation(world, {
      menu,
      currentPin: current.pin,
      newCard: 'new',
      newPin: fresh.pin,
      onScreen: async (name) => seen.push(name),
    });
    assert.deepEqual(seen, ['confirm', 'pin-current', 'swap', 'swap-ready', 'pin-new', 'confirmation']);
    assert.match(confirmation.text, /電子証明書更新確認/);
    assert.equal(confirmation.current['ICカード取得者氏名'], current.holder_name);
    assert.equal(confirmation.new['ICカード取得者氏名'], fresh.holder_name);

    await world.settled();
    assert.deepEqual(world.renewalSteps(), ['challenge', 'current', 'new']);
    const [step] = world.renewalPosts('current');
    assert.ok(sameCertificate(step.oldCertificate, current.certificate), 'the JPKI signature certificate, via OpenSC');
    assert.equal(await World.renewalVerified(menu), true, 'the portal verified both signatures');

    const done = await commitRenewal(menu);
    assert.match(done, /ICカードの更新が完了しました/);
    assert.ok(sameCertificate(world.portal.user('U000001').certificate, fresh.certificate));

    // The current card really went through the module, the new one through the built-in driver.
    const log = world.hostLogs();
    assert.match(log, /pkcs11:opensc-pkcs11\.so card/);
    assert.match(log, /PKCS#11 token "JPKI \(Digital Signature PIN\)"/);
    assert.match(log, /profile:ebid-test-ca card/);
    for (const pin of [current.pin, fresh.pin]) assert.equal(world.pinLogged(pin), false, 'a PIN reached the host log');
  });
});
