import { parentPort, workerData } from "node:worker_threads";
import { LAWS, enabledInternalEvents, transition, type ModelEvent, type State } from "../model/index.js";
import { noteCoverage, successors, type Node } from "./explore.js";
import { hashKey, memoHash } from "./parallel.js";
import { symmetricKey } from "./symmetry.js";
import type { DriverSlot, Universe } from "./universe.js";

/** Messages from the coordinator (checker/parallel.ts). */
export type ToWorker =
  | { readonly type: "seed"; readonly state: State; readonly slots: readonly DriverSlot[] }
  | { readonly type: "expand"; readonly ids: readonly number[] }
  | { readonly type: "keep"; readonly keys: readonly string[]; readonly ids: readonly number[]; readonly give: readonly number[] }
  | { readonly type: "take"; readonly nodes: readonly { readonly id: number; readonly node: Node }[] };

/** A worker's answer: the children of the states it expanded, by key, with what the laws said. */
export interface ExpandReply {
  readonly rootKey?: string;
  /** States handed over to another worker (to balance the next level). */
  readonly given?: { readonly id: number; readonly node: Node }[];
  readonly transitions: number;
  readonly children: { readonly parent: number; readonly move: number; readonly event: ModelEvent; readonly key: string }[];
  readonly violations: { readonly parent: number; readonly move: number; readonly event: ModelEvent; readonly law: string; readonly message: string }[];
  readonly companions: string[];
  readonly coverage: string[];
}

const { universe, symmetry } = workerData as { universe: Universe; symmetry: boolean };
const symmetric = symmetry ? symmetricKey(universe) : null;
const merkle = memoHash();
const keyOf = (n: Node): string => {
  if (symmetric !== null) return hashKey(symmetric(n.state, n.slots));
  let k = merkle(n.state);
  for (const s of n.slots) k += `|${s.job ?? "-"}:${s.ops}`;
  return hashKey(k);
};

/** Companions this worker has already reported (a companion counts once, at the first depth it is reached). */
const reached = new Set<string>();
/** States this worker owns, by id, waiting to be expanded. */
const owned = new Map<number, Node>();
/** Children made this level, by key, until the coordinator says which to keep. */
let made = new Map<string, Node>();
const empty = (): ExpandReply => ({ transitions: 0, children: [], violations: [], companions: [], coverage: [] });

parentPort!.on("message", (m: ToWorker) => {
  if (m.type === "seed") {
    const node: Node = { state: m.state, slots: m.slots };
    owned.set(0, node);
    parentPort!.postMessage({ ...empty(), rootKey: keyOf(node) });
    return;
  }
  if (m.type === "keep") {
    m.keys.forEach((key, i) => owned.set(m.ids[i]!, made.get(key)!));
    made = new Map();
    const given = m.give.map((id) => {
      const node = owned.get(id)!;
      owned.delete(id);
      return { id, node };
    });
    parentPort!.postMessage({ ...empty(), given });
    return;
  }
  if (m.type === "take") {
    for (const { id, node } of m.nodes) owned.set(id, node);
    parentPort!.postMessage(empty());
    return;
  }
  const reply: ExpandReply = empty();
  let transitions = 0;
  const companions = new Set<string>();
  const coverage: Record<string, boolean> = {};
  for (const id of m.ids) {
    const node = owned.get(id)!;
    owned.delete(id);
    successors(universe, node).forEach((move, index) => {
      const t = transition(node.state, move.event);
      transitions++;
      const step = { before: node.state, event: move.event, after: t.state, observations: t.observations, settled: enabledInternalEvents(t.state).length === 0 };
      noteCoverage(node.state, t.state, coverage);
      for (const law of LAWS) {
        if (!reached.has(law.name) && law.reached(step)) {
          reached.add(law.name);
          companions.add(law.name);
        }
        const message = law.check(step);
        if (message !== null) {
          reply.violations.push({ parent: id, move: index, event: move.event, law: law.name, message });
          return;
        }
      }
      const child: Node = { state: t.state, slots: move.slots ?? node.slots };
      const key = keyOf(child);
      if (made.has(key)) return;
      made.set(key, child);
      reply.children.push({ parent: id, move: index, event: move.event, key });
    });
  }
  parentPort!.postMessage({ ...reply, transitions, companions: [...companions], coverage: Object.keys(coverage).filter((e) => coverage[e]) });
});
