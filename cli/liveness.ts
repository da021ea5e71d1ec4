import { LIVENESS_LAWS, type ModelEvent, type MutantName } from "../model/index.js";
import type { Bug } from "../checker/counterexample.js";
import { lassoToItf } from "../checker/itf.js";
import { lassoScenario, type LivenessCheck } from "../checker/liveness.js";
import type { Universe } from "../checker/universe.js";
import { saveFinding, saveFindingFile } from "./output.js";

/** A liveness law's line in `rollcall check`'s report. */
export interface LivenessLawRow {
  readonly name: string;
  readonly kind: "eventually";
  readonly verdict: "held" | "violated" | "vacuous" | "unknown";
  readonly companion: string;
  readonly reachedAtDepth: number | null;
}

/** A violated liveness law in the report: its lasso (the stem's events in `trace`, the loop's in `loop`). */
export interface LivenessViolationRow {
  readonly law: string;
  readonly kind: "eventually";
  readonly message: string;
  readonly instance: string;
  /** Events in stem and loop. */
  readonly length: number;
  readonly stem: number;
  readonly scenario: string | null;
  readonly shape?: "settled" | "parallel";
  readonly failsWith?: string;
  readonly itf?: string;
  readonly trace: readonly ModelEvent[];
  readonly loop: readonly ModelEvent[];
}

export interface LivenessReport {
  readonly laws: readonly LivenessLawRow[];
  readonly violations: readonly LivenessViolationRow[];
  /** Why the liveness laws were not decided, if they were not. */
  readonly undecided?: string;
  /** What the recorded graph held (checker/liveness.ts LivenessResult.graph), when they were. */
  readonly graph?: { readonly states: number; readonly edges: number; readonly instances: number; readonly fairIds: number; readonly bytes: number };
}

/**
 * The liveness part of `rollcall check`'s report: each law's verdict and,
 * for each violated one, its lasso, written as a scenario when the search was
 * for a bug (`bug`, with `correct` the universe without it) and as ITF with
 * `loop` to `itf` (the first lasso, when no safety counterexample took it).
 */
export function livenessReport(
  live: LivenessCheck | null, notRun: string | null,
  where: { readonly searched: Universe; readonly correct: Universe; readonly bug: Bug | null; readonly mutant?: MutantName; readonly out: string; readonly itf?: string },
): LivenessReport {
  const undecided = notRun ?? (live === null ? "not run" : live.undecided ?? null);
  if (live === null || live.liveness === null || undecided !== null) {
    return {
      laws: LIVENESS_LAWS.map((law) => ({ name: law.name, kind: "eventually", verdict: "unknown", companion: law.companion, reachedAtDepth: null })),
      violations: [],
      ...(undecided === null ? {} : { undecided }),
    };
  }
  const laws = live.liveness.laws.map((l): LivenessLawRow => ({ name: l.law, kind: "eventually", verdict: l.verdict, companion: l.companion, reachedAtDepth: l.reachedAtDepth }));
  let itfWritten = false;
  const violations = live.violations.map((v): LivenessViolationRow => {
    const outcome = live.liveness!.laws.find((l) => l.law === v.law)!;
    const scenario = where.bug === null ? null : lassoScenario(where.correct, where.bug, outcome, v.stem);
    const base = `check-${where.mutant ?? where.searched.profile}-${v.law}`;
    const scenarioFile = scenario === null ? null : saveFinding(where.out, `${base}.json`, JSON.stringify(scenario.scenario, null, 2) + "\n", "the counterexample scenario");
    let itfFile: string | null = null;
    if (where.itf !== undefined && !itfWritten) {
      itfWritten = true;
      const itf = lassoToItf(where.searched, v.stem, v.loop, `${v.law}: ${v.message}`);
      itfFile = saveFindingFile(where.itf, JSON.stringify(itf, null, 2) + "\n", "the counterexample's ITF trace");
    }
    return {
      law: v.law, kind: "eventually", message: v.message, instance: v.instance, length: v.stem.length + v.loop.length, stem: v.stem.length,
      scenario: scenarioFile, ...(scenario === null ? {} : { shape: scenario.shape, failsWith: scenario.failsWith }),
      ...(itfFile === null ? {} : { itf: itfFile }),
      trace: v.stem, loop: v.loop,
    };
  });
  return { laws, violations, graph: live.liveness.graph };
}

/** The lines `rollcall check` prints for a violated liveness law. */
export function printLivenessViolation(v: LivenessViolationRow): void {
  console.log(`\n  VIOLATION of ${v.law} (eventually): ${v.message}`);
  console.log(`  lasso: ${v.stem} model events to the loop, then ${v.loop.length === 0 ? "the run stays there forever" : `a loop of ${v.loop.length} events repeated forever`}`);
  v.trace.forEach((e, i) => console.log(`    ${String(i + 1).padStart(3)}. ${JSON.stringify(e)}`));
  v.loop.forEach((e, i) => console.log(`    ${`↻${i + 1}`.padStart(4)}. ${JSON.stringify(e)}`));
  if (v.scenario !== null) {
    console.log(`  scenario: ${v.scenario} (passes on the model; on the bug: ${v.failsWith})`);
    console.log(`  tell its story: rollcall explain ${v.scenario}`);
  } else {
    console.log("  no scenario: the difference could not be made visible to a caller within the probes");
  }
  if (v.itf !== undefined) console.log(`  ITF trace (with loop): ${v.itf}`);
}
