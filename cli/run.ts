import { dirname } from "node:path";
import { InvalidScenario } from "../sim/scenario/error.js";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { describeFailure, runScenario, type ScenarioResult } from "../sim/scenario/run.js";
import { formatStepPath, type LoadedScenario } from "../sim/scenario/types.js";
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, InputError } from "./errors.js";
import { scenarioFiles } from "./files.js";
import { parseCount, parseProfile } from "./options.js";

export interface RunCliOptions {
  readonly target: string;
  readonly profile?: string;
  readonly json?: boolean;
  readonly maxStates?: string;
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
export function runCommand(paths: readonly string[], options: RunCliOptions): number {
  if (options.target !== "model") throw new InputError(`unknown target '${options.target}' (this version runs --target model)`);
  const profile = parseProfile(options.profile);
  const loaded = loadAll(paths, (line) => console.error(line));
  if (loaded === null) return EXIT_INVALID;
  const maxStates = options.maxStates === undefined ? undefined : parseCount(options.maxStates, "--max-states", 1);
  const results: ScenarioResult[] = [];
  for (const scenario of loaded) {
    const progress = process.stderr.isTTY ? (n: number) => process.stderr.write(`\r${scenario.file}: ${n} states explored…`) : undefined;
    const result = runScenario(scenario, { profile, maxStates, progress });
    if (progress !== undefined && result.explored >= 10_000) process.stderr.write("\n");
    results.push(result);
    if (options.json !== true) printResult(result);
  }
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  if (options.json === true) {
    console.log(JSON.stringify({ passed, failed, results: results.map(toJson) }, null, 2));
  } else {
    printTopics(results);
    console.log(`${passed} passed, ${failed} failed`);
  }
  return failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/** A summary by folder (topic) when the run spans several. */
function printTopics(results: readonly ScenarioResult[]): void {
  const topics = new Map<string, { passed: number; failed: number; profiles: Set<string> }>();
  for (const r of results) {
    const topic = dirname(r.file);
    const t = topics.get(topic) ?? { passed: 0, failed: 0, profiles: new Set<string>() };
    if (r.passed) t.passed++;
    else t.failed++;
    t.profiles.add(r.profile);
    topics.set(topic, t);
  }
  if (topics.size < 2) return;
  console.log("");
  const width = Math.max(...[...topics.keys()].map((k) => k.length));
  for (const [topic, t] of topics) {
    console.log(`  ${topic.padEnd(width)}  ${String(t.passed + t.failed).padStart(3)} scenarios  ${t.failed === 0 ? "all pass" : `${t.failed} FAIL`}  (${[...t.profiles].sort().join(", ")})`);
  }
  console.log("");
}

function printResult(r: ScenarioResult): void {
  const extra = r.worlds > 1 ? ` [${r.worlds} possible outcomes]` : "";
  if (r.passed) {
    console.log(`PASS ${r.file} (${r.profile}): ${r.title}${extra}`);
    return;
  }
  if (r.incomplete !== undefined) {
    console.log(`INCOMPLETE ${r.file} (${r.profile}): ${r.title}`);
    console.log(`  ${r.incomplete}`);
    return;
  }
  const f = r.failure!;
  const who = f.step.by === undefined ? "" : `${f.step.by} `;
  console.log(`FAIL ${r.file} (${r.profile}): ${r.title}`);
  console.log(`  at ${formatStepPath(f.path)} (${who}${f.step.do}):`);
  console.log(`    ${describeFailure(f)}`);
}

function toJson(r: ScenarioResult): object {
  return {
    file: r.file,
    title: r.title,
    profile: r.profile,
    status: r.passed ? "PASS" : r.incomplete !== undefined ? "INCOMPLETE" : "FAIL",
    incomplete: r.incomplete,
    outcomes: r.worlds,
    failure: r.failure === undefined ? undefined : {
      step: formatStepPath(r.failure.path),
      by: r.failure.step.by,
      do: r.failure.step.do,
      expected: r.failure.expected,
      observed: r.failure.observed,
      rule: r.failure.rule,
      interleaving: r.failure.interleaving,
    },
  };
}
