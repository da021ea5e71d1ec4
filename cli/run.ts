import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { isMutantName, isProfileName, PROFILES, type ProfileName } from "../model/index.js";
import type { Repeat } from "../adapters/race.js";
import { runOnTarget, type TargetResult } from "../adapters/run-target.js";
import { TargetRefusedError, type Target } from "../adapters/target.js";
import { InvalidScenario } from "../sim/scenario/error.js";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { describeFailure, runScenarioPaced, type ScenarioResult, type StepFailure } from "../sim/scenario/run.js";
import { drainAsync } from "../sim/pace.js";
import { formatStepPath, isParallel, type LoadedScenario } from "../sim/scenario/types.js";
import { scenarioFeatures } from "../sim/scenario/features.js";
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, InputError } from "./errors.js";
import { scenarioFiles } from "./files.js";
import { checkOutDir } from "./output.js";
import { parseCount, parseProfile, parseRepeat } from "./options.js";
import { parseAddress, parseBug, parseTarget, startTarget, withAddress, withProfile, type TargetSpec } from "./targets.js";

export interface RunCliOptions {
  readonly target: string;
  readonly profile?: string;
  readonly mutant?: string;
  readonly bug?: string;
  readonly json?: boolean;
  readonly maxStates?: string;
  readonly stepTimeout: string;
  readonly known?: string;
  /** Where a process target keeps its own log (--logs). */
  readonly logs?: string;
  /** Runs of a scenario with a parallel block on a real implementation (--repeat), within --repeat-time seconds. */
  readonly repeat?: string;
  readonly repeatTime?: string;
  /** A user's own Ray cluster (its GCS address) to run on. */
  readonly address?: string;
}

/** A scenario the target is known to fail, at a step, for a reason (a Ray bug, or a behaviour the model leaves out). */
interface KnownDifference {
  readonly file: string;
  readonly step: string;
  readonly observed: string;
  readonly why: string;
  readonly link?: string;
}

export function loadKnown(file: string | undefined): Map<string, KnownDifference> {
  const known = new Map<string, KnownDifference>();
  if (file === undefined) return known;
  let data: { differences?: KnownDifference[] };
  try {
    data = JSON.parse(readFileSync(file, "utf8")) as { differences?: KnownDifference[] };
  } catch (e) {
    throw new InputError(`${file}: cannot read the known differences (${(e as Error).message})`);
  }
  if (!Array.isArray(data.differences)) throw new InputError(`${file}: differences: must be a list of { file, step, observed, why }`);
  data.differences.forEach((d, i) => {
    if (typeof d.file !== "string" || typeof d.step !== "string" || typeof d.why !== "string") throw new InputError(`${file}: differences[${i}]: needs file, step and why`);
    known.set(normalize(d.file), d);
  });
  return known;
}

export function normalize(path: string): string {
  return relative(process.cwd(), resolve(path));
}

/** One scenario's outcome, whatever ran it. */
export interface Outcome {
  readonly file: string;
  readonly title: string;
  readonly profile: ProfileName;
  readonly status: "PASS" | "FAIL" | "INCOMPLETE" | "ERROR" | "KNOWN" | "SKIP";
  readonly failure?: StepFailure;
  readonly note?: string;
  readonly outcomes?: number;
  readonly seconds?: number;
}

/** Loads every file first; any invalid one stops the run before anything runs (exit 2). */
export function loadAll(paths: readonly string[], out: (line: string) => void): LoadedScenario[] | null {
  const loaded: LoadedScenario[] = [];
  let invalid = 0;
  for (const file of scenarioFiles(paths)) {
    try {
      loaded.push(loadScenarioFile(file));
    } catch (e) {
      if (!(e instanceof InvalidScenario)) throw e;
      invalid++;
      for (const p of e.problems) out(`invalid: ${p.message}`);
    }
  }
  return invalid > 0 ? null : loaded;
}

/** `rollcall run`: every scenario on the target, PASS or FAIL, and `N passed, M failed`. */
export async function runCommand(paths: readonly string[], options: RunCliOptions): Promise<number> {
  const profile = parseProfile(options.profile);
  const address = parseAddress(options.address, options.target);
  const target = withAddress(withProfile(parseTarget(options.target), profile), address);
  const bug = parseBug(options.bug, target);
  const stepTimeoutMs = parseCount(options.stepTimeout, "--step-timeout", 1) * 1000;
  const maxStates = options.maxStates === undefined ? undefined : parseCount(options.maxStates, "--max-states", 1);
  const mutant = options.mutant;
  if (mutant !== undefined) {
    if (!isMutantName(mutant)) throw new InputError(`--mutant: unknown mutant '${mutant}' (rollcall check --list-mutants lists them)`);
    if (target.kind !== "model") throw new InputError("--mutant runs the model with a seeded bug: it needs --target model");
  }
  const loaded = loadAll(paths, (line) => console.error(line));
  if (loaded === null) return EXIT_INVALID;
  const known = loadKnown(options.known);
  const repeat = parseRepeat(options.repeat, options.repeatTime);
  if (target.kind === "model" && (repeat.times > 1 || repeat.seconds !== undefined)) throw new InputError("--repeat runs a parallel block again on a real implementation; the model already explores every interleaving");
  const logs = target.kind === "model" ? undefined : (options.logs ?? "rollcall-logs");
  if (logs !== undefined) checkOutDir(logs, "--logs");
  const outcomes: Outcome[] = [];
  const report = (raw: Outcome): void => {
    const o = applyKnown(raw, known.get(normalize(raw.file)));
    outcomes.push(o);
    if (options.json !== true) printOutcome(o);
  };
  if (target.kind === "model") {
    for (const scenario of loaded) {
      const progress = process.stderr.isTTY ? (n: number) => process.stderr.write(`\r${scenario.file}: ${n} states explored…`) : undefined;
      const result = await drainAsync(runScenarioPaced(scenario, { profile, maxStates, progress, ...(mutant === undefined ? {} : { mutant }) }));
      if (progress !== undefined && result.explored >= 10_000) process.stderr.write("\n");
      report(fromModel(result));
    }
  } else {
    await runOnProcessTarget(loaded, target, { profile, bug, stepTimeoutMs, logs, maxStates, repeat, name: options.target }, report);
  }
  const passed = outcomes.filter((o) => o.status === "PASS" || o.status === "KNOWN").length;
  const skipped = outcomes.filter((o) => o.status === "SKIP").length;
  const failed = outcomes.length - passed - skipped;
  const knownCount = outcomes.filter((o) => o.status === "KNOWN").length;
  if (options.json === true) {
    console.log(JSON.stringify({ target: options.target, passed, failed, skipped, results: outcomes.map(toJson) }, null, 2));
  } else {
    printTopics(outcomes);
    if (skipped > 0) console.log(`(${skipped} skipped: written for a profile or a format version this target does not implement)`);
    if (knownCount > 0) console.log(`(${knownCount} of the passed are known differences of this target, listed in ${options.known})`);
    console.log(`${passed} passed, ${failed} failed`);
  }
  return failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/** How runOnProcessTarget runs scenarios. */
export interface ProcessRunOptions {
  /** The profile asked for (--profile): every scenario runs under it; else each under its own, or a stand-in. */
  readonly profile: ProfileName | undefined;
  readonly bug: string | undefined;
  readonly stepTimeoutMs: number;
  readonly logs: string | undefined;
  readonly maxStates: number | undefined;
  readonly repeat: Repeat;
  /** How messages name the target (what --target said). */
  readonly name: string;
}

/**
 * Runs loaded scenarios on a process target, reporting each outcome as it
 * comes: one implementation for all of them (a fresh one after a verdict),
 * a scenario of another profile skipped or run under a stand-in (standIn).
 */
export async function runOnProcessTarget(loaded: readonly LoadedScenario[], target: Extract<TargetSpec, { kind: "process" }>, o: ProcessRunOptions, report: (outcome: Outcome) => void): Promise<void> {
  const { profile, maxStates, repeat } = o;
  let running: Target | null = null;
  let profiles: readonly string[] | null = null;
  let formats: readonly number[] = [1];
  let features: readonly string[] = [];
  try {
    for (const scenario of loaded) {
      // Starting the target (its hello) is timed with the scenario that starts it.
      let startSeconds = 0;
      if (running === null) {
        const started = performance.now();
        running = startTarget(target, o.stepTimeoutMs, o.bug, o.logs);
        try {
          const hello = await running.hello();
          profiles = hello.profiles;
          formats = hello.formats ?? [1];
          features = hello.features ?? [];
        } catch {
          profiles = null; // its verdict comes with the scenario's own run
        }
        startSeconds = (performance.now() - started) / 1000;
        // A profile asked for by name that the target does not implement: refused once, not a run of SKIPs.
        if (profile !== undefined && profiles !== null && profiles.length > 0 && !profiles.includes(profile)) {
          throw new TargetRefusedError(`the target ${o.name} does not implement profile ${profile} (its hello lists ${profiles.join(", ")})`);
        }
      }
      const version = scenario.scenario.version ?? 1;
      if (!formats.includes(version)) {
        report({ file: scenario.file, title: scenario.scenario.title, profile: (profile ?? scenario.scenario.profile ?? "ray") as ProfileName, status: "SKIP", note: `format version ${version} (nodes): this target runs format ${formats.join(", ")} only` });
        continue;
      }
      const missing = scenarioFeatures(scenario.scenario).filter((f) => !features.includes(f));
      if (missing.length > 0) {
        report({ file: scenario.file, title: scenario.scenario.title, profile: (profile ?? scenario.scenario.profile ?? "ray") as ProfileName, status: "SKIP", note: `uses ${missing.join(", ")} (format version 2): this target's hello does not list ${missing.length === 1 ? "it" : "them"} in its features` });
        continue;
      }
      const wanted = profile ?? scenario.scenario.profile ?? "ray";
      let runAs = profile;
      let note: string | undefined;
      if (profiles !== null && profiles.length > 0 && !profiles.includes(wanted)) {
        // A scenario written for another Ray release still runs when the model says its expectations hold under this one's profile.
        const stand = profile === undefined ? await standIn(scenario, wanted as ProfileName, profiles, maxStates) : { profile: null, why: "" };
        if (stand.profile === null) {
          report({ file: scenario.file, title: scenario.scenario.title, profile: wanted as ProfileName, status: "SKIP", note: `profile ${wanted}: this target implements ${profiles.join(", ")}${stand.why}` });
          continue;
        }
        runAs = stand.profile;
        note = `written for ${wanted}; the model gives the same outcome under ${stand.profile}, the profile of this target`;
      }
      const repeated = await runRepeated(scenario, running, runAs, repeat);
      const result = repeated.result;
      const outcome = withRuns(fromTarget({ ...result, seconds: repeated.seconds + startSeconds }), repeated);
      report(note === undefined ? outcome : { ...outcome, note: outcome.note === undefined ? note : `${outcome.note}; ${note}` });
      if (result.verdict !== undefined) {
        // A misbehaving implementation is stopped; the next scenario gets a fresh one.
        await running.close();
        running = null;
      }
    }
  } finally {
    await running?.close();
  }
}

/** What repeating a scenario gave: the run to report (the first failing one, else the last), how many ran and failed. */
interface Repeated {
  readonly result: TargetResult;
  readonly runs: number;
  readonly failed: number;
  readonly seconds: number;
}

/**
 * A scenario with a parallel block runs `repeat.times` times (within
 * `repeat.seconds`): a race on a real implementation is a rare event. It stops
 * at a verdict (the implementation misbehaved); otherwise every run counts.
 * A scenario without a block runs once.
 */
async function runRepeated(scenario: LoadedScenario, target: Target, profile: ProfileName | undefined, repeat: Repeat): Promise<Repeated> {
  const times = scenario.scenario.steps.some(isParallel) ? repeat.times : 1;
  const started = performance.now();
  let first: TargetResult | null = null;
  let last: TargetResult | null = null;
  let runs = 0;
  let failed = 0;
  do {
    last = await runOnTarget(scenario, target, profile);
    runs++;
    if (!last.passed) {
      failed++;
      first ??= last;
    }
    if (last.verdict !== undefined) break;
  } while (runs < times && (repeat.seconds === undefined || performance.now() - started < repeat.seconds * 1000));
  return { result: first ?? last, runs, failed, seconds: (performance.now() - started) / 1000 };
}

/** A repeated scenario's outcome says how many of its runs failed. */
function withRuns(o: Outcome, r: Repeated): Outcome {
  if (r.runs < 2) return o;
  const runs = r.failed === 0 ? `passed all ${r.runs} runs` : `failed ${r.failed} of ${r.runs} runs (the first failing one is shown)`;
  return { ...o, note: o.note === undefined ? runs : `${runs}; ${o.note}` };
}

/**
 * The profile of the target under which a scenario written for another Ray
 * profile keeps its meaning: one of the target's Ray profiles under which the
 * model passes the scenario as written. Scenarios of the seed (no Ray release)
 * never stand in. `why`: for the SKIP note, where the model parts.
 */
async function standIn(scenario: LoadedScenario, wanted: ProfileName, profiles: readonly string[], maxStates: number | undefined): Promise<{ profile: ProfileName | null; why: string }> {
  if (PROFILES[wanted].releases === null) return { profile: null, why: "" };
  let why = "";
  for (const p of profiles) {
    if (!isProfileName(p) || PROFILES[p].releases === null) continue;
    const r = await drainAsync(runScenarioPaced(scenario, { profile: p, maxStates }));
    if (r.passed) return { profile: p, why: "" };
    if (why === "" && r.failure !== undefined) why = `, under which the model parts from this scenario at ${formatStepPath(r.failure.path)}`;
  }
  return { profile: null, why };
}

/**
 * A known difference that happens as recorded is KNOWN (it counts as passing);
 * one that no longer happens, or happens elsewhere, fails, so the list stays true.
 */
export function applyKnown(o: Outcome, k: KnownDifference | undefined): Outcome {
  if (k === undefined) return o;
  if (o.status === "FAIL" && o.failure !== undefined && formatStepPath(o.failure.path) === k.step) {
    return { ...o, status: "KNOWN", note: `known difference: ${k.why}${k.link === undefined ? "" : ` (${k.link})`}` };
  }
  if (o.status === "PASS") return { ...o, status: "FAIL", note: `listed as a known difference at ${k.step}, but it passes now: update the list` };
  return { ...o, note: `${o.note ?? ""}${o.note === undefined ? "" : "; "}listed as a known difference at ${k.step}, but it failed differently` };
}

function fromModel(r: ScenarioResult): Outcome {
  const status = r.passed ? "PASS" : r.incomplete !== undefined ? "INCOMPLETE" : "FAIL";
  return { file: r.file, title: r.title, profile: r.profile, status, failure: r.failure, note: r.incomplete, outcomes: r.worlds };
}

function fromTarget(r: TargetResult): Outcome {
  if (r.verdict !== undefined) {
    const where = r.verdict.path === null ? "before the first step" : `at ${formatStepPath(r.verdict.path)}`;
    return { file: r.file, title: r.title, profile: r.profile, status: "ERROR", note: `${r.verdict.kind} ${where}: ${r.verdict.message}`, seconds: r.seconds };
  }
  return { file: r.file, title: r.title, profile: r.profile, status: r.passed ? "PASS" : "FAIL", failure: r.failure, seconds: r.seconds };
}

/** A summary by folder (topic) when the run spans several. */
function printTopics(outcomes: readonly Outcome[]): void {
  const topics = new Map<string, { passed: number; failed: number; profiles: Set<string> }>();
  for (const o of outcomes) {
    const topic = dirname(o.file);
    const t = topics.get(topic) ?? { passed: 0, failed: 0, profiles: new Set<string>() };
    if (o.status === "SKIP") continue;
    if (o.status === "PASS" || o.status === "KNOWN") t.passed++;
    else t.failed++;
    t.profiles.add(o.profile);
    topics.set(topic, t);
  }
  if (topics.size < 2) return;
  console.log("");
  const width = Math.max(...[...topics.keys()].map((k) => k.length));
  for (const [topic, t] of topics) {
    console.log(`  ${topic.padEnd(width)}  ${String(t.passed + t.failed).padStart(3)} scenarios  ${t.failed === 0 ? "all pass" : `${t.failed} not passing`}  (${[...t.profiles].sort().join(", ")})`);
  }
  console.log("");
}

function printOutcome(o: Outcome): void {
  const extra = (o.outcomes ?? 1) > 1 ? ` [${o.outcomes} possible outcomes]` : "";
  const time = o.seconds === undefined ? "" : ` (${o.seconds.toFixed(1)} s)`;
  console.log(`${o.status} ${o.file} (${o.profile}): ${o.title}${extra}${time}`);
  if (o.note !== undefined) console.log(`  ${o.note}`);
  if (o.failure !== undefined) {
    const who = o.failure.step.by === undefined ? "" : `${o.failure.step.by} `;
    console.log(`  at ${formatStepPath(o.failure.path)} (${who}${o.failure.step.do}):`);
    console.log(`    ${describeFailure(o.failure)}`);
  }
}

function toJson(o: Outcome): object {
  return {
    file: o.file,
    title: o.title,
    profile: o.profile,
    status: o.status,
    note: o.note,
    outcomes: o.outcomes,
    seconds: o.seconds,
    failure: o.failure === undefined ? undefined : {
      step: formatStepPath(o.failure.path),
      by: o.failure.step.by,
      do: o.failure.step.do,
      expected: o.failure.expected,
      observed: o.failure.observed,
      rule: o.failure.rule,
      interleaving: o.failure.interleaving,
    },
  };
}
