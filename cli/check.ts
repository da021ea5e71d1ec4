import { GCS_MUTANT_NAMES, INIT_MUTANT_NAMES, MUTANTS, MUTANT_NAMES, NODE_MUTANT_NAMES, isMutantName, type MutantName } from "../model/index.js";
import { checkPaced, type CheckOptions, type CheckProgress, type CheckResult } from "../checker/explore.js";
import { drainAsync } from "../sim/pace.js";
import { mutantSearch, profileSearch } from "../checker/mutant.js";
import { checkParallel } from "../checker/parallel.js";
import type { CounterexampleScenario } from "../checker/counterexample.js";
import { DEFAULT_UNIVERSE as BASE_UNIVERSE, NODE_UNIVERSE, OPERATIONS, OPERATION_HELP, universeLaws, validateUniverse, type Operation, type Universe } from "../checker/universe.js";
import { traceToItf } from "../checker/itf.js";
import { checkLivenessPaced, type LivenessCheck } from "../checker/liveness.js";
import { livenessReport, printLivenessViolation, type LivenessViolationRow } from "./liveness.js";
import { checkReducedPaced, type PorFigures } from "../checker/por.js";
import { EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, InputError } from "./errors.js";
import { parseCount, parseProfile } from "./options.js";
import { checkOutDir, checkOutFile, saveFinding, saveFindingFile } from "./output.js";

export interface CheckFlags {
  readonly profile?: string;
  readonly drivers?: string;
  readonly namespaces?: string;
  readonly names?: string;
  readonly ops?: string;
  readonly maxRestarts?: string;
  readonly faults?: boolean;
  readonly operations?: string;
  readonly mutant?: string;
  readonly listMutants?: boolean;
  readonly maxStates?: string;
  readonly maxSeconds?: string;
  readonly maxMemory?: string;
  readonly out: string;
  readonly itf?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly symmetry?: boolean;
  /** False (`--no-liveness`): the graph is not recorded and the eventually laws are not decided. */
  readonly liveness?: boolean;
  readonly por?: boolean;
  readonly workers?: string;
  /** Worker nodes (--nodes; absent: the head alone). */
  readonly nodes?: string;
  /** Constructors that fail (--init-fails). */
  readonly initFails?: boolean;
  /** GCS restarts (--gcs). */
  readonly gcs?: boolean;
}

/** The universe the flags describe: the defaults, changed by each flag given. */
export function universeFromFlags(flags: CheckFlags): Universe {
  // With worker nodes the defaults are the node universe's (smaller: node faults multiply the interleavings).
  const nodes = flags.nodes === undefined ? 0 : parseCount(flags.nodes, "--nodes");
  const DEFAULT_UNIVERSE: Universe = nodes > 0 ? { ...NODE_UNIVERSE, nodes } : BASE_UNIVERSE;
  const drivers = flags.drivers === undefined ? undefined : parseCount(flags.drivers, "--drivers", 1);
  let ops: number = DEFAULT_UNIVERSE.ops;
  let driverOps: readonly number[] | undefined = DEFAULT_UNIVERSE.driverOps;
  if (flags.ops !== undefined) {
    const parts = flags.ops.split(",").map((p) => parseCount(p.trim(), "--ops"));
    ops = Math.max(...parts);
    driverOps = parts.length === 1 ? undefined : parts;
  }
  const count = drivers ?? driverOps?.length ?? DEFAULT_UNIVERSE.drivers;
  if (driverOps !== undefined && driverOps.length !== count) {
    if (flags.ops === undefined) driverOps = Array.from({ length: count }, (_, i) => DEFAULT_UNIVERSE.driverOps?.[i] ?? Math.min(...(DEFAULT_UNIVERSE.driverOps ?? [ops])));
    else throw new InputError(`--ops gives ${driverOps.length} counts (${flags.ops}) for ${count} drivers: give one count, or one per driver`);
  }
  let operations: readonly Operation[] = DEFAULT_UNIVERSE.operations;
  if (flags.operations !== undefined) {
    const names = flags.operations.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    for (const n of names) if (!(OPERATIONS as readonly string[]).includes(n)) throw new InputError(`--operations: unknown operation '${n}' (known: ${OPERATIONS.join(", ")})`);
    operations = names as Operation[];
  }
  const universe: Universe = {
    profile: parseProfile(flags.profile) ?? DEFAULT_UNIVERSE.profile,
    drivers: count,
    namespaces: flags.namespaces === undefined ? DEFAULT_UNIVERSE.namespaces : parseCount(flags.namespaces, "--namespaces", 1),
    names: flags.names === undefined ? DEFAULT_UNIVERSE.names : parseCount(flags.names, "--names", 1),
    ops,
    ...(driverOps === undefined ? {} : { driverOps }),
    maxRestarts: flags.maxRestarts === undefined ? DEFAULT_UNIVERSE.maxRestarts : parseCount(flags.maxRestarts, "--max-restarts"),
    faults: flags.faults ?? DEFAULT_UNIVERSE.faults,
    operations,
    ...(nodes > 0 ? { nodes } : {}),
    ...(flags.initFails === true ? { initFails: true } : {}),
    ...(flags.gcs === true ? { gcs: true } : {}),
  };
  try {
    validateUniverse(universe);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  return universe;
}

/** `rollcall check`: explore every interleaving of the universe, prove the laws or print the shortest counterexample. */
export async function checkCommand(flags: CheckFlags): Promise<number> {
  if (flags.listMutants === true) {
    if (flags.json === true) {
      console.log(JSON.stringify(MUTANT_NAMES.map((name) => ({ name, summary: MUTANTS[name].summary, law: MUTANTS[name].law })), null, 2));
    } else {
      const width = Math.max(...MUTANT_NAMES.map((n) => n.length));
      for (const name of MUTANT_NAMES) console.log(`${name.padEnd(width)}  ${MUTANTS[name].summary} (breaks ${MUTANTS[name].law})`);
    }
    return EXIT_OK;
  }
  let mutant: MutantName | undefined;
  if (flags.mutant !== undefined) {
    if (!isMutantName(flags.mutant)) throw new InputError(`--mutant: unknown mutant '${flags.mutant}' (rollcall check --list-mutants lists them)`);
    mutant = flags.mutant;
  }
  // A bug of node deaths shows only with worker nodes: without --nodes, it is checked with two.
  const nodeBug = mutant !== undefined && NODE_MUTANT_NAMES.includes(mutant) && flags.nodes === undefined;
  // A bug of failing constructors shows only where constructors fail: it is checked with --init-fails.
  const initBug = mutant !== undefined && INIT_MUTANT_NAMES.includes(mutant) && flags.initFails !== true;
  // A bug of GCS restarts shows only where the GCS restarts: it is checked with --gcs.
  const gcsBug = mutant !== undefined && GCS_MUTANT_NAMES.includes(mutant) && flags.gcs !== true;
  const universe = universeFromFlags({ ...flags, ...(nodeBug ? { nodes: "2" } : {}), ...(initBug ? { initFails: true } : {}), ...(gcsBug ? { gcs: true } : {}) });
  if (gcsBug && flags.json !== true) console.log(`(${mutant} is a bug of GCS restarts: checked with --gcs)`);
  if (nodeBug && flags.json !== true) console.log(`(${mutant} is a bug of node deaths: checked with --nodes 2)`);
  if (initBug && flags.json !== true) console.log(`(${mutant} is a bug of failing constructors: checked with --init-fails)`);
  const maxStates = flags.maxStates === undefined ? undefined : parseCount(flags.maxStates, "--max-states", 1);
  const maxSeconds = flags.maxSeconds === undefined ? undefined : parseCount(flags.maxSeconds, "--max-seconds", 1);
  const human = flags.json !== true;
  if (human) console.log(`rollcall check: ${describeUniverse(universe)}${mutant === undefined ? "" : `, seeded bug ${mutant}`}`);

  const meter = progressMeter(flags.quiet === true);
  const started = performance.now();
  const options = {
    now: () => performance.now(),
    symmetry: flags.symmetry === true,
    progress: meter.update,
    ...(maxStates === undefined ? {} : { maxStates }),
    ...(maxSeconds === undefined ? {} : { maxMillis: maxSeconds * 1000 }),
    maxMemoryMB: flags.maxMemory === undefined ? 16_384 : parseCount(flags.maxMemory, "--max-memory", 64),
    memoryMB: () => process.memoryUsage().rss / 2 ** 20,
  };
  const workers = flags.workers === undefined ? 1 : parseCount(flags.workers, "--workers", 1);
  if (flags.por === true && workers > 1) throw new InputError("--por runs with one worker (--workers 1)");
  // Liveness (checker/liveness.ts): decided on the graph of the first search without symmetry or reduction, with one worker.
  let live: LivenessCheck | null = null;
  // --por (checker/por.ts): the reduced search, re-run without reduction when it meets a violation.
  let por: PorFigures | null = null;
  const search = async (u: Universe, o: CheckOptions): Promise<CheckResult> => {
    if (flags.por === true) {
      const r = await drainAsync(checkReducedPaced(u, o));
      if (por === null) por = r.por; // the first search's (with --symmetry, the second is the count without it)
      return r;
    }
    if (workers > 1) return checkParallel(u, workers, o);
    if (o.symmetry === true || live !== null || flags.liveness === false) return drainAsync(checkPaced(u, o));
    live = await drainAsync(checkLivenessPaced(u, o));
    return live.result;
  };
  const bugSearch = mutant !== undefined ? mutantSearch(universe, mutant, options) : universe.profile !== "ray" ? profileSearch(universe, options) : null;
  // Where a counterexample would go, checked before the search: a finding is never lost to a bad path.
  if (bugSearch !== null) checkOutDir(flags.out, "--out");
  if (flags.itf !== undefined) checkOutFile(flags.itf, "--itf");
  let result: CheckResult;
  let scenario: CounterexampleScenario | null = null;
  let shortest: number | null = null;
  try {
    if (bugSearch !== null) {
      // A seeded bug, or a profile that breaks a law (ray-2.49's double release: the scenario expects what Ray 2.60 does).
      const m = bugSearch.finish(await search(bugSearch.universe, bugSearch.options));
      result = m.result;
      scenario = m.scenario;
      shortest = m.shortest;
    } else {
      result = await search(universe, options);
      shortest = result.violation?.trace.length ?? null;
    }
  } catch (e) {
    // The model threw on some transition: a bug in the model or the checker, reported as the verdict `error`.
    meter.done();
    const message = (e as Error).message;
    if (flags.json === true) console.log(JSON.stringify({ verdict: "error", message, universe, ...(mutant === undefined ? {} : { mutant }) }, null, 2));
    else console.log(`\n  verdict      error: ${message}\n  (a bug in the model or the checker: ROLLCALL_DEBUG=1 shows where)`);
    if (process.env.ROLLCALL_DEBUG !== undefined) console.error((e as Error).stack);
    return EXIT_INTERNAL;
  }
  const seconds = (performance.now() - started) / 1000;
  meter.done();
  // With symmetry, the unreduced count too, from a second search with progress of its own. It is a figure, not the
  // verdict: it gets what is left of --max-seconds, or without it ten times the reduced search's time (a minute at least).
  let unreduced: CheckResult | null = null;
  let comparePeakMB = 0;
  if (flags.symmetry === true) {
    const compare = progressMeter(flags.quiet === true, "without symmetry: ");
    const budget = maxSeconds === undefined ? Math.max(60, 10 * seconds) : Math.max(0, maxSeconds - seconds);
    const plain = { ...options, symmetry: false, progress: compare.update, maxMillis: budget * 1000 };
    try {
      unreduced = bugSearch !== null ? await search(bugSearch.universe, { ...bugSearch.options, ...plain }) : await search(universe, plain);
    } finally {
      compare.done();
      comparePeakMB = compare.peakMB();
    }
  }
  const peakMB = Math.max(meter.peakMB(), comparePeakMB, process.memoryUsage().rss / 2 ** 20);

  let scenarioFile: string | null = null;
  let itfFile: string | null = null;
  if (result.violation !== undefined) {
    const base = `check-${mutant ?? universe.profile}-${result.violation.law}`;
    if (scenario !== null) {
      scenarioFile = saveFinding(flags.out, `${base}.json`, JSON.stringify(scenario.scenario, null, 2) + "\n", "the counterexample scenario");
    }
    if (flags.itf !== undefined) {
      const itf = JSON.stringify(traceToItf({ ...universe, ...(mutant === undefined ? {} : { mutant }) }, result.violation.trace, `${result.violation.law}: ${result.violation.message}`), null, 2) + "\n";
      itfFile = saveFindingFile(flags.itf, itf, "the counterexample's ITF trace");
    }
  }

  const notRun = flags.liveness === false ? "--no-liveness" : flags.por === true ? "--por (they are decided on the unreduced graph)" : workers > 1 ? "the liveness laws need one worker"
    : unreduced?.verdict === "incomplete" ? `they are decided on the search without symmetry, which stopped at the ${unreduced.bound ?? "depth"} bound` : null;
  const liveness = livenessReport(live, notRun, {
    searched: bugSearch?.universe ?? universe, correct: mutant !== undefined ? universe : { ...universe, profile: "ray" },
    bug: bugSearch === null ? null : mutant !== undefined ? { mutant } : { profile: universe.profile },
    ...(mutant === undefined ? {} : { mutant }), out: flags.out, ...(flags.itf === undefined || result.violation !== undefined ? {} : { itf: flags.itf }),
  });
  const laws = [...universeLaws(universe).map((law) => {
    const reached = result.companions[law.name] ?? null;
    const verdict = result.violation?.law === law.name ? "violated" : result.verdict === "incomplete" ? "unknown" : reached === null ? "vacuous" : "held";
    return { name: law.name, kind: law.kind, verdict, companion: law.companion, reachedAtDepth: reached };
  }), ...liveness.laws];
  const verdict = result.verdict === "ok" && liveness.violations.length > 0 ? "violation" : result.verdict;
  const report = {
    verdict,
    ...(result.bound === undefined ? {} : { bound: result.bound }),
    universe: { ...universe, ops: universe.driverOps ?? universe.ops, driverOps: undefined },
    ...(mutant === undefined ? {} : { mutant }),
    states: result.states,
    transitions: result.transitions,
    depth: result.depth,
    seconds: round(seconds, 3),
    statesPerSecond: Math.round(result.states / Math.max(seconds, 1e-6)),
    symmetry: flags.symmetry === true,
    ...(flags.por === true ? { por: porReport(por) } : {}),
    ...(unreduced === null ? {} : { statesWithoutSymmetry: unreduced.states, transitionsWithoutSymmetry: unreduced.transitions, verdictWithoutSymmetry: unreduced.verdict, ...(unreduced.bound === undefined ? {} : { boundWithoutSymmetry: unreduced.bound }) }),
    peakMemoryMB: Math.round(peakMB),
    // The visited set keeps 64-bit fingerprints: the chance that two states shared one (so one was never explored), as SPIN and TLC report it.
    fingerprints: { bits: 64, collisionOdds: result.collisionOdds ?? 0, visitedBytesPerState: result.tableBytes === undefined ? null : Math.round(result.tableBytes / Math.max(1, result.states)) },
    // The search core's memo tables of the model (sim/tabled.ts): lookups found and missed, per table.
    ...(result.tables === undefined ? {} : { tables: result.tables }),
    workers,
    laws,
    vacuous: laws.filter((l) => l.verdict === "vacuous").map((l) => l.name),
    coverage: result.coverage,
    ...(liveness.undecided === undefined ? {} : { livenessUndecided: liveness.undecided }),
    ...(liveness.graph === undefined ? {} : { livenessGraph: liveness.graph }),
    violations: [...(result.violation === undefined ? [] : [{
      law: result.violation.law,
      message: result.violation.message,
      length: shortest,
      ...(result.passedOver === undefined ? {} : { passedOver: result.passedOver.count, lengthWritten: result.violation.trace.length }),
      scenario: scenarioFile,
      ...(scenario === null ? {} : { shape: scenario.shape, failsWith: scenario.failsWith }),
      ...(itfFile === null ? {} : { itf: itfFile }),
      trace: result.violation.trace,
    }]), ...liveness.violations],
  };
  if (flags.json === true) console.log(JSON.stringify(report, null, 2));
  else printSummary(report, result);
  return verdict === "ok" ? EXIT_OK : EXIT_FAILED;
}

/** A small probability as people read it: "1 in 3.2e+9", or "none" for 0. */
export function formatOdds(p: number): string {
  if (p <= 0) return "none";
  if (p >= 0.01) return p.toFixed(2);
  return `about 1 in ${(1 / p).toPrecision(2).replace("e+", "e")}`;
}

/** --por's figures: the reduced search's states and transitions, and whether the verdict is the unreduced re-run's. */
function porReport(p: PorFigures | null): Record<string, unknown> | null {
  return p === null ? null : { statesReduced: p.states, transitionsReduced: p.transitions, verdictReduced: p.verdict, violationDepthReduced: p.violationDepth, rerunWithoutReduction: p.rerun };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function describeUniverse(u: Universe): string {
  const ops = u.driverOps === undefined ? `${u.ops} operations each` : `${u.driverOps.join(", ")} operations`;
  const alphabet = u.operations.length === OPERATIONS.length ? "every operation" : `operations ${u.operations.join(", ")}`;
  return `profile ${u.profile}, ${u.drivers} drivers (${ops}), ${u.namespaces} namespace${u.namespaces > 1 ? "s" : ""}, ${u.names} name${u.names > 1 ? "s" : ""}, max_restarts up to ${u.maxRestarts}, crashes ${u.faults ? "on" : "off"}${(u.nodes ?? 0) > 0 ? `, ${u.nodes} worker node${u.nodes === 1 ? "" : "s"}${u.faults ? " (each may die and be drained for preemption)" : ""}` : ""}${u.initFails === true ? ", constructors that raise or exit" : ""}${u.gcs === true ? ", the GCS (tables in Redis) may stop once and start again" : ""}, ${alphabet}`;
}

type Report = {
  fingerprints: { bits: number; collisionOdds: number; visitedBytesPerState: number | null };
  verdict: string; por?: Record<string, unknown> | null; statesWithoutSymmetry?: number; verdictWithoutSymmetry?: string; boundWithoutSymmetry?: string; bound?: string; states: number; transitions: number; depth: number; seconds: number; statesPerSecond: number; peakMemoryMB: number;
  laws: { name: string; kind: string; verdict: string; companion: string; reachedAtDepth: number | null }[];
  coverage: Readonly<Record<string, boolean>>;
  livenessUndecided?: string;
  violations: ({ law: string; kind?: undefined; message: string; length: number | null; passedOver?: number; lengthWritten?: number; scenario: string | null; failsWith?: string; itf?: string; trace: readonly unknown[] } | LivenessViolationRow)[];
};

function printSummary(r: Report, result: CheckResult): void {
  const rows: [string, string][] = [
    ["verdict", r.verdict + (r.bound === undefined ? "" : ` (the ${r.bound} bound was hit)`)],
    ["states", r.states.toLocaleString("en") + (r.statesWithoutSymmetry === undefined ? "" : ` with symmetry reduction (${r.boundWithoutSymmetry === undefined ? `${r.statesWithoutSymmetry.toLocaleString("en")} without, verdict ${r.verdictWithoutSymmetry}` : `more than ${r.statesWithoutSymmetry.toLocaleString("en")} without: that count stopped at the ${r.boundWithoutSymmetry} bound`})`)],
    ["transitions", r.transitions.toLocaleString("en")],
    ["depth", String(r.depth)],
    ["seconds", r.seconds.toFixed(2)],
    ["states/s", r.statesPerSecond.toLocaleString("en")],
    ["peak memory", `${r.peakMemoryMB} MB`],
    ["fingerprints", `${r.fingerprints.bits}-bit, chance of a collision ${formatOdds(r.fingerprints.collisionOdds)}${r.fingerprints.visitedBytesPerState === null ? "" : `; visited set ${r.fingerprints.visitedBytesPerState} bytes per state`}`],
    ...(r.por == null ? [] : [["por", `${Number(r.por.statesReduced).toLocaleString("en")} states in the reduced search` +
      (r.por.rerunWithoutReduction === true ? `, which met a violation at depth ${r.por.violationDepthReduced}: the figures above are the search re-run without reduction` : " (companions and coverage are the reduced search's)")] as [string, string]]),
  ];
  console.log("");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(12)} ${v}`);
  console.log("\n  law                              verdict    kind        companion reached");
  for (const l of r.laws) {
    const reached = l.reachedAtDepth !== null ? `at depth ${l.reachedAtDepth}` : l.kind === "eventually" && l.verdict === "unknown" ? "not decided" : "never";
    console.log(`  ${l.name.padEnd(32)} ${l.verdict.padEnd(10)} ${l.kind.padEnd(11)} ${reached}: ${l.companion}`);
  }
  if (r.livenessUndecided !== undefined) console.log(`  (eventually laws not decided: ${r.livenessUndecided})`);
  const covered = Object.values(r.coverage).filter(Boolean).length;
  console.log(`\n  actor chart transitions covered: ${covered} of ${Object.keys(r.coverage).length}`);
  for (const [edge, hit] of Object.entries(r.coverage)) if (!hit) console.log(`    not covered: ${edge}`);
  const vacuous = r.laws.filter((l) => l.verdict === "vacuous");
  if (vacuous.length > 0) console.log(`\n  warning: ${vacuous.map((l) => l.name).join(", ")} held vacuously: the companion was never reached (widen the bounds)`);
  for (const v of r.violations) {
    if (v.kind === "eventually") {
      printLivenessViolation(v);
      continue;
    }
    console.log(`\n  VIOLATION of ${v.law}: ${v.message}`);
    console.log(`  shortest counterexample: ${v.length} model events${v.passedOver === undefined ? "" : ` (${v.passedOver} shorter or equal ones could not be written as a scenario; the one written has ${v.lengthWritten})`}`);
    result.violation?.trace.forEach((e, i) => console.log(`    ${String(i + 1).padStart(3)}. ${JSON.stringify(e)}`));
    if (v.scenario !== null) {
      console.log(`  scenario: ${v.scenario} (passes on the model; on the bug: ${v.failsWith})`);
      console.log(`  tell its story: rollcall explain ${v.scenario}`);
    } else if (v.failsWith !== undefined) {
      console.log("  scenario: could not be written (printed in full on stderr above)");
    } else {
      console.log("  no scenario: the difference could not be made visible to a caller within the probes");
    }
    if (v.itf !== undefined) console.log(`  ITF trace: ${v.itf}`);
  }
}

/**
 * Progress on stderr while the search runs: states, depth, rate and memory,
 * redrawn in place on a terminal, a line every few seconds otherwise.
 */
function progressMeter(quiet: boolean, label = ""): { update: (p: CheckProgress) => void; done: () => void; peakMB: () => number } {
  const tty = process.stderr.isTTY === true;
  const start = performance.now();
  let last = 0;
  let peak = 0;
  let drawn = false;
  const every = tty ? 250 : 5000;
  return {
    update(p) {
      const rss = process.memoryUsage().rss / 2 ** 20;
      if (rss > peak) peak = rss;
      const now = performance.now();
      if (quiet || now - last < every || now - start < 1000) return;
      last = now;
      const rate = Math.round(p.states / ((now - start) / 1000));
      const line = `  … ${label}${p.states.toLocaleString("en")} states, depth ${p.depth}, frontier ${p.frontier.toLocaleString("en")}, ${rate.toLocaleString("en")} states/s, ${Math.round(rss)} MB`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else process.stderr.write(line + "\n");
      drawn = true;
    },
    done() {
      if (tty && drawn) process.stderr.write("\r\x1b[K");
    },
    peakMB: () => peak,
  };
}

export const OPERATIONS_HELP = OPERATIONS.map((o) => `${o}: ${OPERATION_HELP[o]}`).join("; ");
