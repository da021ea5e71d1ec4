import type { InternalEvent, ModelEvent } from "./event.js";
import { firstActorEvent, firstKillEvent } from "./events/registry.js";
import type { State } from "./state.js";
import { isJobId } from "./state.js";

/**
 * Bookkeeping beside one working state, so that a long run costs O(1) per
 * event where looking through the state would cost O(state): which actors may
 * have internal events pending, the namespaces every job ever used, the
 * destroyed actors in the GCS's cache in the order they came. It decides
 * nothing: every answer is the one a scan of the state gives (`ledger.test.ts`
 * checks that on random programs, every profile and seeded bug). The reducer
 * consults it when one is given (`applyInPlace`), and scans otherwise.
 *
 * It relies on one locality property of the reducer: an event changes the
 * records of its caller, its actor, the actor a call in flight is bound to and
 * the actors it registers, nothing else; an actor's internal events depend on
 * its own record, its owner's and creator's liveness and the owner's handle
 * to it. Node events (format version 2: a node added, drained or dead) and
 * the GCS's stops and restarts are the exception: after one, every
 * registered actor is looked at again.
 */
export class Ledger {
  /** Registered actors that may have an internal event enabled (a superset; pruned lazily). */
  private readonly pending = new Set<string>();
  /** Caller → actors whose internal events depend on its liveness (it owns them, created them, or is their job). */
  private readonly dependents = new Map<string, string[]>();
  /** Every namespace a job (running or finished) has used. */
  private readonly namespaces = new Set<string>();
  /** Destroyed actors in the GCS's cache, oldest first, from `head` on. */
  private readonly cache: string[] = [];
  private head = 0;
  /** Evicted from the cache, kept only because callers still hold handles to them. */
  private readonly held = new Set<string>();

  /** A ledger of a state (scanned once). */
  constructor(state: State) {
    for (const id in state.jobs) this.namespaces.add(state.jobs[id].namespace);
    for (const id in state.finished) this.namespaces.add(state.finished[id].namespace);
    for (const id in state.actors) this.registered(state, id);
    for (const id in state.destroyed) {
      if (state.destroyed[id].evicted === true) this.held.add(id);
      else this.cache.push(id);
    }
  }

  /** A copy that goes its own way (for a forked store). */
  clone(state: State): Ledger {
    const copy = Object.create(Ledger.prototype) as Ledger;
    const c = copy as unknown as {
      pending: Set<string>; dependents: Map<string, string[]>; namespaces: Set<string>; cache: string[]; head: number; held: Set<string>;
      touchedIds: string[]; touchedLives: number[]; actorsBefore: number; jobsBefore: number; cluster: boolean;
    };
    c.pending = new Set(this.pending);
    c.dependents = new Map([...this.dependents].map(([k, v]) => [k, [...v]]));
    c.namespaces = new Set(this.namespaces);
    c.cache = this.cache.slice(this.head);
    c.head = 0;
    c.held = new Set(this.held);
    c.touchedIds = [];
    c.touchedLives = [];
    c.actorsBefore = 0;
    c.jobsBefore = 0;
    c.cluster = false;
    void state;
    return copy;
  }

  private registered(state: State, id: string): void {
    const a = state.actors[id];
    if (a === undefined) return;
    this.pending.add(id);
    this.depend(a.creator.caller, id);
    if (a.owner !== null && a.owner.caller !== a.creator.caller) this.depend(a.owner.caller, id);
    if (a.job !== a.creator.caller) this.depend(a.job, id);
  }

  private depend(caller: string, id: string): void {
    const list = this.dependents.get(caller);
    if (list === undefined) this.dependents.set(caller, [id]);
    else list.push(id);
  }

  /** Ids the event being applied may change, their liveness before it, and the counters before it (see `before`). */
  private readonly touchedIds: string[] = [];
  private readonly touchedLives: number[] = [];
  private actorsBefore = 0;
  private jobsBefore = 0;
  /** The event being applied is a node event (see `after`). */
  private cluster = false;

  /** Notes what `after` needs to know of the state before `event` (the two always come in pairs). */
  before(state: State, event: ModelEvent): void {
    const ids = this.touchedIds;
    ids.length = 0;
    this.cluster = event.type === "addNode" || event.type === "drainNode" || event.type === "node.died" ||
      event.type === "startGcs" || event.type === "restartGcs" || event.type === "stopGcs";
    const e = event as { caller?: unknown; actor?: unknown };
    if (typeof e.caller === "string" && e.caller !== "") ids.push(e.caller);
    if (typeof e.actor === "string") ids.push(e.actor);
    if (event.type === "continue") {
      const inflight = state.inflight[event.caller];
      if (inflight?.op === "call") ids.push(inflight.actor);
    }
    const lives = this.touchedLives;
    lives.length = 0;
    for (const id of ids) lives.push(liveness(state, id));
    this.actorsBefore = state.counters.actor;
    this.jobsBefore = state.counters.job;
  }

  /** Takes in what the event noted by `before` changed. */
  after(state: State): void {
    if (this.cluster) {
      // A node event (version 2) reaches past its own records: what runs on the node, what may be placed anywhere.
      for (const id in state.actors) this.pending.add(id);
    }
    for (let n = this.jobsBefore + 1; n <= state.counters.job; n++) {
      const job = state.jobs[`j${n}`] ?? state.finished[`j${n}`];
      if (job !== undefined) this.namespaces.add(job.namespace);
    }
    for (let n = this.actorsBefore + 1; n <= state.counters.actor; n++) this.registered(state, `a${n}`);
    const ids = this.touchedIds;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (state.actors[id] !== undefined) this.pending.add(id);
      if (liveness(state, id) === this.touchedLives[i]) continue;
      const list = this.dependents.get(id);
      if (list === undefined) continue;
      const kept = list.filter((d) => state.actors[d] !== undefined);
      for (const d of kept) this.pending.add(d);
      if (kept.length === 0) this.dependents.delete(id);
      else this.dependents.set(id, kept);
    }
  }

  /** The first internal event the settled runner takes (as `firstInternalEvent`), or null. */
  firstInternalEvent(state: State): InternalEvent | null {
    // While the GCS is stopped nothing is enabled: keep what is pending for when it starts again.
    if (state.gcsDown === true) return null;
    let best: InternalEvent | null = null;
    let bestN = Infinity;
    for (const id of this.pending) {
      const actor = state.actors[id];
      const e = actor === undefined ? null : firstActorEvent(state, actor);
      if (e === null) {
        this.pending.delete(id);
        continue;
      }
      const n = Number(id.slice(1));
      if (n < bestN) {
        bestN = n;
        best = e;
      }
    }
    return best ?? firstKillEvent(state);
  }

  /** True when some job, running or finished, has used the namespace. */
  namespaceUsed(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  /** The number of destroyed actors in the GCS's cache. */
  cached(): number {
    return this.cache.length - this.head;
  }

  /** The destroyed actor cached longest ago. */
  oldest(): string | undefined {
    return this.cache[this.head];
  }

  /** An actor entered the cache of destroyed actors. */
  destroyed(id: string): void {
    this.cache.push(id);
  }

  /** The oldest cached actor left the cache; `held`: its record stays for the callers holding handles. */
  evicted(id: string, held: boolean): void {
    if (this.cache[this.head] !== id) throw new Error(`ledger: evicted ${id}, but the oldest cached actor is ${String(this.cache[this.head])}`);
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.cache.length) {
      this.cache.splice(0, this.head);
      this.head = 0;
    }
    if (held) this.held.add(id);
  }

  /** Evicted actors whose records are kept for callers' handles. */
  heldRecords(): readonly string[] {
    return [...this.held];
  }

  /** No caller holds a handle to this evicted actor any more: its record is gone. */
  forgotten(id: string): void {
    this.held.delete(id);
  }
}

/** A caller's liveness as owners and creators see it: -1 gone, else its process incarnation (0 for a running job). */
function liveness(state: State, id: string): number {
  if (isJobId(id)) return state.jobs[id] !== undefined ? 0 : -1;
  const a = state.actors[id];
  return a === undefined || a.lifecycle === "DEAD" ? -1 : a.incarnation;
}
