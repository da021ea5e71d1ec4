import { DEFAULT_PROFILE, canonicalJson, initialState, isFault, ruleText, type MutantName, type Observation, type ProfileName, type RuleId } from "../../model/index.js";
import { drainSync, Pacer, type Paced } from "../pace.js";
import { runSettled, settle } from "../settle.js";
import { Store } from "../store.js";
import { resolveNamespace, stepToEvent } from "./command.js";
import { checkExpectation, describeResult } from "./expect.js";
import { exploreParallelPaced, type ParallelFailure } from "./parallel.js";
import { isParallel, type LoadedScenario, type ParallelBlock, type Step, type StepPath } from "./types.js";
import { alreadyNamed, answerFor, labelTable, type World } from "./world.js";

/** The first step that did not do what the file expects. */
export interface StepFailure {
  readonly path: StepPath;
  readonly step: Step;
  readonly expected: string;
  readonly observed: string;
  readonly rule: RuleId | null;
  /** For a parallel block: the shortest interleaving that fails, event by event. */
  readonly interleaving?: readonly string[];
}

export interface ScenarioResult {
  readonly file: string;
  readonly title: string;
  readonly profile: ProfileName;
  readonly passed: boolean;
  /** How many possible histories the scenario ended with (more than one after some parallel blocks). */
  readonly worlds: number;
  /** Model states visited while exploring parallel blocks. */
  readonly explored: number;
  readonly failure?: StepFailure;
  /** Set when a bound was hit before the scenario could be decided. */
  readonly incomplete?: string;
  /** The worlds at the end (or up to the failure): for explain, logs and the viewer. */
  readonly final: readonly World[];
}

export interface RunOptions {
  /** Run under this profile instead of the file's. */
  readonly profile?: ProfileName;
  /** Bound on states explored per parallel block. */
  readonly maxStates?: number;
  /** Told how many states a parallel block's exploration has visited, now and then. */
  readonly progress?: (states: number) => void;
  /** Run on the model with this seeded bug (model/mutants.ts). */
  readonly mutant?: MutantName;
}

/** Runs a checked scenario on the model, settled step by step, every interleaving inside parallel blocks. */
export function runScenario(loaded: LoadedScenario, options: RunOptions = {}): ScenarioResult {
  return drainSync(runScenarioPaced(loaded, options));
}

/**
 * `runScenario` as paced work (sim/pace.ts): it yields now and then between
 * steps, so a command line running it with `drainAsync` handles SIGINT and
 * SIGTERM mid-run. Each step costs what it does, not the length of the run so
 * far: labels are bound in place, with a reverse index for "already
 * labelled" (a world's labels belong to it alone, as its store does).
 */
export function* runScenarioPaced(loaded: LoadedScenario, options: RunOptions = {}): Paced<ScenarioResult> {
  const { scenario, file } = loaded;
  const profile = options.profile ?? (scenario.profile as ProfileName | undefined) ?? DEFAULT_PROFILE;
  let worlds: World[] = [{ store: new Store(profile, initialState(profile, options.mutant, scenario.gcsStorage === "redis" ? { gcsStorage: "redis" } : undefined)), labels: labelTable() }];
  let explored = 0;
  const pacer = new Pacer();
  const done = (failure?: StepFailure): ScenarioResult => ({
    file, title: scenario.title, profile, passed: failure === undefined, worlds: worlds.length, explored, failure, final: worlds,
  });
  for (let index = 0; index < scenario.steps.length; index++) {
    if (pacer.due()) yield;
    const item = scenario.steps[index];
    if (isParallel(item)) {
      const outcome = yield* exploreBlockPaced(worlds, item, index, options);
      explored += outcome.explored;
      if ("failure" in outcome) return done(toStepFailure(outcome.failure));
      if ("incomplete" in outcome) return { ...done(), passed: false, incomplete: outcome.incomplete };
      worlds = outcome.worlds;
      continue;
    }
    for (let i = 0; i < worlds.length; i++) {
      const result = runOwnedStep(worlds[i], item, { index });
      if ("failure" in result) {
        worlds = [worlds[i]];
        return done(result.failure);
      }
      worlds[i] = result.world;
    }
  }
  return done();
}

/** Label → the first label bound to an id, per label table that `runOwnedStep` binds in place. */
const reverse = new WeakMap<object, Map<string, string>>();

function reverseOf(labels: Record<string, string>): Map<string, string> {
  let map = reverse.get(labels);
  if (map === undefined) {
    map = new Map();
    for (const label of Object.keys(labels)) if (!map.has(labels[label])) map.set(labels[label], label);
    reverse.set(labels, map);
  }
  return map;
}

/**
 * `runStep` for a world the runner owns alone: its labels are bound in place
 * (no copy of the table per step), "already labelled" is a lookup.
 */
function runOwnedStep(world: World, step: Step, path: StepPath): { world: World } | { failure: StepFailure } {
  const answer = dispatchStep(world, step, path);
  if (!("result" in answer)) return answer;
  const labels = world.labels as Record<string, string>;
  const index = reverseOf(labels);
  const state = world.store.state;
  const bound = (id: string): string | null => {
    const label = index.get(id);
    return label === undefined ? null : `already labelled '${label}'`;
  };
  const mismatch = checkExpectation(step, answer.result, labels, (ref) => resolveNamespace(ref, labels, state), bound);
  if (mismatch !== null) return { failure: { path, step, ...mismatch, rule: answer.rule } };
  const result = answer.result;
  const bind = (label: string, id: string): void => {
    const old = labels[label];
    if (old !== undefined && index.get(old) === label) {
      index.delete(old);
      for (const l of Object.keys(labels)) if (l !== label && labels[l] === old && !index.has(old)) index.set(old, l);
    }
    labels[label] = id;
    if (!index.has(id)) index.set(id, label);
  };
  if (step.do === "init" && result.kind === "driver") bind(step.by as string, result.job);
  if (step.do === "addNode" && result.kind === "node" && result.node !== null) bind(step.node as string, result.node);
  if (step.as !== undefined && result.kind === "handle") bind(step.as, result.actor);
  return { world };
}

/** Default bound on the states explored for one parallel block. */
export const DEFAULT_MAX_STATES = 100_000;

/**
 * Explores a parallel block from every world, and returns the distinct worlds
 * it can end in (or the first failure, or why the exploration stopped short).
 */
export function exploreBlock(worlds: readonly World[], block: ParallelBlock, index: number, options: RunOptions): BlockOutcome {
  return drainSync(exploreBlockPaced(worlds, block, index, options));
}

type BlockOutcome = { worlds: World[]; explored: number } | { failure: ParallelFailure; explored: number } | { incomplete: string; explored: number };

/** `exploreBlock` as paced work. */
export function* exploreBlockPaced(worlds: readonly World[], block: ParallelBlock, index: number, options: RunOptions): Paced<BlockOutcome> {
  const next: World[] = [];
  const seen = new Set<string>();
  let explored = 0;
  const max = options.maxStates ?? DEFAULT_MAX_STATES;
  for (const world of worlds) {
    const outcome = yield* exploreParallelPaced(world, block, index, max - explored, options.progress);
    explored += outcome.explored;
    if ("failure" in outcome) return { failure: outcome.failure, explored };
    if ("incomplete" in outcome) {
      return { incomplete: `the parallel block at steps[${index}] has more than ${max} states (raise --max-states)`, explored };
    }
    for (const w of outcome.worlds) {
      const key = canonicalJson([w.store.state, w.labels]);
      if (!seen.has(key)) {
        seen.add(key);
        next.push(w);
      }
    }
  }
  return { worlds: next, explored };
}

function toStepFailure(f: ParallelFailure): StepFailure {
  return { path: f.path, step: f.step, expected: f.expected, observed: f.observed, rule: f.rule, interleaving: f.interleaving };
}

/**
 * Dispatches a step's event, settled, and returns the caller's answer; a
 * fault (no caller) or a command that never answered ends the step here.
 */
function dispatchStep(world: World, step: Step, path: StepPath): Observation | { world: World } | { failure: StepFailure } {
  const event = stepToEvent(step, world.labels, world.store.state);
  if (isFault(event)) {
    world.store.dispatch(event);
    settle(world.store); // a fault has no caller; settle what it set off
    return { world };
  }
  const observations = runSettled(world.store, event);
  const answer = answerFor(observations, event.type === "init" ? null : event.caller);
  if (answer === undefined) return { failure: { path, step, expected: "an answer", observed: "no answer: the command never finished", rule: null } };
  return answer;
}

/** Runs one step settled in one world; returns the next world or the failure. */
export function runStep(world: World, step: Step, path: StepPath): { world: World } | { failure: StepFailure } {
  const answer = dispatchStep(world, step, path);
  if (!("result" in answer)) return answer;
  const labels = labelTable(world.labels);
  const state = world.store.state;
  const mismatch = checkExpectation(step, answer.result, labels, (ref) => resolveNamespace(ref, labels, state), (id) => alreadyNamed(labels, id));
  if (mismatch !== null) return { failure: { path, step, ...mismatch, rule: answer.rule } };
  const result = answer.result;
  if (step.do === "init" && result.kind === "driver") labels[step.by as string] = result.job;
  if (step.do === "addNode" && result.kind === "node" && result.node !== null) labels[step.node as string] = result.node;
  if (step.as !== undefined && result.kind === "handle") labels[step.as] = result.actor;
  return { world: { store: world.store, labels } };
}

/** The one-line summary of a failure, for `run`. */
export function describeFailure(f: StepFailure): string {
  const rule = f.rule === null ? "" : `\n    rule: ${f.rule}: ${ruleText(f.rule)}`;
  const inter = f.interleaving === undefined ? "" : `\n    interleaving: ${f.interleaving.join(" → ")}`;
  return `expected ${f.expected}\n    observed ${f.observed}${rule}${inter}`;
}

export { describeResult };
