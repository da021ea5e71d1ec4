import type { Actor, State } from "../model/index.js";
import { collisionOdds, hashOut, hashValue } from "../sim/table.js";
import { NAMES, opsOf, type DriverSlot, type Universe } from "./universe.js";

/**
 * Symmetry reduction (`rollcall check --symmetry`). Drivers that have the same
 * operations left, the namespaces, the names, and the actors are
 * interchangeable: renaming them maps runs to runs and keeps every law
 * (laws only relate ids, never read them). So the search may keep one state
 * per class of renamings: the key of a state is the smallest 64-bit hash
 * (`hashValue`) of the state renamed, over the orderings of its drivers,
 * namespaces and names that sort them by what renaming keeps of them (their
 * signatures: counts and kinds, no ids nor names), items with equal
 * signatures in every order (`exhaustive`: over every permutation, n!
 * of them; a test checks both keep the same classes), with actors
 * renumbered in an order fixed by their renamed contents. The returned
 * function leaves it in `hashOut`.
 *
 * Sound by construction: two states get one key only if one is a renaming of
 * the other (the key is the renamed state's hash), up to a collision of
 * 64-bit hashes, whose odds `symmetryCollisionOdds` gives. It may keep two
 * states of one class apart (actors with equal contents are ordered as they
 * were made), which costs states, never verdicts.
 */
export function symmetricKey(universe: Universe, exhaustive = false): (state: State, slots: readonly DriverSlot[]) => void {
  const orderingsOf = exhaustive ? <T extends string>(items: readonly T[]): T[][] => permutations(items) : orderings;
  return (state, slots) => {
    const jobs = [...Object.keys(state.jobs), ...Object.keys(state.finished)].sort(byNumber);
    const namespaces = usedNamespaces(state);
    // Each job's operations left (a finished one has none); drivers not started yet, as a sorted list of budgets.
    const left = new Map<string, number>();
    const waiting: number[] = [];
    slots.forEach((s, i) => {
      if (s.job === null) waiting.push(opsOf(universe, i));
      else left.set(s.job, state.jobs[s.job] === undefined ? -1 : opsOf(universe, i) - s.ops);
    });
    waiting.sort((a, b) => a - b);
    let bestHi = -1;
    let bestLo = -1;
    // Only the orderings that sort jobs, namespaces and names by what renaming keeps of them are tried (ties in every order).
    const { job: jobSig, namespace: nsSig, name: nameSig } = signatures(state, left);
    const names = NAMES.slice(0, universe.names) as string[];
    for (const jp of orderingsOf(jobs, jobSig)) {
      const jobMap = new Map(jp.map((j, i) => [j, `J${i + 1}`] as const));
      for (const np of orderingsOf(namespaces, nsSig)) {
        const nsMap = new Map(np.map((n, i) => [n, `N${i + 1}`] as const));
        for (const order of orderingsOf(names, nameSig)) {
          const nameMap = new Map(order.map((n, i) => [n, names[i]!] as const));
          hashValue(renamed(state, jobMap, nsMap, nameMap, left, waiting));
          if (bestHi === -1 || hashOut.hi < bestHi || (hashOut.hi === bestHi && hashOut.lo < bestLo)) {
            bestHi = hashOut.hi;
            bestLo = hashOut.lo;
          }
        }
      }
    }
    hashOut.hi = bestHi;
    hashOut.lo = bestLo;
  };
}

function usedNamespaces(state: State): string[] {
  const used = new Set<string>();
  for (const id in state.jobs) used.add(state.jobs[id]!.namespace);
  for (const id in state.finished) used.add(state.finished[id]!.namespace);
  for (const id in state.actors) used.add(state.actors[id]!.namespace);
  for (const id in state.destroyed) used.add(state.destroyed[id]!.namespace);
  return [...used].sort();
}

/** A value's hash (`hashValue`) as a pair. */
function hashed(v: unknown): [number, number] {
  hashValue(v);
  return [hashOut.hi, hashOut.lo];
}

/** The state with jobs, namespaces and names renamed, and actors renumbered by their renamed contents. */
function renamed(
  state: State, jobMap: Map<string, string>, nsMap: Map<string, string>, nameMap: Map<string, string>,
  left: Map<string, number>, waiting: readonly number[],
): Record<string, unknown> {
  const ns = (n: string): string => nsMap.get(n) ?? n;
  const name = (n: string | null): string | null => (n === null ? null : nameMap.get(n) ?? n);
  const all: Actor[] = [...Object.values(state.actors), ...Object.values(state.destroyed)];
  const registered = new Set(Object.keys(state.actors));
  // First pass: each actor's contents with other actors' ids hidden, to order them.
  const hide = (id: string): string => (jobMap.get(id) ?? "A");
  const signature = (a: Actor): [number, number] => hashed([
    registered.has(a.id), a.cls, a.args, name(a.name), ns(a.namespace), a.detached,
    a.owner === null ? null : [hide(a.owner.caller), a.owner.incarnation], [hide(a.creator.caller), a.creator.incarnation],
    jobMap.get(a.job) ?? a.job, a.root === a.id, a.lifecycle, a.maxRestarts, a.numRestarts, a.incarnation, a.deathCause, a.outOfScope, a.data,
    Object.keys(state.handles).filter((c) => state.handles[c]![a.id] !== undefined).map((c) => `${hide(c)}:${state.handles[c]![a.id]}`).sort(),
    state.kills.map((k) => (k.actor === a.id ? `${k.noRestart}:${hide(k.by)}` : "-")),
  ]);
  const order = all.map((a) => [signature(a), a.id] as const).sort((x, y) => x[0][0] - y[0][0] || x[0][1] - y[0][1] || byNumber(x[1], y[1]));
  const actorMap = new Map(order.map(([, id], i) => [id, `A${i + 1}`] as const));
  const id = (x: string): string => jobMap.get(x) ?? actorMap.get(x) ?? x;
  const actor = (a: Actor) => ({
    ...a, id: id(a.id), name: name(a.name), namespace: ns(a.namespace),
    owner: a.owner === null ? null : { caller: id(a.owner.caller), incarnation: a.owner.incarnation },
    creator: { caller: id(a.creator.caller), incarnation: a.creator.incarnation },
    job: id(a.job), root: a.root === null ? null : id(a.root),
  });
  const mapRecord = <T, U>(r: Readonly<Record<string, T>>, f: (v: T) => U, k: (key: string) => string = id): Record<string, U> => {
    const out: Record<string, U> = {};
    for (const key in r) out[k(key)] = f(r[key]!);
    return out;
  };
  const job = (j: State["jobs"][string]) => ({ ...j, id: id(j.id), namespace: ns(j.namespace), left: left.get(j.id) ?? -1 });
  return {
    counters: state.counters,
    jobs: mapRecord(state.jobs, job),
    finished: mapRecord(state.finished, job),
    actors: mapRecord(state.actors, actor),
    destroyed: mapRecord(state.destroyed, actor),
    names: mapRecord(state.names, (names) => mapRecord(names, id, (n) => name(n) as string), ns),
    handles: mapRecord(state.handles, (held) => mapRecord(held, (kind) => kind)),
    inflight: mapRecord(state.inflight, (f) =>
      f.op === "call" ? { ...f, actor: id(f.actor) } : { op: f.op, next: f.next, request: { ...f.request, name: name(f.request.name), namespace: ns(f.request.namespace) } }),
    kills: state.kills.map((k) => ({ actor: id(k.actor), noRestart: k.noRestart, by: id(k.by) })),
    waiting,
    // Worker nodes are not renamed (format version 2; absent without them).
    ...(state.nodes === undefined ? {} : { nodes: state.nodes }),
    // The GCS's stop and restarts (format version 2): part of the state, so of its key.
    ...(state.gcsDown === undefined ? {} : { gcsDown: state.gcsDown }),
    ...(state.gcsRestarts === undefined ? {} : { gcsRestarts: state.gcsRestarts }),
  };
}

/**
 * What a renaming keeps of each job, namespace and name: counts and kinds,
 * never an id nor a name. Two states of one class have the same multiset of
 * signatures, and a renaming maps each item to one with its signature.
 */
function signatures(state: State, left: ReadonlyMap<string, number>): { job: (j: string) => string; namespace: (n: string) => string; name: (n: string) => string } {
  const all: Actor[] = [...Object.values(state.actors), ...Object.values(state.destroyed)];
  const count = (f: (a: Actor) => boolean): number => {
    let n = 0;
    for (const a of all) if (f(a)) n++;
    return n;
  };
  const job = (j: string): string => {
    const f = state.inflight[j];
    const held = state.handles[j];
    const kinds = held === undefined ? "" : Object.values(held).sort().join("+");
    let kills = 0;
    for (const k of state.kills) if (k.by === j) kills++;
    return [
      state.jobs[j] === undefined ? "f" : "r", left.get(j) ?? -1, f === undefined ? "" : `${f.op}:${f.next}`, kinds,
      count((a) => a.creator.caller === j), count((a) => a.owner?.caller === j), kills,
    ].join(",");
  };
  const namespace = (n: string): string => {
    let jobs = 0;
    let finished = 0;
    for (const id in state.jobs) if (state.jobs[id]!.namespace === n) jobs++;
    for (const id in state.finished) if (state.finished[id]!.namespace === n) finished++;
    return [jobs, finished, count((a) => a.namespace === n && state.actors[a.id] !== undefined), count((a) => a.namespace === n), Object.keys(state.names[n] ?? {}).length].join(",");
  };
  const name = (n: string): string => {
    let registered = 0;
    for (const ns in state.names) if (state.names[ns]![n] !== undefined) registered++;
    return [registered, count((a) => a.name === n && state.actors[a.id] !== undefined), count((a) => a.name === n)].join(",");
  };
  return { job, namespace, name };
}

/**
 * The orderings of the items sorted by signature, items with equal
 * signatures in every order among themselves: the renamings worth trying
 * (the same set, up to the renaming, for every state of a class), instead
 * of all n! of them.
 */
export function orderings<T extends string>(items: readonly T[], signature: (item: T) => string): T[][] {
  if (items.length <= 1) return [[...items]];
  const keyed = items.map((x) => ({ x, sig: signature(x) }));
  keyed.sort((p, q) => (p.sig < q.sig ? -1 : p.sig > q.sig ? 1 : 0));
  let out: T[][] = [[]];
  for (let i = 0; i < keyed.length;) {
    let j = i + 1;
    while (j < keyed.length && keyed[j]!.sig === keyed[i]!.sig) j++;
    const group = permutations(keyed.slice(i, j).map((k) => k.x));
    out = out.flatMap((prefix) => group.map((g) => [...prefix, ...g]));
    i = j;
  }
  return out;
}

/** Every ordering of the items (n! of them; n is small here). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  const out: T[][] = [];
  items.forEach((x, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

function byNumber(x: string, y: string): number {
  return Number(x.slice(1)) - Number(y.slice(1));
}

/**
 * The chance of a collision under symmetry, an upper bound: a class's key
 * is the smallest of at most k hashes (k renamings: drivers! × namespaces!
 * × names!), and two sets of k random hashes share their smallest about k/2
 * times as often as two hashes do; and each node met (at most one per
 * transition, and the root) is told from the others by its own 64-bit
 * fingerprint before it is renamed, so those can collide too.
 */
export function symmetryCollisionOdds(universe: Universe, states: number, transitions: number): number {
  const k = factorial(universe.drivers) * factorial(universe.namespaces) * factorial(universe.names);
  return Math.min(1, collisionOdds(states) * Math.max(1, k / 2) + collisionOdds(transitions + 1));
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}
