import type { ModelEvent } from "./event.js";
import { PROFILES } from "./profile.js";
import { bug } from "./mutants.js";
import type { Actor, Owner, State } from "./state.js";
import { isJobId, selectActor, selectCallerJob, selectOwnerAlive, selectRestartsLeft } from "./state.js";

/**
 * Footprints: which records of a state an event reads and which it writes,
 * as keys. They follow the reducer's cases (model/cases/*) branch by branch,
 * so a change to a case is one edit here, next to it; footprint.test.ts runs
 * random programs under every profile and seeded bug and checks that each
 * event changes nothing outside its write set, and that two events with
 * disjoint footprints commute, so this cannot silently fall behind.
 *
 * Keys:
 * - `counter:job`, `counter:actor`: the id counters;
 * - `job:J`: job J's record (running or finished: an owner's liveness);
 * - `nsinuse`: the set of namespaces jobs started in;
 * - `actor:A`: actor A's record but its class's state (lifecycle, restarts,
 *   incarnation, death cause, registered or destroyed, evicted);
 * - `dead:A`: whether A is registered and whether it is DEAD (a lookup reads
 *   only this); every write of it is also a write of `actor:A`;
 * - `data:A`: A's class state;
 * - `args:A`: A's constructor arguments (changed only by a seeded bug);
 * - `name:N/n`: the registry's entry for name n in namespace N;
 * - `handles:C:A`: the handle caller C holds to A;
 * - `inflight:C`: C's command in flight;
 * - `killfor:A`: the pending kills of A (the queue's entries for A);
 * - `kills:push`: the queue's order (two kills sent commute only if their
 *   entries are for different actors and neither was sent: sending appends);
 * - `killsby:C`: whether C has a kill pending (C's next step waits for it).
 * Reads include what the event's enabledness depends on (model/enabled.ts),
 * so two events with disjoint footprints neither enable nor disable each other.
 * A key ending in `*` stands for every key it starts (`handles:j1:*`, `name:*`).
 *
 * Immutable fields (a job's namespace, an actor's class, name, namespace,
 * owner, creator) are read freely and never appear. Every key written is
 * also read (writes are read-modify-writes for independence).
 */
export interface Footprint {
  readonly reads: readonly string[];
  readonly writes: readonly string[];
}

class Keys {
  readonly reads = new Set<string>();
  readonly writes = new Set<string>();
  read(key: string): void {
    this.reads.add(key);
  }
  write(key: string): void {
    this.writes.add(key);
    this.reads.add(key);
  }
}

/** The footprint of `event` applied to `state`: what the reducer reads and writes there. */
export function footprint(state: State, event: ModelEvent): Footprint {
  const k = new Keys();
  touch(state, event, k);
  return { reads: [...k.reads], writes: [...k.writes] };
}

/** The key of an owner's liveness: its job's record, or its actor's (lifecycle and incarnation). */
export function ownerKey(owner: Owner): string {
  return isJobId(owner.caller) ? `job:${owner.caller}` : `actor:${owner.caller}`;
}

/** True when two key sets share a key (a `*` key covers every key it starts). */
export function keysMeet(a: Iterable<string>, b: Iterable<string>): boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const key of b) {
    if (key.endsWith("*")) prefixes.push(key.slice(0, -1));
    else exact.add(key);
  }
  for (const key of a) {
    if (key.endsWith("*")) {
      const p = key.slice(0, -1);
      for (const x of exact) if (x.startsWith(p)) return true;
      for (const q of prefixes) if (q.startsWith(p) || p.startsWith(q)) return true;
      continue;
    }
    if (exact.has(key)) return true;
    for (const q of prefixes) if (key.startsWith(q)) return true;
  }
  return false;
}

/** True when two footprints conflict: one writes what the other reads or writes. */
export function footprintsConflict(a: Footprint, b: Footprint): boolean {
  return keysMeet(a.writes, b.reads) || keysMeet(b.writes, a.reads);
}

function touch(s: State, e: ModelEvent, k: Keys): void {
  enabling(s, e, k);
  switch (e.type) {
    case "init": {
      if (e.namespace === "") return;
      const lifetime = e.defaultLifetime ?? "non_detached";
      if (lifetime !== "detached" && lifetime !== "non_detached") return;
      k.write("counter:job");
      k.write(`job:j${s.counters.job + 1}`);
      k.write("nsinuse");
      if (e.namespace === undefined && PROFILES[s.profile].anonymousNamespaces) k.read("name:*");
      return;
    }
    case "create": return create(s, e, k);
    case "continue": {
      k.write(`inflight:${e.caller}`);
      const f = s.inflight[e.caller];
      if (f === undefined) return;
      if (f.op === "call") {
        k.read(`actor:${f.actor}`);
        const a = selectActor(s, f.actor);
        if (a.lifecycle === "ALIVE" && a.incarnation === f.incarnation) k.write(`data:${a.id}`);
        return;
      }
      const request = f.request;
      const name = request.name as string;
      k.read(`name:${request.namespace}/${name}`);
      const holder = s.names[request.namespace]?.[name];
      if (f.next === "register") {
        if (holder === undefined) register(s, e.caller, request.namespace, name, k);
        return;
      }
      if (holder !== undefined) k.write(`handles:${e.caller}:${holder}`);
      return;
    }
    case "get": {
      if (!callerCanRun(s, e.caller, k) || e.name === "" || e.namespace === "") return;
      const ns = e.namespace ?? selectCallerJob(s, e.caller).namespace;
      k.read(`name:${ns}/${e.name}`);
      let id = s.names[ns]?.[e.name];
      if (id === undefined && bug(s, "lookup-any-namespace")) {
        k.read("name:*");
        for (const n of Object.keys(s.names).sort()) id ??= s.names[n]![e.name];
      }
      if (id === undefined) return;
      k.write(`handles:${e.caller}:${id}`);
      k.read(`dead:${id}`);
      return;
    }
    case "call": {
      if (!callerCanRun(s, e.caller, k)) return;
      k.read(`handles:${e.caller}:${e.actor}`);
      if (s.handles[e.caller]?.[e.actor] === undefined) return;
      k.read(`actor:${e.actor}`);
      let actor = selectActor(s, e.actor);
      if (bug(s, "handle-follows-name") && actor.name !== null) {
        k.read(`name:${actor.namespace}/${actor.name}`);
        const holder = s.names[actor.namespace]?.[actor.name];
        if (holder !== undefined && holder !== actor.id) {
          k.read(`actor:${holder}`);
          if (s.actors[holder]!.lifecycle === "ALIVE") actor = s.actors[holder]!;
        }
      }
      if (actor.lifecycle === "DEAD") return;
      if (actor.lifecycle === "ALIVE" && selectRestartsLeft(actor) > 0) {
        k.write(`inflight:${e.caller}`);
        return;
      }
      k.write(`data:${actor.id}`);
      return;
    }
    case "kill": {
      if (!callerCanRun(s, e.caller, k)) return;
      k.read(`handles:${e.caller}:${e.actor}`);
      if (s.handles[e.caller]?.[e.actor] === undefined) return;
      k.write("kills:push");
      k.write(`killfor:${e.actor}`);
      k.write(`killsby:${e.caller}`);
      return;
    }
    case "drop": {
      if (!callerCanRun(s, e.caller, k)) return;
      k.write(`handles:${e.caller}:${e.actor}`);
      return;
    }
    case "exit": {
      if (isJobId(e.caller)) {
        k.write(`job:${e.caller}`);
        k.write(`handles:${e.caller}:*`);
        return;
      }
      if (!callerCanRun(s, e.caller, k)) return;
      workerDied(s, s.actors[e.caller]!, false, k);
      return;
    }
    case "list": {
      if (!callerCanRun(s, e.caller, k)) return;
      const namespaces = e.allNamespaces === true ? Object.keys(s.names) : [selectCallerJob(s, e.caller).namespace];
      k.read(e.allNamespaces === true ? "name:*" : `name:${namespaces[0]}/*`);
      for (const ns of namespaces) for (const n in s.names[ns] ?? {}) k.read(`dead:${s.names[ns]![n]}`);
      return;
    }
    case "state": {
      if (!callerCanRun(s, e.caller, k)) return;
      k.read(`actor:${e.actor}`);
      return;
    }
    case "actor.scheduled":
      k.write(`actor:${e.actor}`);
      return;
    case "actor.created":
    case "actor.restarted":
      k.write(`actor:${e.actor}`);
      k.write(`data:${e.actor}`);
      k.read(`args:${e.actor}`);
      return;
    case "kill.processed": {
      // Taking out the first entry for the actor keeps the others' order: it commutes with sending a kill of another actor.
      k.write(`killfor:${e.actor}`);
      const pending = s.kills.find((x) => x.actor === e.actor && x.noRestart === e.noRestart);
      if (pending !== undefined) k.write(`killsby:${pending.by}`);
      k.read(`actor:${e.actor}`);
      const a = s.actors[e.actor];
      if (a === undefined) return;
      if (e.noRestart) destroy(s, a, k);
      else if (a.lifecycle === "ALIVE" || a.lifecycle === "PENDING_CREATION" || a.lifecycle === "RESTARTING") workerDied(s, a, true, k);
      return;
    }
    case "owner.death.processed":
      destroy(s, s.actors[e.actor]!, k);
      return;
    case "actor.out_of_scope":
    case "lineage.released":
      k.write(`actor:${e.actor}`);
      destroy(s, s.actors[e.actor]!, k);
      return;
    case "actor.crashed": {
      k.read(`actor:${e.actor}`);
      const a = s.actors[e.actor];
      if (a === undefined || (a.lifecycle !== "ALIVE" && a.lifecycle !== "PENDING_CREATION")) return;
      workerDied(s, a, true, k);
      return;
    }
  }
}

/** What the event's enabledness reads (model/enabled.ts: commandEnabled, the internal events' conditions; a crash needs its actor ALIVE). */
function enabling(s: State, e: ModelEvent, k: Keys): void {
  switch (e.type) {
    case "init": return;
    case "actor.crashed":
      k.read(`actor:${e.actor}`);
      return;
    case "kill.processed":
      k.read(`killfor:${e.actor}`);
      return;
    case "actor.scheduled": case "actor.created": case "actor.restarted":
    case "owner.death.processed": case "actor.out_of_scope": case "lineage.released": {
      k.read(`actor:${e.actor}`);
      const a = s.actors[e.actor];
      if (a === undefined) return;
      if (a.owner !== null) {
        k.read(ownerKey(a.owner));
        k.read(`handles:${a.owner.caller}:${a.id}`);
      }
      k.read(ownerKey(a.creator));
      k.read(`job:${a.job}`);
      return;
    }
    default:
      k.read(`killsby:${e.caller}`);
      // A caller with a command in flight can only continue it (the search core's rule).
      k.read(`inflight:${e.caller}`);
      if (!isJobId(e.caller)) k.read(`actor:${e.caller}`);
      if (e.type === "call") k.read(`actor:${e.actor}`);
  }
}

function callerCanRun(s: State, caller: string, k: Keys): boolean {
  if (isJobId(caller)) return true;
  k.read(`actor:${caller}`);
  return selectActor(s, caller)?.lifecycle === "ALIVE";
}

type Create = Extract<ModelEvent, { type: "create" }>;

/** Mirrors cases/create.ts `create`: which branch it takes decides what it touches. */
function create(s: State, e: Create, k: Keys): void {
  if (!callerCanRun(s, e.caller, k)) return;
  // Option checks read only the command and the caller's job's immutable fields; a failed one touches nothing.
  if (e.getIfExists === true && e.name === undefined) return;
  if (e.lifetime !== undefined && e.lifetime !== "detached" && e.lifetime !== "non_detached") return;
  if (e.maxRestarts !== undefined && (!Number.isInteger(e.maxRestarts) || e.maxRestarts < -1)) return;
  if (e.name === "" || e.namespace === "") return;
  const ns = e.namespace ?? selectCallerJob(s, e.caller).namespace;
  if (e.name === undefined) {
    register(s, e.caller, ns, null, k);
    return;
  }
  k.read(`name:${ns}/${e.name}`);
  const existing = s.names[ns]?.[e.name];
  if (e.getIfExists === true && existing !== undefined) {
    if (bug(s, "get-or-create-new-args")) {
      k.write(`args:${existing}`);
      k.write(`data:${existing}`);
    }
    k.write(`handles:${e.caller}:${existing}`);
    return;
  }
  if (existing !== undefined) return;
  k.write(`inflight:${e.caller}`);
}

/** cases/create.ts `register` once the name is known free: a new actor, its name, the creator's handle. */
function register(s: State, caller: string, ns: string, name: string | null, k: Keys): void {
  k.write("counter:actor");
  const id = `a${s.counters.actor + 1}`;
  k.write(`actor:${id}`);
  k.write(`dead:${id}`);
  k.write(`data:${id}`);
  k.write(`args:${id}`);
  if (!isJobId(caller)) k.read(`actor:${caller}`);
  if (name !== null) k.write(`name:${ns}/${name}`);
  k.write(`handles:${caller}:${id}`);
}

/** mechanics.ts `processGone`. */
function processGone(a: Actor, k: Keys): void {
  k.write(`actor:${a.id}`);
  k.write(`handles:${a.id}:*`);
  k.write(`inflight:${a.id}`);
}

/** mechanics.ts `releaseName`. */
function releaseName(a: Actor, k: Keys): void {
  if (a.name !== null) k.write(`name:${a.namespace}/${a.name}`);
}

/** mechanics.ts `destroy` (with or without `keep`: conservatively both). */
function destroy(s: State, a: Actor, k: Keys): void {
  k.read(`actor:${a.id}`);
  if (s.actors[a.id] === undefined) return;
  if (a.lifecycle !== "DEAD" && a.lifecycle !== "RESTARTING" && a.lifecycle !== "DEPENDENCIES_UNREADY") processGone(a, k);
  k.write(`actor:${a.id}`);
  k.write(`dead:${a.id}`);
  releaseName(a, k);
  const cap = s.destroyedActorCache ?? PROFILES[s.profile].destroyedActorCache;
  if (Object.keys(s.destroyed).length + 1 > cap) {
    // The cache of destroyed actors may evict (or forget) any older record, depending on who holds handles.
    k.write("actor:*");
    k.write("dead:*");
    k.read("handles:*");
  }
}

/** mechanics.ts `workerDied` (restart or not, as the state decides). */
function workerDied(s: State, a: Actor, restartable: boolean, k: Keys): void {
  k.read(`actor:${a.id}`);
  if (a.owner !== null) k.read(ownerKey(a.owner));
  const restart = restartable && selectRestartsLeft(a) > 0 && (a.owner === null || selectOwnerAlive(s, a.owner));
  processGone(a, k);
  if (restart) {
    if (bug(s, "restart-frees-name")) releaseName(a, k);
    return;
  }
  k.write(`dead:${a.id}`);
  if (a.detached) {
    destroy(s, { ...a, lifecycle: "DEAD" }, k);
    return;
  }
  switch (bug(s, "double-release") ? "releasedAtDeath" : PROFILES[s.profile].failedOwnedActorName) {
    case "destroyed":
      destroy(s, { ...a, lifecycle: "DEAD" }, k);
      return;
    case "releasedAtDeath":
      releaseName(a, k);
      return;
    case "kept":
      return;
  }
}
