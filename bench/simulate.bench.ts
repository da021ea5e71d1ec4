import { cpus } from "node:os";
import { simulate } from "../sim/simulate.js";
import type { ProfileName } from "../model/index.js";

/**
 * Settled simulator steps per second on the model: `rollcall simulate`'s
 * workload (random programs of 3 drivers, every operation, faults on), 5,000
 * steps a run, after a warm-up, one core. Prints one line per profile and the
 * machine it ran on.
 */
function measure(profile: ProfileName, runs: number, steps: number): number {
  for (let seed = 1000; seed < 1003; seed++) simulate({ seed, steps, profile }); // warm-up
  const started = performance.now();
  for (let seed = 1; seed <= runs; seed++) simulate({ seed, steps, profile });
  const seconds = (performance.now() - started) / 1000;
  return (runs * steps) / seconds;
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`machine: ${cpus().length} cores, ${cpu}, node ${process.version}`);
for (const profile of ["ray", "seed"] as const) {
  const rate = measure(profile, 20, 5000);
  console.log(`simulate (${profile}): ${Math.round(rate).toLocaleString("en-US")} settled steps/s (20 runs × 5,000 steps)`);
}
