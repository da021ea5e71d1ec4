import { Worker } from "node:worker_threads";
import { LAWS, hash64, initialState, memoKeyBy, type ModelEvent } from "../model/index.js";
import { chartEdges, observationsOf, type CheckOptions, type CheckResult, type Violation } from "./explore.js";
import type { DriverSlot, Universe } from "./universe.js";
import type { ExpandReply, ToWorker } from "./worker.js";

/**
 * The breadth-first search of `check`, across worker threads
 * (`rollcall check --workers N`). The coordinator keeps the visited set (keys
 * the same in every thread) and the search tree (parent and
 * event of each state); the states themselves stay in the worker that made
 * them, which expands them at the next level, so only keys and events cross
 * threads (as 128-bit hashes of the canonical text); a worker with more new
 * states than its share hands the rest to the others. Each level: every worker expands the new states it owns, checks
 * the laws on every transition and sends back its children's keys; the
 * coordinator keeps the first of each key in a fixed order (parent, then
 * move), so the result does not depend on which worker is faster, and tells
 * each worker which of its children to keep.
 *
 * Same states, transitions and verdict as `check`; a violation found is on a
 * shortest path too (the first in that fixed order among the level's).
 */
export async function checkParallel(universe: Universe, workers: number, options: CheckOptions = {}): Promise<CheckResult> {
  const laws = options.laws ?? LAWS;
  if (laws !== LAWS) throw new Error("checkParallel checks the model's own laws");
  const now = options.now ?? (() => 0);
  const started = now();
  const maxStates = options.maxStates ?? Infinity;
  const maxMillis = options.maxMillis ?? Infinity;
  const url = new URL("./worker.js", import.meta.url);
  const pool = Array.from({ length: workers }, () => new Worker(url, { workerData: { universe, symmetry: options.symmetry === true } }));
  const ask = (w: number, message: ToWorker): Promise<ExpandReply> =>
    new Promise((resolve, reject) => {
      const worker = pool[w]!;
      const onMessage = (reply: ExpandReply) => {
        worker.off("error", onError);
        resolve(reply);
      };
      const onError = (e: Error) => {
        worker.off("message", onMessage);
        reject(e);
      };
      worker.once("message", onMessage);
      worker.once("error", onError);
      worker.postMessage(message);
    });

  try {
    const companions: Record<string, number | null> = Object.fromEntries(laws.map((l) => [l.name, null]));
    const coverage: Record<string, boolean> = Object.fromEntries(chartEdges().map((e) => [e, false]));
    const parents: number[] = [-1];
    const events: (ModelEvent | null)[] = [null];
    const visited = new Map<string, number>();
    const root = { state: initialState(universe.profile, universe.mutant), slots: Array.from({ length: universe.drivers }, (): DriverSlot => ({ job: null, ops: 0 })) };
    const rootKey = await (async () => {
      const r = await ask(0, { type: "seed", state: root.state, slots: root.slots });
      return r.rootKey as string;
    })();
    visited.set(rootKey, 0);
    let owned: number[][] = pool.map((_, w) => (w === 0 ? [0] : []));
    let transitions = 0;
    let depth = 0;
    let passedOver: { count: number; shortest: number } | undefined;
    let result: Partial<CheckResult> | null = null;
    const traceOf = (index: number): ModelEvent[] => {
      const t: ModelEvent[] = [];
      for (let i = index; i > 0; i = parents[i]!) t.push(events[i]!);
      return t.reverse();
    };
    search: while (owned.some((o) => o.length > 0)) {
      options.progress?.({ states: visited.size, transitions, depth, frontier: owned.reduce((n, o) => n + o.length, 0) });
      const replies = await Promise.all(pool.map((_, w) => ask(w, { type: "expand", ids: owned[w]! })));
      // Every child of the level, in a fixed order: by parent, then by move.
      const children: { worker: number; parent: number; move: number; event: ModelEvent; key: string }[] = [];
      const violations: { parent: number; move: number; event: ModelEvent; law: string; message: string }[] = [];
      replies.forEach((r, w) => {
        transitions += r.transitions;
        for (const name of r.companions) if (companions[name] === null) companions[name] = depth + 1;
        for (const edge of r.coverage) coverage[edge] = true;
        for (const c of r.children) children.push({ worker: w, ...c });
        violations.push(...r.violations);
      });
      const order = (a: { parent: number; move: number }, b: { parent: number; move: number }) => a.parent - b.parent || a.move - b.move;
      violations.sort(order);
      children.sort(order);
      // A violation comes before the children that follow it in the same order only if it is accepted.
      let cut: { parent: number; move: number } | null = null;
      for (const v of violations) {
        const trace = [...traceOf(v.parent), v.event];
        const sentence = laws.find((l) => l.name === v.law)!.sentence;
        const violation: Violation = { law: v.law, sentence, message: v.message, trace, observations: observationsOf(universe, trace) };
        if (options.accept !== undefined && !options.accept(violation)) {
          passedOver = { count: (passedOver?.count ?? 0) + 1, shortest: passedOver?.shortest ?? trace.length };
          continue;
        }
        result = { verdict: "violation", violation, ...(passedOver === undefined ? {} : { passedOver }) };
        cut = v;
        break;
      }
      const next: number[][] = pool.map(() => []);
      const keep: string[][] = pool.map(() => []);
      for (const c of children) {
        if (cut !== null && order(c, cut) > 0) break;
        if (visited.has(c.key)) continue;
        const id = parents.length;
        parents.push(c.parent);
        events.push(c.event);
        visited.set(c.key, id);
        next[c.worker]!.push(id);
        keep[c.worker]!.push(c.key);
        if (visited.size >= maxStates) {
          result = { verdict: "incomplete", bound: "states" };
          break;
        }
      }
      if (result !== null) {
        depth++;
        break search;
      }
      // Balance the next level: a worker with more than its share hands the rest over.
      const total = next.reduce((n, ids) => n + ids.length, 0);
      const share = Math.ceil(total / workers);
      const give = next.map((ids) => (ids.length > share ? ids.slice(share) : []));
      const kept = await Promise.all(pool.map((_, w) => ask(w, { type: "keep", keys: keep[w]!, ids: next[w]!, give: give[w]! })));
      const moving = kept.flatMap((r) => r.given ?? []);
      owned = next.map((ids, w) => ids.slice(0, ids.length - give[w]!.length));
      const takes: { id: number; node: import("./explore.js").Node }[][] = pool.map(() => []);
      for (let w = 0, i = 0; w < workers && i < moving.length; w++) {
        while (owned[w]!.length + takes[w]!.length < share && i < moving.length) takes[w]!.push(moving[i++]!);
      }
      await Promise.all(pool.map((_, w) => (takes[w]!.length > 0 ? ask(w, { type: "take", nodes: takes[w]! }) : Promise.resolve(null))));
      owned = owned.map((ids, w) => [...ids, ...takes[w]!.map((t) => t.id)].sort((a, b) => a - b));
      if (owned.some((o) => o.length > 0)) depth++;
      if (now() - started > maxMillis) {
        result = { verdict: "incomplete", bound: "time" };
        break;
      }
      if ((options.memoryMB?.() ?? 0) > (options.maxMemoryMB ?? Infinity)) {
        result = { verdict: "incomplete", bound: "memory" };
        break;
      }
    }
    return {
      verdict: "ok",
      ...(passedOver === undefined ? {} : { passedOver }),
      ...result,
      states: visited.size,
      transitions,
      depth,
      companions,
      coverage,
    } as CheckResult;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/**
 * A Merkle hash of plain data, remembered per object: an object's hash is the
 * hash of its sorted keys and its children's hashes, so it is the same in every
 * thread and costs little for the states immer makes (they share every
 * unchanged part, whose hash is remembered). Make a fresh one per search.
 */
export function memoHash(): (value: unknown) => string {
  return memoKeyBy((text) => "#" + hashKey(text));
}

/**
 * What crosses threads: a 128-bit hash of a node's canonical text (two 64-bit
 * hashes, the second of the text salted). Two states merge only if their
 * hashes collide: at a million states the chance is below 10^-26.
 */
export function hashKey(text: string): string {
  return hash64(text) + hash64("\u0001" + text);
}
