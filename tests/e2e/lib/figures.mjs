// Figures for BENCHMARKS.md ("Browser flow"): machine time from the 「ICカード更新」 click to the
// 電子証明書更新確認画面, user actions (typing, clicking, swapping cards) excluded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OUT_DIR } from './paths.mjs';

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median =
    sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
};

/** Per-span and total statistics over several MachineClocks of the same flow. */
export function summarize(clocks) {
  const labels = clocks[0].spans.map((s) => s.label);
  return {
    total_ms: stats(clocks.map((c) => c.total())),
    spans: labels.map((label) => ({
      label,
      ...stats(clocks.map((c) => c.spans.find((s) => s.label === label).ms)),
    })),
  };
}

/** Merges `sections` into out/e2e-figures.json (the demo and the measurement each write their own section). */
export function writeFigures(sections) {
  const file = path.join(OUT_DIR, 'e2e-figures.json');
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const round = (key, value) => (typeof value === 'number' ? Math.round(value * 10) / 10 : value);
  const merged = {
    ...existing,
    ...sections,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, measured_at: new Date().toISOString() },
    what:
      "machine time from the 「ICカード更新」 click to the 電子証明書更新確認画面: the sum of the spans from each user action (click, OK, PIN submitted, new card inserted) to the screen that answers it; typing and card handling excluded",
  };
  fs.writeFileSync(file, JSON.stringify(merged, round, 2) + '\n');
  return file;
}
