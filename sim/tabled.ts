import type { Observation, RuleId, State } from "../model/index.js";
import { canonicalJson } from "../model/fingerprint.js";
import { hashOut, hashText, mix32 } from "./table.js";

/**
 * Tabled states: the search core's compact encoding of the one model's
 * states, and memo tables of the model's own functions over it.
 *
 * A state is cut into slots (each counter, each record of `jobs`, `actors`,
 * `destroyed`, …, each entry of `names` and `handles`, and the key list of
 * every record map, which keeps insertion order), and each slot holds a small
 * integer: the interned value there (0: absent). A state is then an
 * `Int32Array` of slot values, its fingerprint the sum of one 64-bit mix per
 * slot (so it is updated by a transition's writes alone, and equal states
 * hash equal whatever order their records were made in).
 *
 * Successors are never computed by a second semantics: `memoApply` runs the
 * model's own `apply` on a draft whose every first read of a slot is
 * recorded, and files the writes it made under the path of values it read, a
 * decision tree per event. The next time the same event meets the same
 * values in the slots it reads (whatever the rest of the state holds), the
 * writes are taken from the tree: the model is a pure function of what it
 * reads (model/purity.test.ts), so the answer is the one it would give. The
 * same memo serves any pure function of one or two states (`memo`): the
 * moves of a node, the laws' judgement of a step. This is the transition
 * caching of LTSmin's PINS interface, with read dependencies found by
 * running the model rather than declared by hand.
 */

export type Vec = Int32Array;

/**
 * A pure function of one state (`b` null) or of two (before `a`, after `b` =
 * `a` with `writes`) behind a memo table; `states` rebuilds the states for a
 * function that reads too much to be worth its table (it is then run directly).
 */
export type Memo<R> = (key: number, a: Vec, b: Vec | null, writes: Int32Array | null, states: StatesOf) => R;

export interface StatesOf {
  a(): State;
  b(): State;
}

/** A memo is judged every this many calls: from the second window on, it stays a table only if at least this share of them was found there. */
const MEMO_WINDOW = 4096;
const MEMO_WORTH = 0.85;

type Shape = 0 | 1 | 2;

/**
 * A read of a slot is coded as ((slot << PROP_BITS) | property) * 2 + which
 * state: property 0 reads the slot's whole value; the others read one
 * projection of it (what kind of value it is, a record's key list, one of its
 * properties), so a read-only view that looks at an actor's lifecycle alone
 * is found again whatever the actor's other fields hold.
 */
const PROP_BITS = 7;
const PROP_MASK = (1 << PROP_BITS) - 1;
/** The projection telling absent (0), a primitive (1) and an object (2) apart. */
const PROP_KIND = 1;
/** The projection of an object's own keys (interned as a key list). */
const PROP_KEYS = 2;
/** Memo keys below this are found in packed arrays, the others in maps. */
const DENSE = 1 << 16;

/** The code of a read: `prop` (0: the whole value) of `slot`, in state `which` (0 before, 1 after). */
function codeOf(slot: number, prop: number, which: 0 | 1): number {
  return ((slot << PROP_BITS) | prop) * 2 + which;
}

/** Memo roots by key: a packed array for small keys (filled in order, so it stays packed: a hole would make it a dictionary), a map past DENSE. */
class Roots<K, L> {
  private readonly dense: (TNode<L> | undefined)[] = [];
  private readonly other = new Map<K, TNode<L>>();
  /** The root for `key`, made when new. */
  of(key: K): TNode<L> {
    const small = typeof key === "number" && key < DENSE;
    let root = small ? this.dense[key as number] : this.other.get(key);
    if (root === undefined) {
      root = freshNode();
      if (small) {
        while (this.dense.length <= (key as number)) this.dense.push(undefined);
        this.dense[key as number] = root;
      } else this.other.set(key, root);
    }
    return root;
  }
}
/** Fields of a state that never change in a search (a run's profile and seeded bug). */
const CONSTANT = new Set(["profile", "mutant", "destroyedActorCache", "gcsStorage"]);
/** How deep a field's records go: 0 a value, 1 a map of values, 2 a map of maps. */
const SHAPE: Readonly<Record<string, Shape>> = {
  counters: 0, kills: 0, jobs: 1, finished: 1, actors: 1, destroyed: 1, inflight: 1, names: 2, handles: 2, nodes: 0, gcsDown: 0, gcsRestarts: 0,
};
/** Fields a state may lack (value 0 in a vector): the worker nodes, absent while the cluster is the head alone, and the GCS's stop and restarts (format version 2). */
const OPTIONAL = new Set(["nodes", "gcsDown", "gcsRestarts"]);

interface SlotInfo {
  readonly field: string;
  /** A key list (of a map, or of an inner map of a map of maps). */
  readonly list: boolean;
  readonly k1?: string;
  readonly k2?: string;
}

/** Something the model read or wrote that a table cannot hold (a bug in rollcall, reported as such). */
export class TablingError extends Error {}


function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k in v) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** A deep copy of plain data (the model's records are JSON). */
function clone<T>(v: T): T {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = clone((v as Record<string, unknown>)[k]);
  return out as T;
}

/** True for a key a plain object orders first, by number (an array index). */
function isIndexKey(k: string): boolean {
  if (k.length === 0 || k.length > 10) return false;
  const n = Number(k);
  return Number.isInteger(n) && n >= 0 && n < 4294967295 && String(n) === k;
}

/** Adds a new key where a plain object would list it: array indices first in numeric order, then the rest in insertion order. */
function insertKey(list: string[], k: string): void {
  if (!isIndexKey(k)) {
    list.push(k);
    return;
  }
  const n = Number(k);
  let i = 0;
  while (i < list.length && isIndexKey(list[i]!) && Number(list[i]!) < n) i++;
  list.splice(i, 0, k);
}

/** The length of `vec` with `writes` applied (a write may reach a slot made after the vector was). */
export function lengthWith(vec: Vec, writes: Int32Array): number {
  let len = vec.length;
  for (let i = 0; i < writes.length; i += 2) if (writes[i]! >= len) len = writes[i]! + 1;
  return len;
}

/** A node of a memo's decision tree: the slot it reads next (code), or a leaf. */
interface TNode<L> {
  /** slot * 2 + which state (0 or 1); -1: a leaf; -2: not yet known. */
  code: number;
  k0: number;
  c0: TNode<L> | undefined;
  /** The other children: their values and nodes side by side while few, then a map. */
  ks: number[] | undefined;
  cs: TNode<L>[] | undefined;
  more: Map<number, TNode<L>> | undefined;
  leaf: L | undefined;
}

function freshNode<L>(): TNode<L> {
  return { code: -2, k0: 0, c0: undefined, ks: undefined, cs: undefined, more: undefined, leaf: undefined };
}

/** The child of `n` for the value `id`, if any. */
function childOf<L>(n: TNode<L>, id: number): TNode<L> | undefined {
  if (id === n.k0) return n.c0;
  const ks = n.ks;
  if (ks !== undefined) {
    for (let i = 0; i < ks.length; i++) if (ks[i] === id) return n.cs![i];
    return undefined;
  }
  return n.more?.get(id);
}

/** Files a new child of `n` for `id`. */
function addChild<L>(n: TNode<L>, id: number, c: TNode<L>): void {
  if (n.more !== undefined) {
    n.more.set(id, c);
    return;
  }
  if (n.ks === undefined) {
    n.ks = [];
    n.cs = [];
  }
  if (n.ks.length < 8) {
    n.ks.push(id);
    n.cs!.push(c);
    return;
  }
  n.more = new Map(n.ks.map((k, i) => [k, n.cs![i]!]));
  n.more.set(id, c);
  n.ks = undefined;
  n.cs = undefined;
}

/** What one tabled application of an event does: its writes (slot, value pairs), what callers saw, the rules, or the error it threw. */
export interface ApplyLeaf {
  /** A number of its own (memo keys of what follows a transition). */
  readonly serial: number;
  readonly writes: Int32Array;
  readonly observations: readonly Observation[];
  readonly rules: readonly RuleId[];
  readonly error?: string;
}

/** Reads slots of one or two states (the second with a transition's writes laid over it). */
interface Views {
  a: Vec;
  b: Vec;
  bw: Int32Array | null;
}

export class Tabler {
  private readonly fieldOrder: readonly string[];
  private readonly constants: Readonly<Record<string, unknown>>;
  private readonly slotIds = new Map<string, number>();
  readonly slots: SlotInfo[] = [];
  private slotHa: number[] = [];
  private slotHb: number[] = [];
  private readonly valIds = new Map<string, number>();
  private readonly vals: unknown[] = [undefined];
  private valHa: number[] = [0];
  private valHb: number[] = [0];
  private readonly applyRoots = new Roots<unknown, ApplyLeaf>();
  /** The views a lookup reads (one, reused: a lookup never calls another). */
  private readonly views: Views = { a: new Int32Array(0), b: new Int32Array(0), bw: null };
  /** Properties of records a read-only view projects (a number each, PROP_KIND and PROP_KEYS first), and the projection of each value id per property. */
  private readonly propIds = new Map<string, number>([["\u0001kind", PROP_KIND], ["\u0001keys", PROP_KEYS]]);
  private readonly propNames: string[] = ["", "\u0001kind", "\u0001keys"];
  private readonly projections: (Int32Array | undefined)[] = [];
  private serials = 0;
  /** Misses and hits of the memo tables (a run's figures). */
  misses = 0;
  hits = 0;
  readonly stats: Record<string, { hits: number; misses: number; reads: number; direct: number }> = {};

  constructor(root: State) {
    const order: string[] = [];
    const constants: Record<string, unknown> = {};
    for (const field of Object.keys(root)) {
      if (CONSTANT.has(field)) constants[field] = (root as unknown as Record<string, unknown>)[field];
      else if (SHAPE[field] !== undefined) order.push(field);
      else throw new TablingError(`a state field the tabled encoding does not know: ${field}`);
    }
    for (const field in SHAPE) {
      if (order.includes(field)) continue;
      if (OPTIONAL.has(field)) order.push(field);
      else throw new TablingError(`the state has no field ${field}`);
    }
    this.fieldOrder = order;
    this.constants = constants;
  }

  /** The number of slots known so far (a state's vector is at most this long). */
  get slotCount(): number {
    return this.slots.length;
  }

  /** The number of distinct slot values interned so far. */
  get valueCount(): number {
    return this.vals.length - 1;
  }

  // --- slots and values -------------------------------------------------

  slotOf(field: string, k1?: string, k2?: string, list = false): number {
    const key = k1 === undefined ? (list ? field + "\u0001" : field)
      : k2 === undefined ? field + "\u0000" + k1 + (list ? "\u0001" : "")
      : field + "\u0000" + k1 + "\u0000" + k2;
    let id = this.slotIds.get(key);
    if (id === undefined) {
      id = this.slots.length;
      this.slotIds.set(key, id);
      this.slots.push({ field, list, ...(k1 === undefined ? {} : { k1 }), ...(k2 === undefined ? {} : { k2 }) });
      hashText(key, 0x2545f491);
      this.slotHa.push(hashOut.hi);
      this.slotHb.push(hashOut.lo);
    }
    return id;
  }

  /** The id of a value (a record, or a key list when `list`), interning it when new. */
  intern(value: unknown, list = false): number {
    const text = (list ? "L" : "V") + JSON.stringify(value);
    let id = this.valIds.get(text);
    if (id === undefined) {
      id = this.vals.length;
      this.valIds.set(text, id);
      const rep = deepFreeze(JSON.parse(text.slice(1)) as unknown);
      this.vals.push(rep);
      // Fingerprints ignore order where the model's equality does: record keys, and key lists as sets.
      hashText((list ? "L" : "V") + (list ? JSON.stringify([...(rep as string[])].sort()) : canonicalJson(rep)), 0x61c88647);
      this.valHa.push(hashOut.hi);
      this.valHb.push(hashOut.lo);
    }
    return id;
  }

  value(id: number): unknown {
    return this.vals[id];
  }

  /** The number of a record property read-only views project, or 0 when there are too many to code (the whole value is read instead). */
  propId(name: string): number {
    let id = this.propIds.get(name);
    if (id === undefined) {
      // Numbers 1 .. PROP_MASK fit the code (PROP_KIND and PROP_KEYS are the first two).
      if (this.propIds.size >= PROP_MASK) return 0;
      id = this.propIds.size + 1;
      this.propIds.set(name, id);
      this.propNames[id] = name;
    }
    return id;
  }

  /** The projection `prop` of the value `id` (an interned value, 0 when absent). */
  private project(id: number, prop: number): number {
    const table = this.projections[prop];
    if (table !== undefined && id < table.length) {
      const known = table[id]!;
      if (known !== -1) return known;
    }
    return this.projectNew(id, prop);
  }

  private projectNew(id: number, prop: number): number {
    const v = this.vals[id];
    let out: number;
    if (prop === PROP_KIND) out = id === 0 ? 0 : v !== null && typeof v === "object" ? 2 : 1;
    else if (v === null || typeof v !== "object") out = 0;
    else if (prop === PROP_KEYS) out = this.intern(Object.keys(v), true);
    else {
      const name = this.propNames[prop]!;
      const x = Object.hasOwn(v, name) ? (v as Record<string, unknown>)[name] : undefined;
      out = x === undefined ? 0 : this.intern(x);
    }
    // Typed tables, -1 where not known yet (a plain array filled out of order would fall back to a dictionary).
    let table = this.projections[prop];
    if (table === undefined || id >= table.length) {
      const grown = new Int32Array(Math.max(64, (id + 1) * 2)).fill(-1);
      if (table !== undefined) grown.set(table);
      this.projections[prop] = table = grown;
    }
    table[id] = out;
    return out;
  }

  /** The mix of one slot's value into a fingerprint (added to the other slots'), left in hashOut. */
  private contribution(slot: number, id: number): void {
    hashOut.hi = mix32((this.slotHa[slot]! + Math.imul(this.valHa[id]!, 0x9e3779b1)) >>> 0);
    hashOut.lo = mix32((this.slotHb[slot]! ^ this.valHb[id]!) + 0x7f4a7c15);
  }

  /** A state's vector. */
  pack(state: State): Vec {
    const pairs: number[] = [];
    const s = state as unknown as Record<string, unknown>;
    for (const field of this.fieldOrder) {
      const v = s[field];
      const shape = SHAPE[field]!;
      if (shape === 0) {
        pairs.push(this.slotOf(field), v === undefined ? 0 : this.intern(v));
        continue;
      }
      const map = v as Record<string, unknown>;
      const keys = Object.keys(map);
      pairs.push(this.slotOf(field, undefined, undefined, true), this.intern(keys, true));
      for (const k of keys) {
        if (shape === 1) {
          pairs.push(this.slotOf(field, k), this.intern(map[k]));
          continue;
        }
        const inner = map[k] as Record<string, unknown>;
        const ik = Object.keys(inner);
        pairs.push(this.slotOf(field, k, undefined, true), this.intern(ik, true));
        for (const k2 of ik) pairs.push(this.slotOf(field, k, k2), this.intern(inner[k2]));
      }
    }
    const vec = new Int32Array(this.slots.length);
    for (let i = 0; i < pairs.length; i += 2) vec[pairs[i]!] = pairs[i + 1]!;
    return vec;
  }

  /** The state a vector holds, as plain read-only data (records shared with other states). */
  materialize(vec: Vec): State {
    this.reading = vec;
    const read = this.readVec;
    const c = this.constants as Record<string, unknown>;
    // One literal in the order of initialState's fields (a fixed shape, cheap to make and read).
    const out: Record<string, unknown> = {
      profile: c.profile,
      ...(c.mutant === undefined ? {} : { mutant: c.mutant }),
      ...(c.destroyedActorCache === undefined ? {} : { destroyedActorCache: c.destroyedActorCache }),
      ...(c.gcsStorage === undefined ? {} : { gcsStorage: c.gcsStorage }),
      counters: this.materializeField("counters", read),
      jobs: this.materializeField("jobs", read),
      finished: this.materializeField("finished", read),
      actors: this.materializeField("actors", read),
      destroyed: this.materializeField("destroyed", read),
      names: this.materializeField("names", read),
      handles: this.materializeField("handles", read),
      inflight: this.materializeField("inflight", read),
      kills: this.materializeField("kills", read),
    };
    // Last, where addNode puts it (`d.nodes ??= {}`), so the key order is the model's.
    const nodes = this.materializeField("nodes", read);
    if (nodes !== undefined) out.nodes = nodes;
    // The GCS's stop and restarts (format version 2), where stopGcs and startGcs put them.
    for (const field of ["gcsDown", "gcsRestarts"]) {
      const v = this.materializeField(field, read);
      if (v !== undefined) out[field] = v;
    }
    return out as unknown as State;
  }

  private reading: Vec = new Int32Array(0);
  private readonly readVec = (slot: number): number => (slot < this.reading.length ? this.reading[slot]! : 0);

  /** The state after a transition: `before` (the state of `vec`) with the fields its writes touched rebuilt, the others shared. */
  materializeAfter(before: State, vec: Vec, writes: Int32Array): State {
    if (writes.length === 0) return before;
    const out: Record<string, unknown> = { ...(before as unknown as Record<string, unknown>) };
    const read = (slot: number): number => {
      for (let i = 0; i < writes.length; i += 2) if (writes[i] === slot) return writes[i + 1]!;
      return slot < vec.length ? vec[slot]! : 0;
    };
    const fields = new Set<string>();
    for (let i = 0; i < writes.length; i += 2) fields.add(this.slots[writes[i]!]!.field);
    for (const field of fields) {
      const v = this.materializeField(field, read);
      if (v === undefined) delete out[field];
      else out[field] = v;
    }
    return out as unknown as State;
  }

  private materializeField(field: string, read: (slot: number) => number): unknown {
    const shape = SHAPE[field]!;
    const top = this.fieldSlot(field);
    if (shape === 0) {
      const id = read(top);
      return id === 0 ? undefined : this.vals[id];
    }
    const map: Record<string, unknown> = {};
    const e = this.entriesOf(top, read(top));
    for (let i = 0; i < e.keys.length; i++) {
      if (shape === 1) {
        map[e.keys[i]!] = this.vals[read(e.slots[i]!)];
        continue;
      }
      const inner: Record<string, unknown> = {};
      const il = e.slots[i]!;
      const ie = this.entriesOf(il, read(il));
      for (let j = 0; j < ie.keys.length; j++) inner[ie.keys[j]!] = this.vals[read(ie.slots[j]!)];
      map[e.keys[i]!] = inner;
    }
    return map;
  }

  private readonly fieldSlots = new Map<string, number>();
  /** A field's own slot: its value (shape 0) or its key list. */
  private fieldSlot(field: string): number {
    let slot = this.fieldSlots.get(field);
    if (slot === undefined) {
      slot = SHAPE[field] === 0 ? this.slotOf(field) : this.slotOf(field, undefined, undefined, true);
      this.fieldSlots.set(field, slot);
    }
    return slot;
  }

  private readonly entries: ({ keys: readonly string[]; slots: readonly number[] } | undefined)[][] = [];
  /** The keys of a key list (slot, value) and their slots: entries, or inner key lists for a map of maps. */
  private entriesOf(listSlot: number, listId: number): { keys: readonly string[]; slots: readonly number[] } {
    const bySlot = (this.entries[listSlot] ??= []);
    let e = bySlot[listId];
    if (e === undefined) {
      const info = this.slots[listSlot]!;
      const keys = (this.vals[listId] ?? []) as string[];
      const deep = SHAPE[info.field] === 2 && info.k1 === undefined;
      const slots = keys.map((k) => (info.k1 !== undefined ? this.slotOf(info.field, info.k1, k) : deep ? this.slotOf(info.field, k, undefined, true) : this.slotOf(info.field, k)));
      e = { keys, slots };
      bySlot[listId] = e;
    }
    return e;
  }

  /** A vector's fingerprint, left in hashOut. */
  fingerprint(vec: Vec): void {
    let hi = 0;
    let lo = 0;
    for (let s = 0; s < vec.length; s++) {
      const id = vec[s]!;
      if (id === 0) continue;
      this.contribution(s, id);
      hi = (hi + hashOut.hi) >>> 0;
      lo = (lo + hashOut.lo) >>> 0;
    }
    hashOut.hi = hi;
    hashOut.lo = lo;
  }

  /** The fingerprint of `vec` with `writes` applied, from `vec`'s own (hi, lo); left in hashOut. */
  fingerprintAfter(vec: Vec, hi: number, lo: number, writes: Int32Array): void {
    for (let i = 0; i < writes.length; i += 2) {
      const slot = writes[i]!;
      const old = slot < vec.length ? vec[slot]! : 0;
      const now = writes[i + 1]!;
      if (old === now) continue;
      if (old !== 0) {
        this.contribution(slot, old);
        hi = (hi - hashOut.hi) >>> 0;
        lo = (lo - hashOut.lo) >>> 0;
      }
      if (now !== 0) {
        this.contribution(slot, now);
        hi = (hi + hashOut.hi) >>> 0;
        lo = (lo + hashOut.lo) >>> 0;
      }
    }
    hashOut.hi = hi;
    hashOut.lo = lo;
  }

  /** `vec` with `writes` applied, as a new vector. */
  applyWrites(vec: Vec, writes: Int32Array): Vec {
    const out = new Int32Array(lengthWith(vec, writes));
    out.set(vec);
    for (let i = 0; i < writes.length; i += 2) out[writes[i]!] = writes[i + 1]!;
    return out;
  }

  // --- memo tables --------------------------------------------------------

  private readCode(code: number, v: Views): number {
    const r = code >> 1;
    const slot = r >> PROP_BITS;
    const prop = r & PROP_MASK;
    let id: number;
    if ((code & 1) === 0) id = slot < v.a.length ? v.a[slot]! : 0;
    else {
      id = -1;
      const w = v.bw;
      if (w !== null) for (let i = 0; i < w.length; i += 2) if (w[i] === slot) { id = w[i + 1]!; break; }
      if (id === -1) id = slot < v.b.length ? v.b[slot]! : 0;
    }
    return prop === 0 ? id : this.project(id, prop);
  }

  private lookup<L>(root: TNode<L>, v: Views): L | undefined {
    let n: TNode<L> | undefined = root;
    while (n.code >= 0) {
      const id = this.readCode(n.code, v);
      n = childOf(n, id);
      if (n === undefined) return undefined;
    }
    return n.code === -1 ? n.leaf : undefined;
  }

  private file<L>(root: TNode<L>, reads: readonly number[], leaf: L): void {
    let n = root;
    for (let i = 0; i < reads.length; i += 2) {
      const code = reads[i]!;
      const id = reads[i + 1]!;
      if (n.code === -2) {
        n.code = code;
        n.k0 = id;
        n.c0 = freshNode();
        n = n.c0;
        continue;
      }
      if (n.code !== code) throw new TablingError(`the model read its state in a different order with the same values (slot ${code >> (1 + PROP_BITS)} where ${n.code >> (1 + PROP_BITS)} was read before): it is not a pure function of what it reads`);
      let c = childOf(n, id);
      if (c === undefined) {
        c = freshNode();
        addChild(n, id, c);
      }
      n = c;
    }
    if (n.code >= 0) throw new TablingError("the model stopped reading its state where it read on before with the same values");
    n.code = -1;
    n.leaf = leaf;
  }

  /**
   * The model's `apply` of `event` to `vec`, from the memo or by running it
   * on a tracked draft. `key` identifies the event (the same object or
   * number every time the same event is meant); `run(draft)` calls the
   * model and returns what it saw and decided.
   */
  memoApply(vec: Vec, key: unknown, run: (draft: State) => { observations: readonly Observation[]; rules: readonly RuleId[] }, wrap: (leaf: ApplyLeaf) => ApplyLeaf = (l) => l): ApplyLeaf {
    const root = this.applyRoots.of(key);
    const views = this.views;
    views.a = vec;
    views.b = vec;
    views.bw = null;
    const st = (this.stats["apply"] ??= { hits: 0, misses: 0, reads: 0, direct: 0 });
    const found = this.lookup(root, views);
    if (found !== undefined) {
      this.hits++;
      st.hits++;
      return found;
    }
    this.misses++;
    st.misses++;
    const tracker = new Tracker(this, { a: vec, b: vec, bw: null }, 0, true);
    let leaf: ApplyLeaf;
    try {
      const r = run(tracker.root as unknown as State);
      leaf = { serial: ++this.serials, writes: tracker.harvest(), observations: deepFreeze(clone(r.observations)), rules: [...r.rules] };
    } catch (e) {
      if (e instanceof TablingError) throw e;
      leaf = { serial: ++this.serials, writes: new Int32Array(0), observations: [], rules: [], error: (e as Error).message };
    }
    leaf = wrap(leaf);
    st.reads += tracker.reads.length / 2;
    this.file(root, tracker.reads, leaf);
    return leaf;
  }

  /**
   * A pure function of one state (`b` null) or of two (before `a`, after
   * `b` = `a` with `writes`) as a memo table: `fn` gets read-only views whose
   * reads are recorded. Roots are told apart by `key` (a position, a
   * transition's serial: whatever else the function reads).
   */
  memo<R>(fn: (a: State, b: State | null, key: number) => R, label = "memo"): Memo<R> {
    let roots = new Roots<number, R>();
    const stat = (this.stats[label] ??= { hits: 0, misses: 0, reads: 0, direct: 0 });
    const views = this.views;
    let tabled = true;
    let calls = 0;
    let found = 0;
    let windows = 0;
    return (key, a, b, writes, states) => {
      if (!tabled) {
        stat.direct++;
        return fn(states.a(), b === null ? null : states.b(), key);
      }
      calls++;
      const root = roots.of(key);
      views.a = a;
      views.b = b ?? a;
      views.bw = writes;
      const hit = this.lookup(root, views);
      if (hit !== undefined) {
        found++;
        this.hits++;
        stat.hits++;
        return hit;
      }
      // A function that reads so much that it is seldom found again is cheaper run on rebuilt states:
      // judged window by window (the first ones fill the table).
      if (calls >= MEMO_WINDOW) {
        windows++;
        const worth = found >= calls * MEMO_WORTH;
        calls = 0;
        found = 0;
        if (!worth && windows >= 2) {
          tabled = false;
          roots = new Roots();
          stat.direct++;
          return fn(states.a(), b === null ? null : states.b(), key);
        }
      }
      this.misses++;
      stat.misses++;
      const reads: number[] = [];
      // The trackers keep views of their own (the shared one is the next lookup's).
      const own: Views = { a, b: b ?? a, bw: writes };
      const ta = new Tracker(this, own, 0, false, reads);
      const tb = b === null ? null : new Tracker(this, own, 1, false, reads);
      const r = fn(ta.root as unknown as State, tb === null ? null : (tb.root as unknown as State), key);
      stat.reads += reads.length / 2;
      this.file(root, reads, r);
      return r;
    };
  }

  /** Read by Tracker: a slot's value in the views. */
  readSlot(code: number, v: Views): number {
    return this.readCode(code, v);
  }

  shapeOf(field: string): Shape | undefined {
    return SHAPE[field];
  }

  constant(field: string): unknown {
    return this.constants[field];
  }

  hasConstant(field: string): boolean {
    return field in this.constants;
  }

  get fields(): readonly string[] {
    return this.fieldOrder;
  }
}

/**
 * A draft (or read-only view) of a tabled state, made of proxies: the first
 * read of each slot is recorded with the value found; a mutable draft keeps
 * its own copies of the records it touched and, at the end, the slots whose
 * values changed are its writes.
 */
class Tracker {
  readonly reads: number[];
  private readonly seen = new Map<number, number>();
  /** Current values of touched value slots (mutable drafts): the record, or undefined once deleted. */
  private readonly current = new Map<number, unknown>();
  /** Current key lists (mutable drafts), null for an inner map deleted. */
  private readonly lists = new Map<number, string[] | null>();
  /** Inner maps assigned as plain objects (mutable drafts): list slot → the object and the keys it replaced. */
  private readonly assigned = new Map<number, { field: string; k1: string; map: Record<string, unknown>; old: readonly string[] }>();
  private readonly proxies = new Map<string, object>();
  readonly root: object;

  constructor(private readonly t: Tabler, private readonly views: Views, private readonly which: 0 | 1, private readonly mutable: boolean, reads?: number[]) {
    this.reads = reads ?? [];
    this.root = this.rootProxy();
  }

  /** A slot's whole value (prop 0) or one projection of it, recorded at its first read. */
  private read(slot: number, prop = 0): number {
    const code = codeOf(slot, prop, this.which);
    let id = this.seen.get(code);
    if (id === undefined) {
      id = this.t.readSlot(code, this.views);
      this.seen.set(code, id);
      this.reads.push(code, id);
    }
    return id;
  }

  /** A read-only view of an object slot's value: each property read is recorded as a projection of its own. */
  private recordProxy(slot: number): unknown {
    const cached = this.records.get(slot);
    if (cached !== undefined) return cached;
    const target = this.t.value(this.t.readSlot(codeOf(slot, 0, this.which), this.views)) as object;
    const t = this.t;
    const prop = (name: string): void => {
      const id = t.propId(name);
      // Too many distinct properties to code: the whole value is read.
      this.read(slot, id);
    };
    const proxy = new Proxy(target, {
      get: (o, k, r) => {
        if (typeof k === "string") prop(k);
        return Reflect.get(o, k, r);
      },
      has: (o, k) => {
        if (typeof k === "string") prop(k);
        return Reflect.has(o, k);
      },
      ownKeys: (o) => {
        this.read(slot, PROP_KEYS);
        return Reflect.ownKeys(o);
      },
      getOwnPropertyDescriptor: (o, k) => {
        if (typeof k === "string") prop(k);
        return Reflect.getOwnPropertyDescriptor(o, k);
      },
      set: () => this.refuse("a write"),
      deleteProperty: () => this.refuse("a deletion"),
      defineProperty: () => this.refuse("a write"),
    });
    this.records.set(slot, proxy);
    return proxy;
  }
  private readonly records = new Map<number, unknown>();

  private refuse(what: string): never {
    throw new TablingError(`the tabled encoding cannot follow ${what}${this.mutable ? "" : " (a read-only view)"}`);
  }

  /** A value slot's value now. */
  private valueAt(slot: number): unknown {
    if (this.current.has(slot)) return this.current.get(slot);
    if (!this.mutable) {
      // Read-only: what kind of value is there, and for a record, only the properties looked at.
      const kind = this.read(slot, PROP_KIND);
      if (kind === 0) return undefined;
      if (kind === 2) return this.recordProxy(slot);
    }
    const id = this.read(slot);
    const v = id === 0 ? undefined : this.t.value(id);
    if (!this.mutable) return v;
    const copy = clone(v);
    this.current.set(slot, copy);
    return copy;
  }

  private setValue(slot: number, v: unknown): void {
    if (!this.mutable) this.refuse("a write");
    this.current.set(slot, v);
  }

  /** A key list now (a copy the draft may change), or null when absent. */
  private listAt(slot: number): string[] | null {
    if (this.lists.has(slot)) return this.lists.get(slot)!;
    const id = this.read(slot);
    const keys = id === 0 ? null : (this.t.value(id) as string[]);
    const copy = keys === null ? null : [...keys];
    if (this.mutable) this.lists.set(slot, copy);
    return copy;
  }

  private rootProxy(): object {
    const t = this.t;
    return new Proxy({}, {
      get: (_o, field) => {
        if (typeof field !== "string") return undefined;
        const shape = t.shapeOf(field);
        if (shape === undefined) return t.constant(field);
        if (shape === 0) return this.valueAt(t.slotOf(field));
        return this.mapProxy(field, shape);
      },
      set: (_o, field, v) => {
        if (typeof field !== "string" || t.shapeOf(field) !== 0) this.refuse(`an assignment to the state's field ${String(field)}`);
        this.setValue(t.slotOf(field), v);
        return true;
      },
      has: (_o, field) => typeof field === "string" && (t.shapeOf(field) !== undefined || t.hasConstant(field)),
      ownKeys: () => [...Object.keys(this.rootKeys())],
      getOwnPropertyDescriptor: (_o, field) => {
        if (typeof field !== "string") return undefined;
        const keys = this.rootKeys();
        if (!(field in keys)) return undefined;
        return { value: (this.root as Record<string, unknown>)[field], writable: true, enumerable: true, configurable: true };
      },
      deleteProperty: () => this.refuse("a deletion from the state"),
    });
  }

  private rootKeys(): Record<string, true> {
    const out: Record<string, true> = {};
    for (const f of CONSTANT) if (this.t.hasConstant(f)) out[f] = true;
    for (const f of this.t.fields) out[f] = true;
    return out;
  }

  /** A map field (or, with k1, an inner map of a map of maps) as a proxy. */
  private mapProxy(field: string, shape: Shape, k1?: string): object {
    const pkey = k1 === undefined ? field : field + "\u0000" + k1;
    const cached = this.proxies.get(pkey);
    if (cached !== undefined) return cached;
    const t = this.t;
    const listSlot = t.slotOf(field, k1, undefined, true);
    const inner = k1 !== undefined;
    const entrySlot = (k: string): number => (inner ? t.slotOf(field, k1, k) : t.slotOf(field, k));
    const getEntry = (k: string): unknown => {
      if (shape === 1 || inner) return this.valueAt(entrySlot(k));
      const a = this.assigned.get(t.slotOf(field, k, undefined, true));
      if (a !== undefined) return a.map;
      const il = this.listAt(t.slotOf(field, k, undefined, true));
      return il === null ? undefined : this.mapProxy(field, shape, k);
    };
    const keysNow = (): string[] => this.listAt(listSlot) ?? [];
    const removeKey = (list: string[], k: string): void => {
      const i = list.indexOf(k);
      if (i >= 0) list.splice(i, 1);
    };
    const proxy = new Proxy({}, {
      get: (_o, k) => (typeof k === "string" ? getEntry(k) : undefined),
      has: (_o, k) => typeof k === "string" && getEntry(k) !== undefined,
      set: (_o, k, v) => {
        if (typeof k !== "string") this.refuse("a symbol key");
        if (!this.mutable) this.refuse("a write");
        if (v === undefined) {
          this.deleteEntry(field, shape, k1, k, listSlot, entrySlot, removeKey);
          return true;
        }
        const list = this.listAt(listSlot);
        if (list === null) this.refuse(`a write into ${field}.${k1} after it was deleted`);
        if (!list.includes(k)) insertKey(list, k);
        if (shape === 1 || inner) {
          this.setValue(entrySlot(k), v);
          return true;
        }
        // An inner map assigned whole (`d.handles[c] ??= {}`): the object itself is the map from now on.
        if (this.proxies.has(field + "\u0000" + k)) this.refuse(`an assignment to ${field}.${k} after it was read as a map`);
        const il = t.slotOf(field, k, undefined, true);
        const prior = this.assigned.get(il);
        const old = prior !== undefined ? prior.old : (this.listAt(il) ?? []);
        this.lists.set(il, null);
        this.assigned.set(il, { field, k1: k, map: v as Record<string, unknown>, old });
        return true;
      },
      deleteProperty: (_o, k) => {
        if (typeof k !== "string") return true;
        if (!this.mutable) this.refuse("a deletion");
        this.deleteEntry(field, shape, k1, k, listSlot, entrySlot, removeKey);
        return true;
      },
      ownKeys: () => [...keysNow()],
      getOwnPropertyDescriptor: (_o, k) => {
        if (typeof k !== "string") return undefined;
        if (!keysNow().includes(k)) return undefined;
        return { value: getEntry(k), writable: true, enumerable: true, configurable: true };
      },
    });
    this.proxies.set(pkey, proxy);
    return proxy;
  }

  private deleteEntry(field: string, shape: Shape, k1: string | undefined, k: string, listSlot: number, entrySlot: (k: string) => number, removeKey: (l: string[], k: string) => void): void {
    const t = this.t;
    const list = this.listAt(listSlot);
    if (list === null || !list.includes(k)) return;
    removeKey(list, k);
    if (shape === 1 || k1 !== undefined) {
      this.current.set(entrySlot(k), undefined);
      return;
    }
    // A whole inner map goes: its entries and its key list.
    if (this.proxies.has(field + "\u0000" + k)) this.proxies.delete(field + "\u0000" + k);
    const il = t.slotOf(field, k, undefined, true);
    const prior = this.assigned.get(il);
    const old = prior !== undefined ? prior.old : (this.listAt(il) ?? []);
    const nowKeys = prior !== undefined ? Object.keys(prior.map) : (this.lists.get(il) ?? []);
    this.assigned.delete(il);
    for (const k2 of new Set([...old, ...nowKeys])) this.current.set(t.slotOf(field, k, k2), undefined);
    this.lists.set(il, null);
  }

  /** A mutable draft's writes, as (slot, value) pairs: every touched slot whose value is not the one read. */
  harvest(): Int32Array {
    const t = this.t;
    const out = new Map<number, number>();
    for (const [il, a] of this.assigned) {
      const keys = Object.keys(a.map).filter((k) => a.map[k] !== undefined);
      for (const k2 of a.old) if (!keys.includes(k2)) this.current.set(t.slotOf(a.field, a.k1, k2), undefined);
      for (const k2 of keys) this.current.set(t.slotOf(a.field, a.k1, k2), a.map[k2]);
      this.lists.set(il, keys);
    }
    for (const [slot, v] of this.current) out.set(slot, v === undefined ? 0 : t.intern(v));
    for (const [slot, list] of this.lists) out.set(slot, list === null ? 0 : t.intern(list, true));
    const pairs: number[] = [];
    for (const [slot, id] of out) {
      if (this.seen.get(codeOf(slot, 0, this.which)) === id) continue;
      pairs.push(slot, id);
    }
    return Int32Array.from(pairs);
  }
}
