import { DEFAULT_PROFILE, initialState, isMutantName, isProfileName, type MutantName, type ProfileName } from "../model/index.js";
import { explainScenario } from "../sim/explain.js";
import type { Source } from "../sim/source.js";
import { logTimeline, scenarioTimeline, type Timeline } from "../sim/timeline.js";

/** The profiles the seed-versus-Ray switch plays side by side, left to right. */
export const COMPARED: readonly ProfileName[] = ["seed", "ray"];

const made = new WeakMap<Source, Map<string, Timeline>>();

/**
 * The timeline of a source under a profile, on the model or with a seeded
 * bug, made once per (source, profile, bug): a scenario runs on the model
 * under that profile; a log is one recorded run and keeps its own profile
 * (and no bug) whatever is asked.
 */
export function timelineOf(source: Source, profile: ProfileName, mutant: MutantName | null = null): Timeline {
  const key = source.kind === "log" ? source.profile : `${profile}|${mutant ?? ""}`;
  let byKey = made.get(source);
  if (byKey === undefined) {
    byKey = new Map();
    made.set(source, byKey);
  }
  let t = byKey.get(key);
  if (t === undefined) {
    t = source.kind === "log" ? logTimeline(source.name, source.profile, source.records)
      : mutant === null ? scenarioTimeline(source.loaded, profile) : mutantTimeline(source, profile, mutant);
    byKey.set(key, t);
  }
  return t;
}

/** A scenario's timeline on the model with a seeded bug: the stories `rollcall explain --mutant` tells. */
function mutantTimeline(source: Extract<Source, { kind: "scenario" }>, profile: ProfileName, mutant: MutantName): Timeline {
  const told = explainScenario(source.loaded, profile, mutant);
  const steps = source.loaded.scenario.steps;
  return {
    kind: "scenario",
    title: source.loaded.scenario.title,
    profile: told.profile,
    initial: initialState(told.profile, mutant),
    length: told.stories.length,
    total: steps.length,
    item: (i) => steps[i],
    story: (i) => told.stories[i],
  };
}

/** The profile a source is written for: a log's header's, a scenario's own (the default when it names none). */
export function ownProfile(source: Source): ProfileName {
  if (source.kind === "log") return source.profile;
  const p = source.loaded.scenario.profile;
  return p !== undefined && isProfileName(p) ? p : DEFAULT_PROFILE;
}

/**
 * The seeded bug a checker counterexample exposes: `rollcall check --mutant M`
 * writes a scenario whose `about` begins "written by rollcall check --mutant M"
 * (checker/mutant.ts). Null for any other source.
 */
export function exposedMutant(source: Source): MutantName | null {
  if (source.kind !== "scenario") return null;
  const m = /^written by rollcall check --mutant (\S+?)[\s:(]/.exec(source.loaded.scenario.about ?? "");
  return m !== null && isMutantName(m[1]) ? m[1] : null;
}
