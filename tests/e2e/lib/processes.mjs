// Child processes of a test world: spawned with their output logged to files, found again by PID at teardown,
// and killed even when the test process itself is on its way out.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const living = new Set();

// Last resort: whatever a crashed test left running is stopped with the test process (by PID, synchronously).
// SIGTERM, not SIGKILL: testbed then still tears its pcscd and temp dir down itself.
process.on('exit', () => {
  for (const child of living) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

export class Child {
  /**
   * @param {string} name   label for logs and errors
   * @param {string} file   executable
   * @param {string[]} args
   * @param {{env?: object, logDir: string, stdin?: 'pipe'|'ignore'}} options
   */
  constructor(name, file, args, { env, logDir, stdin = 'ignore' }) {
    this.name = name;
    this.logFile = path.join(logDir, `${name}.log`);
    const log = fs.openSync(this.logFile, 'a');
    this.process = spawn(file, args, {
      env: env ?? process.env,
      stdio: [stdin, 'pipe', log],
    });
    fs.closeSync(log);
    this.pid = this.process.pid;
    living.add(this.process);
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        living.delete(this.process);
        resolve({ code, signal });
      });
      this.process.on('error', (error) => {
        living.delete(this.process);
        resolve({ code: null, signal: null, error });
      });
    });
    this.stdoutLines = [];
    this.lineWaiters = [];
    let buffered = '';
    this.process.stdout.setEncoding('utf8');
    this.process.stdout.on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        this.stdoutLines.push(line);
        for (const waiter of [...this.lineWaiters]) waiter(line);
      }
    });
  }

  /** The first stdout line matching `pattern` (already printed or still to come). */
  waitForLine(pattern, timeoutMs = 30_000) {
    const found = this.stdoutLines.find((l) => pattern.test(l));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const done = (fn, value) => {
        clearTimeout(timer);
        this.lineWaiters = this.lineWaiters.filter((w) => w !== onLine);
        fn(value);
      };
      const onLine = (line) => pattern.test(line) && done(resolve, line);
      const timer = setTimeout(
        () => done(reject, new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms; see ${this.logFile}`)),
        timeoutMs,
      );
      this.lineWaiters.push(onLine);
      this.exited.then(({ code, signal, error }) =>
        done(reject, new Error(`${this.name} exited (${error ?? code ?? signal}) before printing ${pattern}; see ${this.logFile}:\n${tail(this.logFile)}`)),
      );
    });
  }

  /** SIGTERM, then SIGKILL if it has not left after `graceMs`. */
  async stop(graceMs = 5_000) {
    if (!living.has(this.process)) return this.exited;
    try {
      this.process.kill('SIGTERM');
    } catch {
      // gone meanwhile
    }
    const timer = setTimeout(() => {
      try {
        this.process.kill('SIGKILL');
      } catch {
        // gone
      }
    }, graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

export function tail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
