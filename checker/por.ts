import { PROFILES, type Law, type ModelEvent, type State } from "../model/index.js";
import { footprint, keysMeet, ownerKey } from "../model/footprint.js";
import { driverCommands, opsOf, universeLaws, type DriverSlot, type Universe } from "./universe.js";
import { checkPaced, type CheckOptions, type CheckResult } from "./explore.js";
import type { Move, Reduction } from "../sim/search.js";
import { drainSync, type Paced } from "../sim/pace.js";

/**
 * Partial-order reduction (`rollcall check --por`): in each state, a subset
 * of the moves that is enough to find every law's violation, a persistent
 * set (Godefroid) in one of two shapes: every move of one driver (lane), or
 * every move of the cluster on one actor (its internal events, its crash, its
 * pending kills' processing). The search core (sim/search.ts) takes it.
 *
 * Independence is read off footprints (model/footprint.ts): two moves are
 * independent when neither writes what the other reads or writes. To that
 * each move adds what the laws read about its step beyond the records the
 * model reads (`lawKeys`), so independent moves are also ones no law can tell
 * the order of apart (C2). The set is persistent (C1) when no move any other
 * driver or the cluster could make before it, in any future, is dependent on
 * it: the futures are over-approximated from what each could ever touch
 * (`laneFuture`, `actorFuture`). C0: the set is never empty.
 *
 * Why the verdict stays the same (for the laws, which judge single
 * transitions): let a violating transition be reachable from a state s by a
 * path w whose earlier steps keep the laws, and A be s's set. Either some
 * move of w is in A, and the first one moves to the front (it commutes with
 * the moves before it, and a step that keeps the laws does not change how
 * they judge an independent one), or none is, and any move of A followed by
 * w breaks a law too (the move itself, or w's last step). Each step shortens
 * w or goes one step down the state space, which has no cycles (every move
 * uses up an operation, a restart, a kill or a lifecycle step; por.test.ts
 * checks it), so a violation is reached in the reduced space: the core is
 * told (`acyclic`) that it needs no cycle proviso. `checkReduced` then re-runs the search without reduction
 * when one is found, so the violation reported (and the counterexample
 * written) is the unreduced search's, a shortest one.
 *
 * Not used: sleep sets (a state reached again with a smaller sleep set must
 * be expanded again, which the fingerprint table does not record), and
 * symmetry's renumbering of ids (two creates or two inits always conflict on
 * the id counters here, even under `--symmetry`).
 */

/** The laws this file knows what they read (`lawKeys`); with any other law, no reduction. */
const KNOWN_LAWS = new Set([
  "name-uniqueness", "get-if-exists-ignores-arguments", "detached-survive-job", "name-reusable-after-kill", "handles-never-move",
  "namespaces-isolate-lookups", "owned-die-with-owner", "restart-keeps-name", "get-if-exists-finds-or-creates", "list-shows-live-names",
]);

type PorMove = Move;

export interface PorReduction extends Reduction {
  /**
   * Indices (ascending) of a persistent subset of `moves`, or null for all.
   * `slots` are the drivers' positions (the universe's lanes); without them
   * nothing is reduced.
   */
  ample(state: State, moves: readonly Move[], slots?: readonly DriverSlot[]): readonly number[] | null;
}

/** What `--por` adds to a check's result: the reduced search's figures, and whether the unreduced one was re-run. */
export interface PorFigures {
  readonly states: number;
  readonly transitions: number;
  /** States whose reduced set closed on a visited state, so were expanded in full. */
  readonly fullyExpanded: number;
  readonly verdict: CheckResult["verdict"];
  /** The depth at which the reduced search met its first violation, if it did. */
  readonly violationDepth: number | null;
  /** True when the verdict and the violation reported come from the search re-run without reduction. */
  readonly rerun: boolean;
}

/** `check` with partial-order reduction (sequential). */
export function checkReduced(universe: Universe, options: CheckOptions = {}): CheckResult & { readonly por: PorFigures } {
  return drainSync(checkReducedPaced(universe, options));
}

/**
 * `check` with partial-order reduction: the reduced search decides `ok` and
 * `incomplete`; when it meets a violation (at depth d), the search is re-run
 * without reduction, which then stops at its own first violation, at most d
 * deep (a bug in rollcall otherwise), so the violation reported, and the
 * counterexample written from it, is the plain search's: a shortest one, the
 * same law. With `accept` (a seeded bug's search passes over violations it
 * cannot write as a scenario), the reduced search stops at any violation and
 * the re-run applies `accept`.
 */
export function* checkReducedPaced(universe: Universe, options: CheckOptions = {}): Paced<CheckResult & { readonly por: PorFigures }> {
  const { accept, ...rest } = options;
  const reduced = yield* checkPaced(universe, { ...rest, reduction: porReduction(universe, options.laws) });
  const figures = {
    states: reduced.states, transitions: reduced.transitions, fullyExpanded: reduced.fullyExpanded ?? 0, verdict: reduced.verdict,
    violationDepth: reduced.violation?.trace.length ?? null,
  };
  if (reduced.verdict !== "violation") return { ...reduced, por: { ...figures, rerun: false } };
  const full = yield* checkPaced(universe, options);
  const d = figures.violationDepth!;
  if (accept === undefined && full.verdict === "violation" && full.violation!.trace.length > d) {
    throw new Error(`partial-order reduction met a violation at depth ${d}, the full search none before depth ${full.violation!.trace.length} (a bug in rollcall)`);
  }
  if (accept === undefined && full.verdict === "ok") throw new Error(`partial-order reduction met a violation of ${reduced.violation!.law} the full search does not (a bug in rollcall)`);
  return { ...full, por: { ...figures, rerun: true } };
}

interface Keys {
  readonly reads: Set<string>;
  readonly writes: Set<string>;
}

const keys = (): Keys => ({ reads: new Set(), writes: new Set() });
const write = (k: Keys, key: string): void => {
  k.writes.add(key);
  k.reads.add(key);
};

/** The reduction for a universe, or one that never reduces when something it cannot reason about is present. */
export function porReduction(universe: Universe, laws: readonly Law[] = universeLaws(universe)): PorReduction {
  const unknown = laws.some((l) => !KNOWN_LAWS.has(l.name));
  return {
    acyclic: true,
    ample(state, moves, slots) {
      if (unknown || !Array.isArray(slots) || moves.length < 2) return null;
      if (!reducible(state)) return null;
      return choose(universe, state, moves, slots);
    },
  };
}

/**
 * States the reasoning does not cover: under `owned-outlive-owner` an owned
 * actor may outlive its owner in a settled state, and the law that says it
 * may not reads the whole state's settledness; with a small cache of
 * destroyed actors, any destruction may evict any older record.
 */
function reducible(state: State): boolean {
  if (state.mutant === "owned-outlive-owner") return false;
  const cap = state.destroyedActorCache ?? PROFILES[state.profile].destroyedActorCache;
  return cap >= 1000;
}

function choose(universe: Universe, state: State, moves: readonly PorMove[], slots: readonly DriverSlot[]): readonly number[] | null {
  // Group the moves: by lane, and the cluster's by actor.
  const byLane = new Map<number, number[]>();
  const byActor = new Map<string, number[]>();
  moves.forEach((m, i) => {
    if (m.lane !== null && m.kind !== "crash") {
      const list = byLane.get(m.lane) ?? [];
      list.push(i);
      byLane.set(m.lane, list);
      return;
    }
    const actor = (m.event as { actor?: string }).actor;
    if (actor === undefined) return;
    const list = byActor.get(actor) ?? [];
    list.push(i);
    byActor.set(actor, list);
  });
  const candidates: { indices: number[]; lane: number | null; actor: string | null }[] = [];
  for (const [actor, indices] of byActor) candidates.push({ indices, lane: null, actor });
  for (const [lane, indices] of byLane) candidates.push({ indices, lane, actor: null });
  candidates.sort((a, b) => a.indices.length - b.indices.length || (a.lane ?? -1) - (b.lane ?? -1));

  const laneFutures = slots.map((slot, i) => laneFuture(universe, state, slot, i));
  const waiting = (id: string | null): boolean => {
    const l = id === null ? undefined : state.actors[id]?.lifecycle;
    return l === "DEPENDENCIES_UNREADY" || l === "PENDING_CREATION" || l === "RESTARTING";
  };
  // Registered actors, and destroyed ones with a kill still pending (its processing finds nothing, takes the entry out).
  const registered = [...new Set([...Object.keys(state.actors), ...byActor.keys()])];
  const actorFutures = new Map(registered.map((id) => [id, actorFuture(state, id)] as const));
  const newActors = newActorFuture(universe, state, slots);

  const enablers = new Map(registered.map((id) => {
    const k = keys();
    enablingUniverse(state, id, k);
    return [id, k.reads] as const;
  }));

  for (const c of candidates) {
    if (c.indices.length === moves.length) return null;
    const own = keys();
    for (const i of c.indices) addExtended(state, moves[i]!.event, own);
    if (c.lane !== null) {
      if (!laneComplete(universe, state, slots[c.lane]!, c.lane, c.indices.length, moves, c.indices)) continue;
    } else {
      // New moves of the cluster on this actor may become enabled: what enables any of them is read.
      enablingUniverse(state, c.actor!, own);
    }
    // A waiting actor's record is read by the set (its enabling keys), so no move outside it changes it: it stays waiting.
    const futures = c.actor !== null && waiting(c.actor) ? slots.map((slot, i) => laneFuture(universe, state, slot, i, c.actor)) : laneFutures;
    const others = futures.filter((_, j) => j !== c.lane);
    const active = activeActors(registered, byActor, c.actor, others, actorFutures, enablers, newActors);
    let ok = !others.some((f) => conflicts(own, f)) && !conflicts(own, newActors);
    for (const id of active) if (ok && conflicts(own, actorFutures.get(id)!)) ok = false;
    if (ok) return c.indices;
  }
  return null;
}

/**
 * The actors the cluster may act on along paths outside the set: those with
 * a move now, and, until nothing changes, those whose enabling keys someone
 * who may move writes (a driver, or the cluster on an actor already in). The
 * others have no move on such paths, so nothing of theirs conflicts.
 */
function activeActors(
  registered: readonly string[], byActor: ReadonlyMap<string, readonly number[]>, candidate: string | null,
  lanes: readonly Keys[], futures: ReadonlyMap<string, Keys>, enablers: ReadonlyMap<string, ReadonlySet<string>>, newActors: Keys,
): string[] {
  const active = registered.filter((id) => id !== candidate && byActor.has(id));
  const writers: Set<string>[] = [...lanes.map((f) => f.writes), newActors.writes, ...active.map((id) => futures.get(id)!.writes)];
  let rest = registered.filter((id) => id !== candidate && !byActor.has(id));
  for (let changed = true; changed && rest.length > 0;) {
    changed = false;
    rest = rest.filter((id) => {
      if (!writers.some((w) => keysMeet(w, enablers.get(id)!))) return true;
      active.push(id);
      writers.push(futures.get(id)!.writes);
      changed = true;
      return false;
    });
  }
  return active;
}

/** True when the candidate's moves conflict with a future: one writes what the other reads or writes. */
function conflicts(own: Keys, future: Keys): boolean {
  return keysMeet(own.writes, future.reads) || keysMeet(future.writes, own.reads);
}

/** A move's footprint and what the laws read about its step. */
function addExtended(state: State, event: ModelEvent, into: Keys): void {
  const f = footprint(state, event);
  for (const r of f.reads) into.reads.add(r);
  for (const w of f.writes) write(into, w);
  lawKeys(state, event, into);
  nameGroups(state, into);
}

/**
 * What the laws (model/laws) read about a step beyond what the model reads
 * for it. Laws that compare a step's before and after only see the step's
 * own changes (detached-survive-job, handles-never-move) and need nothing.
 * - name-uniqueness judges the state after every step; it is a conjunction
 *   over (namespace, name) groups (the entry and the actors named so), so a
 *   move writing into a group also writes the group's key `nameinv:N/n`
 *   (`nameGroups`): two moves writing one group are dependent.
 * - owned-die-with-owner: an actor becoming ALIVE reads its owner's
 *   liveness. (Its other half, a settled state with an orphan, cannot happen
 *   but under `owned-outlive-owner`, where nothing is reduced: an orphan's
 *   owner death is always enabled, so such a state is never settled.)
 * - restart-keeps-name and name-reusable-after-kill read the actor's entry.
 * - get-if-exists-ignores-arguments reads the actor found.
 * - list-shows-live-names reads every registered named actor of the namespace.
 * - namespaces-isolate-lookups and get-if-exists-finds-or-creates read only
 *   what the model reads (the entry, the caller's command in flight).
 */
function lawKeys(state: State, event: ModelEvent, k: Keys): void {
  const entry = (id: string): void => {
    const a = state.actors[id] ?? state.destroyed[id];
    if (a !== undefined && a.name !== null) k.reads.add(`name:${a.namespace}/${a.name}`);
  };
  switch (event.type) {
    case "actor.created": case "actor.restarted": {
      const a = state.actors[event.actor];
      if (a?.owner != null) k.reads.add(ownerKey(a.owner));
      entry(event.actor);
      return;
    }
    case "kill.processed":
      entry(event.actor);
      k.reads.add(`actor:${event.actor}`);
      return;
    case "create": case "continue": {
      const f = event.type === "continue" ? state.inflight[event.caller] : undefined;
      const request = event.type === "create" ? (event.name === undefined ? null : { namespace: event.namespace, name: event.name, caller: event.caller }) : f !== undefined && f.op !== "call" && f.request.name !== null ? { namespace: f.request.namespace, name: f.request.name, caller: event.caller } : null;
      if (request === null) return;
      const ns = request.namespace ?? callerNamespace(state, request.caller);
      k.reads.add(`name:${ns}/${request.name}`);
      const holder = state.names[ns]?.[request.name];
      if (holder !== undefined) {
        // Whether it is registered, and its arguments (the rest is immutable).
        k.reads.add(`dead:${holder}`);
        k.reads.add(`args:${holder}`);
      }
      return;
    }
    case "list": {
      const ns = event.allNamespaces === true ? null : callerNamespace(state, event.caller);
      for (const id in state.actors) {
        const a = state.actors[id]!;
        if (a.name !== null && (ns === null || a.namespace === ns)) k.reads.add(`dead:${id}`);
      }
      return;
    }
    default:
      return;
  }
}

function callerNamespace(state: State, caller: string): string {
  const job = state.jobs[caller] ?? state.finished[caller];
  if (job !== undefined) return job.namespace;
  const a = state.actors[caller] ?? state.destroyed[caller];
  return (state.jobs[a!.job] ?? state.finished[a!.job])!.namespace;
}

/** name-uniqueness's groups: a write of an entry, or of whether a named actor is registered or DEAD, writes its group. */
function nameGroups(state: State, k: Keys): void {
  for (const w of [...k.writes]) {
    if (w.startsWith("name:")) write(k, `nameinv:${w.slice(5)}`);
    else if (w.startsWith("dead:")) {
      // (name-uniqueness reads of an actor only whether it is registered and DEAD, and its immutable name.)
      const id = w.slice(5);
      if (id === "*") write(k, "nameinv:*");
      const a = state.actors[id] ?? state.destroyed[id];
      if (a !== undefined && a.name !== null) write(k, `nameinv:${a.namespace}/${a.name}`);
    }
  }
}

/**
 * A lane's moves are a candidate only if every command it may start now is
 * enabled and listed (a disabled one could be enabled by someone else's move,
 * outside the set): a driver's menu changes only by its own moves.
 */
function laneComplete(universe: Universe, state: State, slot: DriverSlot, lane: number, listed: number, moves: readonly PorMove[], indices: readonly number[]): boolean {
  if (slot.job !== null && state.inflight[slot.job] !== undefined) return listed === 1 && moves[indices[0]!]!.kind === "continue";
  return driverCommands(universe, state, slot, lane).length === listed;
}

/** What may enable a new move of the cluster on an actor: its record, its owner's and creator's liveness, its owner's handle, its kills. */
function enablingUniverse(state: State, id: string, k: Keys): void {
  k.reads.add(`actor:${id}`);
  k.reads.add(`dead:${id}`);
  k.reads.add(`killfor:${id}`);
  const a = state.actors[id];
  if (a === undefined) return;
  if (a.owner !== null) {
    k.reads.add(ownerKey(a.owner));
    k.reads.add(`handles:${a.owner.caller}:${id}`);
  }
  k.reads.add(ownerKey(a.creator));
  k.reads.add(`job:${a.job}`);
}

/**
 * Everything a driver could touch from now on (its command in flight's next
 * steps, then its commands and theirs), over-approximated. `stuck`: an actor
 * that stays waiting (being created or restarted) as long as the set's moves
 * are not taken, so no call or code can run on it.
 */
export function laneFuture(universe: Universe, state: State, slot: DriverSlot, lane: number, stuck: string | null = null): Keys {
  const k = keys();
  if (slot.job === null) {
    write(k, "*"); // it may start in any namespace and do anything
    return k;
  }
  const job = slot.job;
  if (state.jobs[job] === undefined) return k;
  const left = opsOf(universe, lane) - slot.ops;
  const inflight = state.inflight[job];
  if (inflight === undefined && left <= 0) return k;
  write(k, `inflight:${job}`);
  k.reads.add(`killsby:${job}`);
  const ns = state.jobs[job]!.namespace;
  if (inflight !== undefined) {
    if (inflight.op === "call") {
      k.reads.add(`actor:${inflight.actor}`);
      write(k, `data:${inflight.actor}`);
    } else {
      // A registration (it may fail and look again): the entry, a new actor, a handle to whoever holds the name.
      const entry = `${inflight.request.namespace}/${inflight.request.name}`;
      registers(k, job, `name:${entry}`);
      const holder = state.names[inflight.request.namespace]?.[inflight.request.name as string];
      for (const id of holder === undefined ? ["new"] : [holder, "new"]) {
        write(k, `handles:${job}:${id}`);
        k.reads.add(`dead:${id}`);
        k.reads.add(`args:${id}`);
      }
    }
  }
  if (left > 0) commandsFuture(universe, state, job, ns, stuck, k);
  nameGroups(state, k);
  return k;
}

/** A registration's keys: the counter, a new actor, the name's entry, the creator's handle. */
function registers(k: Keys, job: string, entry: string): void {
  write(k, "counter:actor");
  write(k, entry);
  for (const key of ["actor", "dead", "data", "args"]) write(k, `${key}:new`);
  write(k, `handles:${job}:new`);
}

/** Any commands of a driver's (with their later steps), over the actors it holds or may come to hold. */
function commandsFuture(universe: Universe, state: State, job: string, ns: string, stuck: string | null, k: Keys): void {
  const ops = new Set(universe.operations);
  const anyNamespace = state.mutant === "lookup-any-namespace" || state.mutant === "handle-follows-name";
  k.reads.add(anyNamespace ? "name:*" : `name:${ns}/*`);
  write(k, `handles:${job}:*`);
  if (ops.has("create") || ops.has("getIfExists")) registers(k, job, `name:${ns}/*`);
  // Held ones, named ones it may look up, new ones it may create.
  const reach = new Set<string>(Object.keys(state.handles[job] ?? {}));
  for (const id in state.actors) {
    const a = state.actors[id]!;
    if (a.name !== null && (anyNamespace || a.namespace === ns)) reach.add(id);
  }
  reach.add("new");
  const kills = ops.has("kill") || ops.has("killRestart");
  if (kills) {
    write(k, "kills:push");
    write(k, `killsby:${job}`);
  }
  if (ops.has("exit")) write(k, `job:${job}`);
  for (const id of reach) {
    k.reads.add(`dead:${id}`); // lookups, lists, what get-or-create returns
    k.reads.add(`args:${id}`);
    if (state.mutant === "get-or-create-new-args") {
      write(k, `args:${id}`);
      write(k, `data:${id}`);
    }
    if (kills) write(k, `killfor:${id}`);
    if (id === stuck) continue; // no call or code runs on a waiting actor
    if (ops.has("call")) {
      k.reads.add(`actor:${id}`);
      write(k, `data:${id}`);
    }
    if (ops.has("exitActor")) {
      for (const key of ["actor", "dead", "inflight", "killsby"]) write(k, `${key}:${id}`);
      write(k, `handles:${id}:*`);
      const a = state.actors[id] ?? state.destroyed[id];
      if (a !== undefined) {
        if (a.name !== null) write(k, `name:${a.namespace}/${a.name}`);
        if (a.owner !== null) k.reads.add(ownerKey(a.owner));
      }
    }
  }
}

/** Everything the cluster could do to a registered actor from now on: every internal event, crash and kill of it. */
export function actorFuture(state: State, id: string): Keys {
  const k = keys();
  const a = state.actors[id];
  if (a === undefined) {
    write(k, `killfor:${id}`);
    for (const p of state.kills) if (p.actor === id) write(k, `killsby:${p.by}`);
    return k;
  }
  for (const key of ["actor", "dead", "data", "inflight", "killfor"]) write(k, `${key}:${id}`);
  k.reads.add(`args:${id}`);
  write(k, `handles:${id}:*`);
  if (a.name !== null) write(k, `name:${a.namespace}/${a.name}`);
  if (a.owner !== null) {
    k.reads.add(ownerKey(a.owner));
    k.reads.add(`handles:${a.owner.caller}:${id}`);
  }
  k.reads.add(ownerKey(a.creator));
  k.reads.add(`job:${a.job}`);
  nameGroups(state, k);
  return k;
}

/**
 * What the cluster could do to actors not created yet: their records (keys
 * `…:new`, which no move of the present touches), and their creators'
 * liveness and handles.
 */
function newActorFuture(universe: Universe, state: State, slots: readonly DriverSlot[]): Keys {
  const k = keys();
  for (const key of ["actor", "dead", "data", "inflight", "killfor"]) write(k, `${key}:new`);
  k.reads.add("args:new");
  write(k, "handles:new:*");
  const creates = universe.operations.includes("create") || universe.operations.includes("getIfExists");
  slots.forEach((slot, i) => {
    if (slot.job === null) {
      if (creates) write(k, "*");
      return;
    }
    if (state.jobs[slot.job] === undefined) return;
    const f = state.inflight[slot.job];
    const registering = (f !== undefined && f.op !== "call") || (creates && opsOf(universe, i) - slot.ops > 0);
    if (!registering) return;
    // A new actor's owner is its creator; when it dies, its entry may be released.
    k.reads.add(`job:${slot.job}`);
    k.reads.add(`handles:${slot.job}:new`);
    write(k, `name:${state.jobs[slot.job]!.namespace}/*`);
  });
  nameGroups(state, k);
  return k;
}
