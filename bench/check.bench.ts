import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
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
 *
 * Then the bars of issue 12, each a `rollcall check … --json` of its own
 * process (so its peak memory is its own), with the figure against the bar:
 * the default bounds' counts, states per second and bytes per state (peak
 * RSS over states); `--ops 2,2`; and with `--big`, `--drivers 3 --ops 2`
 * plain, with `--por` and with `--symmetry` (10 minutes and 8 GB each), and
 * the reduction `--por` gives there. `--bars` runs the bars alone.
 * (`npm run bench:spin` holds the SPIN bar.)
 */
const { values: flags } = parseArgs({ options: { bars: { type: "boolean" }, big: { type: "boolean" } } });
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
if (flags.bars !== true) await workers();
await bars(flags.big === true);

async function workers(): Promise<void> {
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
}

/** One `rollcall check --json` in a process of its own: its report. */
function checkRun(args: readonly string[]): { verdict: string; states: number; transitions: number; depth: number; seconds: number; statesPerSecond: number; peakMemoryMB: number } {
  const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));
  const r = spawnSync(process.execPath, [cli, "check", ...args, "--json", "--quiet"], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`rollcall check ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReturnType<typeof checkRun>;
}

/** The bars of issue 12, each measured against its target. */
async function bars(big: boolean): Promise<void> {
  let count = 0;
  let metCount = 0;
  const bar = (name: string, target: string, figure: string, met: boolean): void => {
    count++;
    if (met) metCount++;
    console.log(`bar: ${name}: ${figure} (target ${target}) ${met ? "met" : "NOT MET"}`);
  };
  const mb = (r: { peakMemoryMB: number; states: number }): number => Math.round((r.peakMemoryMB * 2 ** 20) / r.states);
  const plain = checkRun(["--no-liveness"]);
  bar("default bounds, counts", "97,733 states, 254,572 transitions, ok", `${plain.states.toLocaleString("en")} states, ${plain.transitions.toLocaleString("en")} transitions, ${plain.verdict}`,
    plain.states === 97_733 && plain.transitions === 254_572 && plain.verdict === "ok");
  bar("default bounds, states/s sequential (no liveness graph)", "1,000,000", `${plain.statesPerSecond.toLocaleString("en")} (${plain.seconds.toFixed(2)} s)`, plain.statesPerSecond >= 1_000_000);
  const live = checkRun([]);
  bar("default bounds, bytes a state (peak RSS over states, with liveness)", "64", `${mb(live)} (${live.peakMemoryMB} MB, ${live.seconds.toFixed(2)} s)`, mb(live) <= 64);
  const wide = checkRun(["--ops", "2,2"]);
  bar("--ops 2,2", "ok", `${wide.verdict}, ${wide.states.toLocaleString("en")} states, ${wide.seconds.toFixed(1)} s, ${wide.peakMemoryMB} MB, ${mb(wide)} B a state`, wide.verdict === "ok");
  if (!big) {
    console.log("bar: --drivers 3 --ops 2 (plain, --por, --symmetry) not run: --big runs them, up to 10 minutes each");
  } else {
    const limits = ["--drivers", "3", "--ops", "2", "--no-liveness", "--max-seconds", "600", "--max-memory", "8000"];
    const d3 = checkRun(limits);
    const figure = (r: typeof d3): string => `${r.verdict}, ${r.states.toLocaleString("en")} states, depth ${r.depth}, ${r.seconds.toFixed(0)} s, ${r.peakMemoryMB} MB`;
    bar("--drivers 3 --ops 2 --no-liveness", "ok in 10 min and 8 GB", figure(d3), d3.verdict === "ok");
    const por = checkRun([...limits, "--por"]);
    bar("--drivers 3 --ops 2 --no-liveness --por", "ok in 10 min and 8 GB", figure(por), por.verdict === "ok");
    const sym = checkRun([...limits, "--symmetry"]);
    bar("--drivers 3 --ops 2 --no-liveness --symmetry", "ok in 10 min and 8 GB", figure(sym), sym.verdict === "ok");
    const both = d3.verdict === "ok" && por.verdict === "ok";
    bar("--por's reduction on --drivers 3 --ops 2", "3 times fewer states", both ? `${(d3.states / por.states).toFixed(2)} times` : "undecided: the two searches must both end", both ? d3.states >= 3 * por.states : false);
  }
  console.log(`bars: ${metCount} of ${count} met`);
}
