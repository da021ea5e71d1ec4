import {
  canonicalJson, commandEnabled, memoCanonicalKey, enabledInternalEvents, transition,
  type ModelEvent, type Observation, type RuleId, type State,
} from "../../model/index.js";
import { resolveNamespace, stepToEvent, type Labels } from "./command.js";
import { checkExpectation } from "./expect.js";
import { describeEvent } from "../describe.js";
import type { ParallelBlock, Step, StepPath } from "./types.js";
import { drainSync, Pacer, type Paced } from "../pace.js";
import { alreadyNamed, answerFor, labelTable, type World } from "./world.js";

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

/** A point of the exploration: a model state, how far each list has got, and the labels bound in the block. */
interface Node {
  readonly state: State;
  readonly pos: readonly number[];
  readonly bound: Labels;
  readonly parent: Node | null;
  readonly event: ModelEvent | null;
}

/**
 * Explores every interleaving of a parallel block's lists (each list one
 * caller's sequence of commands, each command split into the model's atomic
 * steps) with every internal event, breadth-first with a visited set over
 * (model state, positions, block labels). Every expectation must hold on every
 * path; the first violation found is on a shortest path. Ends, when all lists
 * are done and the cluster is quiescent, are the worlds that carry on.
 */
export function exploreParallel(world: World, block: ParallelBlock, index: number, maxStates: number, progress?: (states: number) => void): ParallelOutcome {
  return drainSync(exploreParallelPaced(world, block, index, maxStates, progress));
}

/** `exploreParallel` as paced work (sim/pace.ts): it pauses once per time slice, so a command line stays interruptible. */
export function* exploreParallelPaced(world: World, block: ParallelBlock, index: number, maxStates: number, progress?: (states: number) => void): Paced<ParallelOutcome> {
  const pacer = new Pacer(50, 4);
  const lists = block.parallel;
  const root: Node = { state: world.store.state, pos: lists.map(() => 0), bound: labelTable(), parent: null, event: null };
  const canonical = memoCanonicalKey();
  const key = (node: Node): string => canonical(node.state) + "|" + node.pos.join(",") + "|" + canonicalJson(node.bound);
  const visited = new Set<string>([key(root)]);
  let frontier: Node[] = [root];
  const ends: Node[] = [];
  while (frontier.length > 0) {
    const next: Node[] = [];
    for (const node of frontier) {
      if (pacer.due()) yield;
      const labels = labelTable(world.labels, node.bound);
      const moves = successors(node, lists, labels);
      if (moves.length === 0) {
        if (node.pos.every((p, i) => p >= lists[i].length)) ends.push(node);
        else return deadlock(node, index, lists, labels, visited.size);
      }
      for (const move of moves) {
        const t = transition(node.state, move.event);
        const child = advance(node, move, t.state, t.observations, lists, world.labels, index);
        if ("failure" in child) return { failure: child.failure, explored: visited.size };
        const k = key(child.node);
        if (visited.has(k)) continue;
        visited.add(k);
        if (visited.size > maxStates) return { incomplete: true, explored: visited.size };
        if (progress !== undefined && visited.size % 10_000 === 0) progress(visited.size);
        next.push(child.node);
      }
    }
    frontier = next;
  }
  const worlds = ends.map((end) => {
    const store = world.store.fork();
    for (const event of pathOf(end)) store.dispatch(event);
    return { store, labels: labelTable(world.labels, end.bound) };
  });
  return { worlds, explored: visited.size };
}

function callerOf(step: Step, labels: Labels): string | undefined {
  return step.by === undefined ? undefined : labels[step.by];
}

/** A move: an event, and the list whose step it is (null for the cluster's own events). */
interface Move {
  readonly event: ModelEvent;
  readonly list: number | null;
}

/** Every move enabled at a node: a list's next atomic step, or an internal event. */
function successors(node: Node, lists: ParallelBlock["parallel"], labels: Labels): Move[] {
  const moves: Move[] = [];
  lists.forEach((list, i) => {
    if (node.pos[i] >= list.length) return;
    const step = list[node.pos[i]];
    const caller = callerOf(step, labels);
    if (caller !== undefined && node.state.inflight[caller] !== undefined) {
      const event = { type: "continue" as const, caller };
      if (commandEnabled(node.state, event)) moves.push({ event, list: i });
      return;
    }
    const event = stepToEvent(step, labels, node.state);
    if (event.type === "actor.crashed" || commandEnabled(node.state, event)) moves.push({ event, list: i });
  });
  for (const event of enabledInternalEvents(node.state)) moves.push({ event, list: null });
  return moves;
}

/** The child node after an event: steps whose callers got their answer move on, after their expectations are checked. */
function advance(
  node: Node, move: Move, state: State, observations: readonly Observation[],
  lists: ParallelBlock["parallel"], before: Labels, index: number,
): { node: Node } | { failure: ParallelFailure } {
  const event = move.event;
  const pos = [...node.pos];
  const bound = labelTable(node.bound);
  let merged: Labels = labelTable(before, bound);
  const labels = (): Labels => merged;
  for (let i = 0; i < lists.length; i++) {
    if (pos[i] >= lists[i].length) continue;
    const step = lists[i][pos[i]];
    const path = { index, list: i, position: pos[i] };
    const caller = callerOf(step, labels()) ?? null;
    const own = move.list === i;
    if (step.do === "crash") {
      if (own) pos[i]++;
      continue;
    }
    const answer = own ? answerFor(observations, caller) : caller === null ? undefined : observations.find((o) => o.caller === caller);
    if (answer === undefined) continue;
    const current = labels();
    const bindable = (id: string): string | null => {
      if (step.as !== undefined && bound[step.as] !== undefined) return bound[step.as] === id ? null : `but another list bound '${step.as}' to ${bound[step.as]}`;
      return alreadyNamed(before, id) ?? alreadyNamed(bound, id);
    };
    const mismatch = checkExpectation(step, answer.result, current, (ref) => resolveNamespace(ref, current, state), bindable);
    if (mismatch !== null) {
      const failing: Node = { state, pos, bound, parent: node, event };
      return { failure: { path, step, ...mismatch, rule: answer.rule, interleaving: pathOf(failing).map(describeEvent(current)) } };
    }
    if (step.do === "init" && answer.result.kind === "driver") bound[step.by as string] = answer.result.job;
    if (step.as !== undefined && answer.result.kind === "handle") bound[step.as] = answer.result.actor;
    merged = labelTable(before, bound);
    pos[i]++;
  }
  return { node: { state, pos, bound, parent: node, event } };
}

function pathOf(node: Node): ModelEvent[] {
  const events: ModelEvent[] = [];
  for (let n: Node | null = node; n !== null && n.event !== null; n = n.parent) events.push(n.event);
  return events.reverse();
}

/** No move is enabled but some list has steps left: the failure names the first such step. */
function deadlock(node: Node, index: number, lists: ParallelBlock["parallel"], labels: Labels, explored: number): ParallelOutcome {
  const list = node.pos.findIndex((p, i) => p < lists[i].length);
  const step = lists[list][node.pos[list]];
  const path: StepPath = { index, list, position: node.pos[list] };
  return { failure: { path, step, expected: "every list to finish", observed: "a deadlock: no list can move", rule: null, interleaving: pathOf(node).map(describeEvent(labels)) }, explored };
}
