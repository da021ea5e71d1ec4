import type { Universe } from "./universe.js";

/**
 * Where each field of a packed state lives: a bit position in a fixed number
 * of 32-bit words. A field never straddles two words, so reading one is a
 * shift and a mask. The layout mirrors the reference `State` of the restricted
 * universe (see `packedSupports`) field for field, so that every reference
 * state has exactly one packed form: fields that do not apply (an actor not
 * yet created, a job with nothing in flight) are always zero.
 *
 * Numbers are 1-based where 0 means "none" (job numbers, actor numbers, the
 * registry's entries, the kill list's callers), 0-based otherwise (a job's or
 * actor's index, a name, a namespace, a slot).
 */
export interface PackedLayout {
  /** Drivers (slots and jobs), namespaces, names, operations per driver, actors at most. */
  readonly drivers: number;
  readonly namespaces: number;
  readonly names: number;
  readonly ops: number;
  /** Operations each driver may issue. */
  readonly opsOf: Int32Array;
  readonly actors: number;
  /** Words per state. */
  readonly words: number;
  readonly width: LayoutWidths;

  /** Per slot: the job number it started (0 before its init), operations issued. */
  readonly slotJob: Int32Array;
  readonly slotOps: Int32Array;
  /** Per job index: namespace, finished, command in flight (`Infl`), its name and lifetime. */
  readonly jobNs: Int32Array;
  readonly jobFinished: Int32Array;
  readonly jobInflight: Int32Array;
  readonly jobInflightName: Int32Array;
  readonly jobInflightDetached: Int32Array;
  /** Per (job index × actors + actor index): the handle the job holds (`Handle`). */
  readonly handle: Int32Array;
  /** Per actor index: creator's job index, name, detached, made by get-or-create (args [1]), lifecycle, registered, incarnation, death cause, data (0 null, else count + 1). */
  readonly actorCreator: Int32Array;
  readonly actorName: Int32Array;
  readonly actorDetached: Int32Array;
  readonly actorGetIfExists: Int32Array;
  readonly actorLife: Int32Array;
  readonly actorRegistered: Int32Array;
  readonly actorIncarnation: Int32Array;
  readonly actorCause: Int32Array;
  readonly actorData: Int32Array;
  /** Per (namespace × names + name): the registered actor's number, 0 for none. */
  readonly registry: Int32Array;
  /** The pending kills, oldest first, packed to the front: caller's job number (0: empty), actor number, noRestart. */
  readonly killBy: Int32Array;
  readonly killActor: Int32Array;
  readonly killNoRestart: Int32Array;
  /** The model's counters of jobs and actors. */
  readonly counterJob: number;
  readonly counterActor: number;
}

/** Bits of each kind of field. */
export interface LayoutWidths {
  readonly ns: number;
  readonly name: number;
  readonly jobNumber: number;
  readonly jobIndex: number;
  readonly actorNumber: number;
  readonly ops: number;
  readonly data: number;
}

/** Lifecycle codes. */
export const LIFE_UNREADY = 0;
export const LIFE_PENDING = 1;
export const LIFE_ALIVE = 2;
export const LIFE_DEAD = 3;
export const LIFE_NAMES = ["DEPENDENCIES_UNREADY", "PENDING_CREATION", "ALIVE", "DEAD"] as const;

/** Handle codes. */
export const HANDLE_NONE = 0;
export const HANDLE_WEAK = 1;
export const HANDLE_STRONG = 2;

/** In-flight command codes. */
export const INFL_NONE = 0;
export const INFL_CREATE_REGISTER = 1;
export const INFL_GIE_REGISTER = 2;
export const INFL_GIE_LOOKUP_AGAIN = 3;

/** Death cause codes (0: none). */
export const CAUSES = [null, "RAY_KILL", "OWNER_DIED", "OUT_OF_SCOPE", "REF_DELETED", "INTENDED_USER_EXIT", "WORKER_DIED"] as const;
export const CAUSE_RAY_KILL = 1;
export const CAUSE_OWNER_DIED = 2;
export const CAUSE_OUT_OF_SCOPE = 3;
export const CAUSE_REF_DELETED = 4;
export const CAUSE_INTENDED_USER_EXIT = 5;
export const CAUSE_WORKER_DIED = 6;

/** Bits needed for values 0..max. */
export function bitsFor(max: number): number {
  let b = 0;
  while (max >= 1 << b) b++;
  return b;
}

/** The packed layout of a (supported) universe. */
export function packedLayout(u: Universe): PackedLayout {
  const D = u.drivers;
  const opsOf = Int32Array.from({ length: D }, (_, i) => u.driverOps?.[i] ?? u.ops);
  const maxOps = Math.max(0, ...opsOf);
  // Each operation creates at most one actor.
  const K = opsOf.reduce((a, b) => a + b, 0);
  const width: LayoutWidths = {
    ns: bitsFor(u.namespaces - 1),
    name: bitsFor(u.names - 1),
    jobNumber: bitsFor(D),
    jobIndex: bitsFor(D - 1),
    actorNumber: bitsFor(K),
    ops: bitsFor(maxOps),
    // Counter() starts at 0, Counter(1) at 1; each call adds one: count ≤ 1 + calls.
    data: bitsFor(2 + K),
  };
  let pos = 0;
  const alloc = (bits: number): number => {
    if (bits > 30) throw new RangeError(`a packed field of ${bits} bits`);
    if (bits === 0) return 0; // reads as 0, writes nothing
    if ((pos & 31) + bits > 32) pos = (pos | 31) + 1;
    const at = pos;
    pos += bits;
    return at;
  };
  const many = (n: number, bits: number): Int32Array => Int32Array.from({ length: n }, () => alloc(bits));
  const counterJob = alloc(width.jobNumber);
  const counterActor = alloc(width.actorNumber);
  const slotJob = many(D, width.jobNumber);
  const slotOps = many(D, width.ops);
  const jobNs = many(D, width.ns);
  const jobFinished = many(D, 1);
  const jobInflight = many(D, 2);
  const jobInflightName = many(D, width.name);
  const jobInflightDetached = many(D, 1);
  const registry = many(u.namespaces * u.names, width.actorNumber);
  const killBy = new Int32Array(D);
  const killActor = new Int32Array(D);
  const killNoRestart = new Int32Array(D);
  for (let p = 0; p < D; p++) {
    killBy[p] = alloc(width.jobNumber);
    killActor[p] = alloc(width.actorNumber);
    killNoRestart[p] = alloc(1);
  }
  const actorCreator = new Int32Array(K);
  const actorName = new Int32Array(K);
  const actorDetached = new Int32Array(K);
  const actorGetIfExists = new Int32Array(K);
  const actorLife = new Int32Array(K);
  const actorRegistered = new Int32Array(K);
  const actorIncarnation = new Int32Array(K);
  const actorCause = new Int32Array(K);
  const actorData = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    actorCreator[k] = alloc(width.jobIndex);
    actorName[k] = alloc(width.name);
    actorDetached[k] = alloc(1);
    actorGetIfExists[k] = alloc(1);
    actorLife[k] = alloc(2);
    actorRegistered[k] = alloc(1);
    actorIncarnation[k] = alloc(1);
    actorCause[k] = alloc(3);
    actorData[k] = alloc(width.data);
  }
  const handle = many(D * K, 2);
  return {
    drivers: D, namespaces: u.namespaces, names: u.names, ops: maxOps, opsOf, actors: K,
    words: Math.max(1, Math.ceil(pos / 32)), width,
    slotJob, slotOps, jobNs, jobFinished, jobInflight, jobInflightName, jobInflightDetached, handle,
    actorCreator, actorName, actorDetached, actorGetIfExists, actorLife, actorRegistered, actorIncarnation, actorCause, actorData,
    registry, killBy, killActor, killNoRestart, counterJob, counterActor,
  };
}

/** Reads the field of `bits` bits at bit `pos` of the state at word offset `o`. */
export function getField(b: Uint32Array, o: number, pos: number, bits: number): number {
  return (b[o + (pos >>> 5)]! >>> (pos & 31)) & ((1 << bits) - 1);
}

/** Writes `v` into the field of `bits` bits at bit `pos` of the state at word offset `o`. */
export function setField(b: Uint32Array, o: number, pos: number, bits: number, v: number): void {
  const i = o + (pos >>> 5);
  const s = pos & 31;
  const m = ((1 << bits) - 1) << s;
  b[i] = (b[i]! & ~m) | ((v << s) & m);
}
