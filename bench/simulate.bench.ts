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

// A parallel block of four drivers with two steps each (get-or-create, then get),
// explored over every interleaving: states visited and the time to settle it.
{
  const { parseScenario } = await import("../sim/scenario/parse.js");
  const { runScenario } = await import("../sim/scenario/run.js");
  const lists = [1, 2, 3, 4].map((i) => [
    { by: `d${i}`, do: "create", class: "Counter", name: "foo", getIfExists: true, as: "foo" },
    { by: `d${i}`, do: "get", name: "foo", expect: { actor: "foo" } },
  ]);
  const steps = [...[1, 2, 3, 4].map((i) => ({ by: `d${i}`, do: "init", namespace: "n" })), { parallel: lists }];
  const loaded = parseScenario("bench-race.json", JSON.stringify({ title: "race", profile: "ray", steps }));
  runScenario(loaded); // warm-up
  const times: number[] = [];
  let states = 0;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    states = runScenario(loaded).explored;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`parallel block, 4 drivers × 2 steps: ${states} states, median ${times[2].toFixed(0)} ms (5 runs after a warm-up)`);
}
