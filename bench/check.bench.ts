import { check } from "../checker/explore.js";
import { checkParallel } from "../checker/parallel.js";
import { DEFAULT_UNIVERSE, type Universe } from "../checker/universe.js";

/**
 * `npm run bench:check`: the reference checker on the default bounds and a
 * larger universe: sequential, then across 1 and 2 worker threads, with and
 * without symmetry reduction. Prints one line per run (states, seconds,
 * states/s) and the speed-up of 2 workers over 1.
 */
const universes: [string, Universe][] = [
  ["default", DEFAULT_UNIVERSE],
  ["3 drivers, 1 operation each, no crashes, no restarts, 1 namespace", { ...DEFAULT_UNIVERSE, drivers: 3, driverOps: undefined, ops: 1, namespaces: 1, faults: false, maxRestarts: 0 }],
];
const line = (what: string, states: number, seconds: number) =>
  console.log(`${what.padEnd(44)} ${String(states).padStart(9)} states ${seconds.toFixed(2).padStart(7)} s ${String(Math.round(states / seconds)).padStart(8)} states/s`);

console.log(`rollcall check bench: node ${process.version}, ${(await import("node:os")).cpus().length} cores`);
for (const [name, u] of universes) {
  for (const symmetry of [false, true]) {
    const tag = `${name}${symmetry ? " +symmetry" : ""}`;
    let t = performance.now();
    const seq = check(u, { symmetry });
    line(`${tag}: sequential`, seq.states, (performance.now() - t) / 1000);
    const times: number[] = [];
    for (const workers of [1, 2]) {
      t = performance.now();
      const r = await checkParallel(u, workers, { symmetry });
      const s = (performance.now() - t) / 1000;
      times.push(s);
      if (r.states !== seq.states || r.transitions !== seq.transitions) throw new Error(`${tag}: ${workers} workers found ${r.states} states, sequential ${seq.states}`);
      line(`${tag}: ${workers} worker${workers > 1 ? "s" : ""}`, r.states, s);
    }
    console.log(`${tag}: speed-up of 2 workers over 1 = ${(times[0]! / times[1]!).toFixed(2)}`);
  }
}
