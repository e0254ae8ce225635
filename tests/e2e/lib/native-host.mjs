// Talks to the real ebid-host binary directly over native messaging framing (u32 native-endian length + JSON),
// the way Chromium does: the hostile-caller tests (lib/hostile.mjs) speak to it as a caller the extension is not.
// encodeFrame / decodeFrames are the e2e suite's only frame codec (the Rust side's is ebid_protocol::framing).
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { HOST, EXTENSION_ORIGIN } from './paths.mjs';

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** One frame: the u32 length of the UTF-8 JSON of `message` in native byte order, then the JSON. */
export function encodeFrame(message) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.alloc(4);
  if (LITTLE_ENDIAN) header.writeUInt32LE(body.length);
  else header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/** The messages of the whole frames at the start of `buffer`, and the bytes of an incomplete frame left over. */
export function decodeFrames(buffer) {
  const messages = [];
  let rest = buffer;
  while (rest.length >= 4) {
    const length = LITTLE_ENDIAN ? rest.readUInt32LE(0) : rest.readUInt32BE(0);
    if (rest.length < 4 + length) break;
    messages.push(JSON.parse(rest.subarray(4, 4 + length).toString('utf8')));
    rest = rest.subarray(4 + length);
  }
  return { messages, rest };
}

export class NativeHost {
  /**
   * Spawns the host the way Chromium would (argv[1] = the extension's origin, a caller the host serves) with the
   * world's PC/SC socket, and the host's test switch for http:// loopback origins (the replica portal's).
   */
  constructor({ env, logDir }) {
    const logFile = path.join(logDir, 'ebid-host-direct.log');
    this.process = spawn(HOST, [`${EXTENSION_ORIGIN}/`], {
      env: {
        ...process.env,
        ...env,
        EBID_HOST_ALLOW_LOOPBACK_ORIGINS: '1',
        EBID_HOST_LOG: 'debug',
        EBID_HOST_LOG_FILE: logFile,
      },
      stdio: ['pipe', 'pipe', fs.openSync(logFile, 'a')],
    });
    this.nextId = 1;
    this.buffer = Buffer.alloc(0);
    this.messages = [];
    this.waiters = [];
    this.process.stdout.on('data', (chunk) => {
      const { messages, rest } = decodeFrames(Buffer.concat([this.buffer, chunk]));
      this.buffer = rest;
      for (const message of messages) {
        this.messages.push(message);
        for (const waiter of [...this.waiters]) waiter();
      }
    });
    this.exited = new Promise((resolve) => this.process.on('exit', resolve));
  }

  /** The next message satisfying `predicate`, taken out of the queue. */
  next(predicate, timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const index = this.messages.findIndex(predicate);
        if (index < 0) return false;
        const [message] = this.messages.splice(index, 1);
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(message);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error('ebid-host did not answer in time'));
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }

  hello() {
    return this.next((m) => m.type === 'hello');
  }

  send(message) {
    this.process.stdin.write(encodeFrame(message));
  }

  /** Sends `{id, cmd, ...}` and returns the reply's `result`, or throws the host's typed error. */
  async request(cmd, fields = {}) {
    const id = this.nextId++;
    this.send({ id, cmd, ...fields });
    const answer = await this.next((m) => (m.type === 'response' || m.type === 'error') && m.id === id);
    if (answer.type === 'error') {
      const error = new Error(`ebid-host ${cmd}: ${answer.error.code} ${answer.error.detail ?? ''}`);
      error.info = answer.error;
      throw error;
    }
    return answer.result;
  }

  async close() {
    this.process.stdin.end();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}
