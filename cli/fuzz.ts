import { join } from "node:path";
import { DEFAULT_PROFILE } from "../model/index.js";
import { fuzz, fuzzRaces } from "../adapters/fuzz.js";
import { DEFAULT_SPACE } from "../sim/programs.js";
import { InProcessModelTarget } from "../adapters/model-server.js";
import { describeFailure } from "../sim/scenario/run.js";
import { formatStepPath, type Scenario } from "../sim/scenario/types.js";
import { EXIT_FAILED, EXIT_OK, InputError } from "./errors.js";
import { parseCount, parseProfile, parseRepeat } from "./options.js";
import { parseAddress, parseBug, parseTarget, startTarget, withAddress, withProfile } from "./targets.js";
import { checkOutDir, saveFinding } from "./output.js";
import { onInterrupt } from "./interrupt.js";

export interface FuzzCliOptions {
  readonly target: string;
  readonly runs: string;
  readonly seed?: string;
  readonly profile?: string;
  readonly maxMoves: string;
  readonly out: string;
  readonly stepTimeout: string;
  readonly race?: boolean;
  readonly shrinkTime: string;
  readonly bug?: string;
  /** Where a process target keeps its own log (--logs; default <out>/logs). */
  readonly logs?: string;
  /** Race mode: runs of each race (--repeat) and a time bound for them (--repeat-time, seconds). */
  readonly repeat: string;
  readonly repeatTime?: string;
  /** A user's own Ray cluster (its GCS address) to run on. */
  readonly address?: string;
  /** Worker nodes programs may add (--nodes; 0: no node events). */
  readonly nodes?: string;
  /** Constructors that fail in the programs (--init-fails). */
  readonly initFails?: boolean;
  /** GCS restarts in the programs (--gcs). */
  readonly gcs?: boolean;
}

/** `rollcall fuzz`: random programs on the target and on the model, compared step by step. */
export async function fuzzCommand(options: FuzzCliOptions): Promise<number> {
  const address = parseAddress(options.address, options.target);
  const parsed = parseTarget(options.target);
  const bug = parseBug(options.bug, parsed);
  const runs = parseCount(options.runs, "--runs", 1);
  const maxMoves = parseCount(options.maxMoves, "--max-moves", 1);
  const stepTimeoutMs = parseCount(options.stepTimeout, "--step-timeout", 1) * 1000;
  // A Ray release is fuzzed under its own profile (the model's table of releases) unless one is asked for.
  const asked = parseProfile(options.profile);
  const profile = asked ?? (parsed.kind === "process" ? parsed.profile : undefined) ?? DEFAULT_PROFILE;
  const spec = withAddress(withProfile(parsed, asked), address);
  const shrinkSeconds = parseCount(options.shrinkTime, "--shrink-time", 1);
  const repeat = parseRepeat(options.repeat, options.repeatTime);
  const nodes = parseCount(options.nodes ?? "0", "--nodes", 0);
  if (nodes > 4) throw new InputError(`--nodes must be from 0 to 4, got ${nodes}`);
  if (nodes > 0 && options.race === true) throw new InputError("--nodes is for plain fuzzing: race programs have no node events yet (leave out --race or --nodes)");
  const initFails = options.initFails === true;
  if (initFails && options.race === true) throw new InputError("--init-fails is for plain fuzzing: race programs have no failing constructors yet (leave out --race or --init-fails)");
  const gcs = options.gcs === true;
  if (gcs && options.race === true) throw new InputError("--gcs is for plain fuzzing: race programs have no GCS restarts yet (leave out --race or --gcs)");
  const space = { ...DEFAULT_SPACE, nodes, ...(initFails ? { initFails } : {}), ...(gcs ? { gcs } : {}) };
  if (options.race !== true && (repeat.times > 1 || repeat.seconds !== undefined)) throw new InputError("--repeat and --repeat-time repeat a race: they need --race");
  // The only place a seed is picked: from the clock, when none is given.
  const seed = options.seed === undefined ? Date.now() % 2 ** 31 : parseCount(options.seed, "--seed");
  if (seed > 0x7fffffff) throw new InputError(`--seed must be at most 2147483647, got ${seed}`);
  // A difference found after hours must have somewhere to go: checked before the first program.
  checkOutDir(options.out, "--out");
  const logs = spec.kind === "model" ? undefined : (options.logs ?? join(options.out, "logs"));
  if (logs !== undefined) checkOutDir(logs, "--logs");
  console.log(`seed ${seed}`);
  console.log(`fuzzing ${options.target} against the model (profile ${profile}): ${runs} programs of up to ${maxMoves} moves${nodes > 0 ? `, with up to ${nodes} worker node${nodes === 1 ? "" : "s"} (node faults on)` : ""}${initFails ? ", with constructors that raise or exit" : ""}${gcs ? ", with GCS restarts (tables in Redis)" : ""}`);
  const tty = process.stderr.isTTY;
  let lastReport = 0;
  let announced = false;
  const makeTarget = () => (spec.kind === "model" ? new InProcessModelTarget() : startTarget(spec, stepTimeoutMs, bug, logs));
  const progress = ({ programs, steps, seconds, shrinking }: { programs: number; steps: number; seconds: number; shrinking: boolean }) => {
      const line = `${programs} programs, ${steps} steps, ${seconds.toFixed(0)} s${shrinking ? " (shrinking a difference)" : ""}`;
      if (shrinking && !announced) {
        announced = true;
        process.stderr.write(`${tty ? "\n" : ""}a difference in program ${programs} after ${seconds.toFixed(1)} s: shrinking it (at most ${shrinkSeconds} s)\n`);
      }
      if (tty) process.stderr.write(`\r${line}`);
      else if (seconds - lastReport >= 30) {
        lastReport = seconds;
        process.stderr.write(`${line}\n`);
      }
  };
  // How to run a written scenario again: the same target, the same seeded bug.
  const replayIt = (file: string) => `rollcall run --target ${quote(options.target)}${bug === undefined ? "" : ` --bug ${quote(bug)}`} ${quote(file)}`;
  // Interrupted while shrinking: the smallest failing program so far is written, and how to replay it.
  let smallest: Scenario | null = null;
  const stopHook = onInterrupt(() => {
    if (smallest === null) return;
    const file = saveFinding(options.out, `${options.race === true ? "race" : "fuzz"}-seed${seed}-interrupted.json`, JSON.stringify(smallest, null, 2) + "\n", "the smallest failing program so far");
    if (file !== null) process.stderr.write(`\ninterrupted while shrinking: the smallest failing program so far is ${file}\nreplay it: ${replayIt(file)}\n`);
  });
  const onSmaller = (scenario: Scenario) => {
    smallest = scenario;
  };
  try {
    if (options.race === true) return await raceCommand(options, { runs, seed, profile, maxMoves, target: makeTarget, progress, shrinkSeconds, onSmaller, repeat }, tty, replayIt);
    return await plainFuzz(options, { runs, seed, profile, maxMoves, target: makeTarget, progress, shrinkSeconds, onSmaller, ...(nodes > 0 || initFails || gcs ? { space } : {}) }, tty, replayIt);
  } finally {
    stopHook();
  }
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

async function plainFuzz(options: FuzzCliOptions, fuzzOptions: Parameters<typeof fuzz>[0], tty: boolean, replayIt: (file: string) => string): Promise<number> {
  const { seed, shrinkSeconds } = fuzzOptions;
  // The first failing program is written at once, so it can be looked at while shrinking goes on.
  const onFirstDifference = (scenario: Scenario) => {
    fuzzOptions.onSmaller?.(scenario);
    const file = saveFinding(options.out, `fuzz-seed${seed}-unshrunk.json`, JSON.stringify(scenario, null, 2) + "\n", "the failing program before shrinking");
    if (file !== null) process.stderr.write(`the program before shrinking: ${file}\n`);
  };
  const report = await fuzz({ ...fuzzOptions, onFirstDifference });
  if (tty) process.stderr.write("\n");
  // The rate counts every program run, the shrinker's too, over the whole time.
  const perMinute = report.seconds > 0 ? ((report.programs + report.shrinkRuns) / report.seconds) * 60 : 0;
  const shrinkRuns = report.shrinkRuns > 0 ? ` (+${report.shrinkRuns} while shrinking)` : "";
  const explainedCount = report.explained.reduce((n, e) => n + e.programs, 0);
  const explainedText = explainedCount === 0 ? "" : `, explained by another release's profile ${explainedCount}`;
  console.log(`programs ${report.programs}${shrinkRuns}, steps ${report.steps}, differences ${report.difference === undefined ? 0 : 1}${explainedText}, seconds ${report.seconds.toFixed(1)} (${perMinute.toFixed(0)} programs/min)`);
  for (const e of report.explained) {
    const file = saveFinding(options.out, `fuzz-seed${seed}-explained-${e.profile}.json`, JSON.stringify(e.scenario, null, 2) + "\n", `the first program profile ${e.profile} explains`);
    console.log(`  ${e.programs} program${e.programs === 1 ? "" : "s"} parted from profile ${fuzzOptions.profile} the way profile ${e.profile} says (a known change between releases, noted; the run went on; ${report.explainRuns} runs to tell): ${file ?? "not written"}`);
  }
  if (report.difference === undefined) return EXIT_OK;
  const { scenario, result, shrinks, foundAfterSeconds } = report.difference;
  const file = saveFinding(options.out, `fuzz-seed${seed}.json`, JSON.stringify(scenario, null, 2) + "\n", "the shrunk failing scenario");
  console.log(`difference found after ${report.programs} programs (${foundAfterSeconds.toFixed(1)} s); shrunk ${shrinks} times (${report.shrinkRuns} more runs${report.shrinkCut === true ? `, stopped at the --shrink-time bound of ${shrinkSeconds} s` : ""}) to a scenario of ${scenario.steps.length} steps: ${file ?? "not written (printed in full on stderr)"}`);
  if (result.failure !== undefined) {
    console.log(`  at ${formatStepPath(result.failure.path)} (${result.failure.step.by ?? ""} ${result.failure.step.do}):`);
    console.log(`    ${describeFailure(result.failure)}`);
  } else if (result.verdict !== undefined) {
    console.log(`  the target misbehaved: ${result.verdict.kind}: ${result.verdict.message}`);
  }
  if (file !== null) console.log(`replay it: ${replayIt(file)}`);
  return EXIT_FAILED;
}

async function raceCommand(options: FuzzCliOptions, fuzzOptions: Parameters<typeof fuzzRaces>[0], tty: boolean, replayIt: (file: string) => string): Promise<number> {
  const report = await fuzzRaces(fuzzOptions);
  if (tty) process.stderr.write("\n");
  const perMinute = report.seconds > 0 ? ((report.programs + report.shrinkRuns) / report.seconds) * 60 : 0;
  const shrinkRuns = report.shrinkRuns > 0 ? ` (+${report.shrinkRuns} while shrinking)` : "";
  const undecided = report.undecided > 0 ? `, undecided ${report.undecided} (the model's outcomes past the oracle's bound of 200,000 states)` : "";
  const times = fuzzOptions.repeat?.times ?? 1;
  const each = times > 1 ? ` (each run up to ${times} times${fuzzOptions.repeat?.seconds === undefined ? "" : ` or ${fuzzOptions.repeat.seconds} s`})` : "";
  console.log(`races ${report.programs}${shrinkRuns}${each}, differences ${report.difference === undefined ? 0 : 1}${undecided}, seconds ${report.seconds.toFixed(1)} (${perMinute.toFixed(0)} races/min)`);
  if (report.difference === undefined) return EXIT_OK;
  const d = report.difference;
  const about = d.prefixFailed === true ? `${d.scenario.about ?? ""}; the settled steps before the race already part: the target gave ${d.observed ?? "?"} at the last step` : `${d.scenario.about ?? ""}; the last step is a race: the target gave ${d.observed ?? "?"}; the model allows ${JSON.stringify(d.allowed ?? [])}`;
  const file = saveFinding(options.out, `race-seed${fuzzOptions.seed}.json`, JSON.stringify({ ...d.scenario, about }, null, 2) + "\n", "the failing race");
  console.log(d.prefixFailed === true ? `the settled prefix already differs: ${d.observed}` : "the target's outcome of the race is not one the model allows");
  if (d.prefixFailed !== true) {
    const forbidden = d.outcomes?.find((o) => o.outcome === d.observed);
    console.log(`  observed: ${d.observed}${forbidden === undefined || d.runs === undefined || d.runs < 2 ? "" : ` (in ${forbidden.count} of ${d.runs} runs)`}`);
    for (const a of (d.allowed ?? []).slice(0, 8)) console.log(`  allowed:  ${a}`);
    if (d.outcomes !== undefined && d.outcomes.length > 1) {
      console.log(`  every outcome the ${d.runs} runs of the shrunk race gave:`);
      for (const o of d.outcomes) console.log(`    ${String(o.count).padStart(4)}×  ${o.allowed ? "allowed  " : "FORBIDDEN"}  ${o.outcome}`);
    }
  }
  if (report.shrinkCut === true) console.log(`(shrinking stopped at the --shrink-time bound of ${fuzzOptions.shrinkSeconds} s)`);
  if (file !== null) {
    console.log(`written: ${file}`);
    console.log(`replay it: ${replayIt(file)}`);
  }
  return EXIT_FAILED;
}
