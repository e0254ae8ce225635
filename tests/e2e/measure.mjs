// Measures the browser flow's machine time for BENCHMARKS.md: N renewals from the 「ICカード更新」 click to the
// 電子証明書更新確認画面 (then 戻る, so the registration stays and the next run starts over), headless.
// Writes the "measurement" section of out/e2e-figures.json.
//
//   node tests/e2e/measure.mjs [--runs N]
import { createWorld } from './lib/world.mjs';
import { renewToConfirmation, MachineClock } from './lib/renewal.mjs';
import { summarize, writeFigures } from './lib/figures.mjs';

const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex >= 0 ? Number(process.argv[runsIndex + 1]) : 10;

const world = await createWorld({ name: 'measure' });
let status = 0;
try {
  const old = await world.testbed.card('old');
  const fresh = await world.testbed.card('new');
  const clocks = [];
  for (let run = 0; run < runs; run++) {
    await world.testbed.put('old', 0);
    const menu = await world.openMenu();
    const clock = new MachineClock();
    await renewToConfirmation(world, { menu, currentPin: old.pin, newCard: 'new', newPin: fresh.pin, clock });
    clocks.push(clock);
    console.log(`run ${run + 1}: ${clock.total().toFixed(1)} ms`);
  }
  // The first run also starts the browser's first host process and loads the wasm: report it apart.
  const figures = {
    measurement: {
      first_run: summarize(clocks.slice(0, 1)),
      later_runs: summarize(clocks.length > 1 ? clocks.slice(1) : clocks),
    },
  };
  const file = writeFigures(figures);
  const later = figures.measurement.later_runs;
  console.log(`median ${later.total_ms.median.toFixed(1)} ms (min ${later.total_ms.min.toFixed(1)}, max ${later.total_ms.max.toFixed(1)}) over ${later.total_ms.runs} runs; first run ${clocks[0].total().toFixed(1)} ms`);
  for (const span of later.spans) console.log(`  ${span.label}: median ${span.median.toFixed(1)} ms`);
  console.log(`figures: ${file}`);
} catch (error) {
  console.error(error);
  status = 1;
} finally {
  await world.close();
}
process.exit(status);
