import { parentPort, workerData } from "node:worker_threads";
import { LAWS, enabledInternalEvents, transition, type ModelEvent, type State } from "../model/index.js";
import { noteCoverage, successors, type Node } from "./explore.js";
import { plainKey } from "./parallel.js";
import { symmetricKey } from "./symmetry.js";
import type { DriverSlot, Universe } from "./universe.js";

/** Messages from the coordinator (checker/parallel.ts). */
export type ToWorker =
  | { readonly type: "seed"; readonly state: State; readonly slots: readonly DriverSlot[] }
  | { readonly type: "expand"; readonly ids: readonly number[] }
  | { readonly type: "keep"; readonly keys: readonly string[]; readonly ids: readonly number[] };

/** A worker's answer: the children of the states it expanded, by key, with what the laws said. */
export interface ExpandReply {
  readonly rootKey?: string;
  readonly transitions: number;
  readonly children: { readonly parent: number; readonly move: number; readonly event: ModelEvent; readonly key: string }[];
  readonly violations: { readonly parent: number; readonly move: number; readonly event: ModelEvent; readonly law: string; readonly message: string }[];
  readonly companions: string[];
  readonly coverage: string[];
}

const { universe, symmetry } = workerData as { universe: Universe; symmetry: boolean };
const symmetric = symmetry ? symmetricKey(universe) : null;
const keyOf = (n: Node): string => (symmetric === null ? plainKey(n.state, n.slots) : symmetric(n.state, n.slots));

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
        if (law.reached(step)) companions.add(law.name);
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
