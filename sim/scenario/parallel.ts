import { canonicalJson, type ModelEvent, type RuleId } from "../../model/index.js";
import { listsSpace, search, type Lists, type SearchProgress } from "../search.js";
import { resolveNamespace, stepToEvent, type Labels } from "./command.js";
import { checkExpectation } from "./expect.js";
import { describeEvent } from "../describe.js";
import type { ParallelBlock, Step, StepPath } from "./types.js";
import { drainSync, type Paced } from "../pace.js";
import { alreadyNamed, labelTable, type World } from "./world.js";

export interface ParallelFailure {
  readonly path: StepPath;
  readonly step: Step;
  readonly expected: string;
  readonly observed: string;
  readonly rule: RuleId | null;
  readonly interleaving: readonly string[];
}

export type ParallelOutcome =
  | { readonly worlds: World[]; readonly explored: number }
  | { readonly failure: ParallelFailure; readonly explored: number }
  | { readonly incomplete: true; readonly explored: number };

/**
 * Explores every interleaving of a parallel block's lists (each list one
 * caller's sequence of commands, each command split into the model's atomic
 * steps) with every internal event: the search core (sim/search.ts) over
 * the block's lists, a node being (model state, how far each list has got,
 * the labels bound in the block). Every expectation must hold on every path;
 * the first violation found is on a shortest path. Ends, when all lists are
 * done and the cluster is quiescent, are the worlds that carry on.
 */
export function exploreParallel(world: World, block: ParallelBlock, index: number, maxStates: number, progress?: (states: number) => void): ParallelOutcome {
  return drainSync(exploreParallelPaced(world, block, index, maxStates, progress));
}

/** `exploreParallel` as paced work (sim/pace.ts): it pauses once per time slice, so a command line stays interruptible. */
export function* exploreParallelPaced(world: World, block: ParallelBlock, index: number, maxStates: number, progress?: (states: number) => void): Paced<ParallelOutcome> {
  const lists = block.parallel;
  const before = world.labels;
  const ends: { events: ModelEvent[]; bound: Labels }[] = [];
  const space = listsSpace<Step, Labels, ParallelFailure>({
    lists, root: world.store.state, extra: labelTable(),
    ...scenarioSteps(before, (bound) => bound),
    answered({ list, position, item: step, answer, after, extra: bound, path, event }) {
      const current = labelTable(before, bound);
      const bindable = (id: string): string | null => {
        if (step.as !== undefined && bound[step.as] !== undefined) return bound[step.as] === id ? null : `but another list bound '${step.as}' to ${bound[step.as]}`;
        return alreadyNamed(before, id) ?? alreadyNamed(bound, id);
      };
      const mismatch = checkExpectation(step, answer.result, current, (ref) => resolveNamespace(ref, current, after), bindable);
      if (mismatch !== null) {
        return { failure: { path: { index, list, position }, step, ...mismatch, rule: answer.rule, interleaving: [...path(), event].map(describeEvent(current)) } };
      }
      const next = labelTable(bound);
      if (step.do === "init" && answer.result.kind === "driver") next[step.by as string] = answer.result.job;
      if (step.as !== undefined && answer.result.kind === "handle") next[step.as] = answer.result.actor;
      return { extra: next };
    },
    extraKey: (bound) => canonicalJson(bound),
    stuck(_state, { pos, extra: bound }, path) {
      // No move is enabled but some list has steps left: the failure names the first such step.
      const list = pos.findIndex((p, i) => p < lists[i].length);
      const step = lists[list][pos[list]];
      return { path: { index, list, position: pos[list] }, step, expected: "every list to finish", observed: "a deadlock: no list can move", rule: null, interleaving: path().map(describeEvent(labelTable(before, bound))) };
    },
  });
  const r = yield* search(space, {
    maxStates: maxStates + 1,
    progressEvery: 10_000,
    ...(progress === undefined ? {} : { progress: (p: SearchProgress) => progress(p.states) }),
    onEnd: (_state, pos, path) => ends.push({ events: path(), bound: pos.extra }),
  });
  if (r.verdict === "error") throw new Error(`exploring parallel block ${index + 1}: ${r.error}`);
  if (r.verdict === "incomplete") return { incomplete: true, explored: r.states };
  if (r.verdict === "violation") return { failure: r.failure!, explored: r.states };
  const worlds = ends.map(({ events, bound }) => {
    const store = world.store.fork();
    for (const event of events) store.dispatch(event);
    return { store, labels: labelTable(world.labels, bound) };
  });
  return { worlds, explored: r.states };
}

/**
 * How a parallel block's scenario steps run as lists of the search core: a
 * step's caller from the labels (an init's job is not known before it
 * answers; a step of a driver not started yet waits), its event, crashes.
 * `boundOf` reads the labels bound in the block from what a path keeps.
 */
export function scenarioSteps<X>(before: Labels, boundOf: (extra: X) => Labels): Pick<Lists<Step, X, unknown>, "callerOf" | "eventOf" | "isCrash"> {
  return {
    callerOf: (step, extra) => (step.do === "crash" || step.do === "init" || step.by === undefined ? null : labelTable(before, boundOf(extra))[step.by]),
    eventOf: (step, extra, state) => stepToEvent(step, labelTable(before, boundOf(extra)), state),
    isCrash: (step) => step.do === "crash",
  };
}
