// What every test world (Chromium or Firefox) does with its temp directory: read the hosts' logs written there,
// and tear the world down step by step, each step tried even when an earlier one failed, then remove the directory
// (kept with EBID_E2E_KEEP=1 for a post-mortem).
import fs from 'node:fs';
import path from 'node:path';

/** Every ebid-host log in `dir` (launched by the browser, or spawned directly), joined. */
export function hostLogsIn(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('ebid-host') && f.endsWith('.log'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

/** Runs each teardown step in order, whatever the others did, then removes `dir`. */
export async function tearDown(steps, dir) {
  for (const step of steps) {
    try {
      await step();
    } catch {
      // keep tearing down
    }
  }
  if (!process.env.EBID_E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
}
