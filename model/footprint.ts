import type { ModelEvent } from "./event.js";
import { Keys } from "./events/define.js";
import { eventKeys } from "./events/registry.js";
import type { State } from "./state.js";

export { ownerKey } from "./mechanics.js";

/**
 * Footprints: which records of a state an event reads and which it writes,
 * as keys. Each event's module (model/events/*.ts) writes its footprint
 * beside its effect, branch by branch, so a change to an event is one edit
 * in one file (the death mechanics' beside them, model/mechanics.ts); footprint.test.ts runs
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
 * Reads include what the event's enabledness depends on (its guard),
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

/** The footprint of `event` applied to `state`: what the reducer reads and writes there. */
export function footprint(state: State, event: ModelEvent): Footprint {
  const k = new Keys();
  eventKeys(state, event, k);
  return { reads: [...k.reads], writes: [...k.writes] };
}

/** True when two key sets share a key (a `*` key covers every key it starts). */
export function keysMeet(a: Iterable<string>, b: Iterable<string>): boolean {
  // b as a set (a Set is used as it is: the partial-order reduction asks with the same sets many times), and its `*` keys' prefixes.
  const all = b instanceof Set ? (b as ReadonlySet<string>) : new Set(b);
  let prefixes: string[] | null = null;
  for (const key of all) if (key.endsWith("*")) (prefixes ??= []).push(key.slice(0, -1));
  for (const key of a) {
    if (key.endsWith("*")) {
      const p = key.slice(0, -1);
      for (const x of all) if (!x.endsWith("*") && x.startsWith(p)) return true;
      if (prefixes !== null) for (const q of prefixes) if (q.startsWith(p) || p.startsWith(q)) return true;
      continue;
    }
    // A key without `*` is met exactly by the same key of b.
    if (all.has(key)) return true;
    if (prefixes !== null) for (const q of prefixes) if (key.startsWith(q)) return true;
  }
  return false;
}

/** True when two footprints conflict: one writes what the other reads or writes. */
export function footprintsConflict(a: Footprint, b: Footprint): boolean {
  return keysMeet(a.writes, b.reads) || keysMeet(b.writes, a.reads);
}
