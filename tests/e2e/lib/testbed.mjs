// The `testbed` binary: private pcscd, vpcd readers, the standard virtual cards, and its control API.
import fs from 'node:fs';
import path from 'node:path';
import { Child } from './processes.mjs';
import { TESTBED } from './paths.mjs';

export class Testbed {
  /** Starts `testbed --readers N`; resolves once it printed its hello line. */
  static async start({ dir, readers = 1 }) {
    // stdin is a pipe: if this process dies without teardown, testbed sees end of stdin and removes pcscd.
    const child = new Child('testbed', TESTBED, ['--readers', String(readers)], { logDir: dir, stdin: 'pipe' });
    const line = await child.waitForLine(/^\{/, 30_000);
    const testbed = new Testbed(child, JSON.parse(line), dir);
    testbed.writeCaCertificates();
    return testbed;
  }

  constructor(child, hello, dir) {
    this.child = child;
    this.hello = hello;
    this.dir = dir;
    /** The environment every PC/SC client and host of this world needs: `PCSCLITE_CSOCK_NAME`, `EBID_HOST_PROFILE_DIR`. */
    this.env = hello.env;
    this.socket = hello.socket;
    this.control = hello.control;
    this.slots = hello.slots; // [{reader, port}]
  }

  /** The test CA certificates as DER files, for the portal's --ca-cert. */
  writeCaCertificates() {
    const cas = this.hello.ca_certificates;
    if (!cas) {
      throw new Error('testbed did not print ca_certificates: rebuild it (cargo build -p test-harness)');
    }
    this.caFiles = Object.entries(cas).map(([name, base64]) => {
      const file = path.join(this.dir, `ca-${name}.der`);
      fs.writeFileSync(file, Buffer.from(base64, 'base64'));
      return file;
    });
  }

  async call(method, route) {
    const response = await fetch(this.control + route, { method });
    const body = await response.json();
    if (!response.ok) throw new Error(`testbed ${method} ${route}: ${response.status} ${body.error ?? ''}`);
    return body;
  }

  /** Every card: name, pin, tries_left, blocked, serial, certificate (base64 DER), slot … */
  cards() {
    return this.call('GET', '/cards');
  }

  async card(name) {
    const card = (await this.cards()).find((c) => c.name === name);
    if (!card) throw new Error(`testbed has no card ${name}`);
    return card;
  }

  readers() {
    return this.call('GET', '/readers');
  }

  /** Insert `name` into `slot`; answers once pcscd reports the card present. */
  insert(name, slot = 0) {
    return this.call('POST', `/insert?card=${encodeURIComponent(name)}&slot=${slot}`);
  }

  /** Take the card out of `slot` (no-op on an empty slot); answers once pcscd reports the slot empty. */
  remove(slot = 0) {
    return this.call('POST', `/remove?slot=${slot}`);
  }

  /** Make `name` the only card in `slot`, whatever was there or wherever it was. */
  async put(name, slot = 0) {
    const cards = await this.cards();
    const here = cards.find((c) => c.slot === slot);
    if (here?.name === name) return;
    if (here) await this.remove(slot);
    const elsewhere = cards.find((c) => c.name === name)?.slot;
    if (elsewhere !== null && elsewhere !== undefined) await this.remove(elsewhere);
    await this.insert(name, slot);
  }

  /** Every slot empty. */
  async removeAll() {
    for (const card of await this.cards()) {
      if (card.slot !== null && card.slot !== undefined) await this.remove(card.slot);
    }
  }

  /** The card's next APDU pulls it out mid-command. */
  vanishOnNextApdu(name) {
    return this.call('POST', `/vanish?card=${encodeURIComponent(name)}`);
  }

  /** PIN counters back to their starting values (the blocked card stays blocked). */
  resetPins() {
    return this.call('POST', '/reset');
  }

  readerOfSlot(slot) {
    return this.slots[slot].reader;
  }

  async stop() {
    try {
      this.child.process.stdin.end();
    } catch {
      // already closed
    }
    await this.child.stop();
  }
}
