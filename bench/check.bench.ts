import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { check } from "../checker/explore.js";
import { checkParallel } from "../checker/parallel.js";
import { DEFAULT_UNIVERSE, type Universe } from "../checker/universe.js";

/**
 * `npm run bench:check`: `check` on the default bounds, without and with
 * symmetry reduction, and on `--ops 2,2` (1.4 million states; no liveness
 * graph in any of them), sequential and across 1 and 2 worker threads that share
 * the visited table (`rollcall check --workers N`). Each configuration runs
 * BENCH_RUNS times (3 by default), in turns (sequential, 1 worker, 2 workers,
 * again), so a machine whose speed drifts slows all alike. Prints each run's
 * wall and CPU seconds (CPU: every thread of the process), then the medians
 * and the speed-up of 2 workers over 1 and over sequential: the median of the
 * ratios of the runs of one turn. Every run must find the same states and
 * transitions as the sequential search.
 *
 * The cores are shared (and the scheduler gives each session a share, not
 * each thread): before and after, the bench measures how much more work two
 * threads of a plain loop get done than one in the same time, the most any
 * speed-up of 2 workers can be at that moment.
 */
const runs = Number(process.env.BENCH_RUNS ?? 3);
const universes: [string, Universe, boolean][] = [
  ["default", DEFAULT_UNIVERSE, false],
  ["default +symmetry", DEFAULT_UNIVERSE, true],
  // Large enough for the workers' own memo tables to fill early (each worker runs the model for what it has not met yet).
  ["--ops 2,2", { ...DEFAULT_UNIVERSE, driverOps: undefined, ops: 2 }, false],
];
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const kinds = ["sequential", "1 worker", "2 workers"] as const;

/** Iterations of a plain loop that `threads` worker threads get through in `ms` milliseconds, together. */
async function loopWork(threads: number, ms = 2000): Promise<number> {
  const code = `const { parentPort } = require("node:worker_threads"); let n = 0; const end = Date.now() + ${ms}; while (Date.now() < end) { for (let i = 0; i < 1e5; i++) n += i & 1; } parentPort.postMessage(n);`;
  const counts = await Promise.all(Array.from({ length: threads }, () => new Promise<number>((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once("message", (n: number) => void w.terminate().then(() => resolve(n)));
    w.once("error", reject);
  })));
  return counts.reduce((a, b) => a + b, 0);
}
const room = async (): Promise<string> => {
  const one = await loopWork(1);
  const two = await loopWork(2);
  return (two / one).toFixed(2);
};

console.log(`rollcall check bench: node ${process.version}, ${cpus().length} cores, ${runs} runs of each`);
console.log(`room for threads: 2 threads of a plain loop get ${await room()} times the work of 1`);
for (const [name, u, symmetry] of universes) {
  const wall: Record<(typeof kinds)[number], number[]> = { sequential: [], "1 worker": [], "2 workers": [] };
  const cpu: Record<(typeof kinds)[number], number[]> = { sequential: [], "1 worker": [], "2 workers": [] };
  let states = 0;
  let transitions = 0;
  for (let run = 0; run < runs; run++) {
    for (const kind of kinds) {
      const c = process.cpuUsage();
      const t = performance.now();
      const r = kind === "sequential" ? check(u, { symmetry }) : await checkParallel(u, kind === "1 worker" ? 1 : 2, { symmetry });
      const seconds = (performance.now() - t) / 1000;
      const used = process.cpuUsage(c);
      if (kind === "sequential") [states, transitions] = [r.states, r.transitions];
      else if (r.states !== states || r.transitions !== transitions) throw new Error(`${name}, ${kind}: ${r.states} states and ${r.transitions} transitions, sequential ${states} and ${transitions}`);
      wall[kind].push(seconds);
      cpu[kind].push((used.user + used.system) / 1e6);
      console.log(`${name}, ${kind.padEnd(10)} run ${run + 1}: ${r.states} states ${seconds.toFixed(2).padStart(6)} s wall ${cpu[kind].at(-1)!.toFixed(2).padStart(6)} s cpu ${String(Math.round(r.states / seconds)).padStart(7)} states/s`);
    }
  }
  for (const kind of kinds) {
    console.log(`${name}, ${kind.padEnd(10)} median: ${median(wall[kind]).toFixed(2).padStart(6)} s wall ${median(cpu[kind]).toFixed(2).padStart(6)} s cpu ${String(Math.round(states / median(wall[kind]))).padStart(7)} states/s`);
  }
  const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!)).toFixed(2);
  console.log(`${name}: speed-up of 2 workers over 1 = ${ratio(wall["1 worker"], wall["2 workers"])}, over sequential = ${ratio(wall.sequential, wall["2 workers"])}; 1 worker over sequential = ${ratio(wall.sequential, wall["1 worker"])} (wall, median of per-turn ratios); cpu of 2 workers over 1 = ${ratio(cpu["2 workers"], cpu["1 worker"])}`);
}
console.log(`room for threads: 2 threads of a plain loop get ${await room()} times the work of 1`);
