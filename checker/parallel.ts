import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { LAWS } from "../model/index.js";
import { chartEdges, observationsOf, universeSpace, type CheckOptions, type CheckResult, type Violation } from "./explore.js";
import { fingerprinter, replayPath } from "../sim/search.js";
import { collisionOdds, hashOut } from "../sim/table.js";
import { symmetryCollisionOdds } from "./symmetry.js";
import { universeLaws, type Universe } from "./universe.js";
import type { FromWorker, Level, ToWorker } from "./worker.js";

/**
 * `rollcall check --workers N`: the breadth-first search of `check` across
 * worker threads that share its visited table. The table of 64-bit
 * fingerprints and the parent and move columns live in SharedArrayBuffers;
 * each worker expands a contiguous slice of the frontier level with the
 * search core's own pieces (`movesOf`, the space's `advance`, its
 * fingerprint, the laws' judge) and claims each successor's fingerprint in
 * the shared table with an atomic compare-and-swap. No message is sent per
 * state: a few per level (expand, resolve, settle) carry counts and the
 * rare violations.
 *
 * Same results as `check` whatever the timing. A claim is the smallest
 * (parent index, move number) that reached the fingerprint, kept by an
 * atomic minimum, which is the first in the order the sequential search
 * visits transitions in; the level's new states are numbered in that order
 * (worker by worker, since slices are contiguous), so every state has the
 * index, parent and move it has in `check`, and a state kept under symmetry
 * is the same representative. A violation, an error or the states bound ends
 * the search at the first of them in that order (violations that `accept`
 * passes over are skipped in order too), with the states, transitions,
 * companions and coverage the sequential search had at that point.
 *
 * A worker holds the full states of the slice it expands; after a level the
 * new states are handed over in batches so the next slices are equal.
 */
export async function checkParallel(universe: Universe, workers: number, options: CheckOptions = {}, tuning: ParallelTuning = {}): Promise<CheckResult> {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`checkParallel: workers must be a whole number from 1, got ${workers}`);
  if (options.observer !== undefined || options.reduction !== undefined) {
    throw new Error("checkParallel: an observer (liveness laws) or a reduction (--por) needs the sequential search");
  }
  const laws = options.laws ?? universeLaws(universe);
  const lawNames = laws.map((law) => {
    if (!LAWS.includes(law)) throw new Error(`checkParallel checks the model's own laws (${law.name} is not one)`);
    return law.name;
  });
  const now = options.now ?? (() => 0);
  const started = now();
  const maxStates = options.maxStates ?? Infinity;
  const maxMillis = options.maxMillis ?? Infinity;
  const maxMemoryMB = options.maxMemoryMB ?? Infinity;
  const memoryMB = options.memoryMB ?? (() => 0);
  const symmetry = options.symmetry === true;
  const space = universeSpace(universe, symmetry);

  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  let table = SharedTable.allocate(tuning.tableSlots ?? 1 << 16);
  let columns = Columns.allocate(1 << 12);
  // The root: index 0, no parent.
  fingerprinter(space)(space.root, space.start);
  table.claim(hashOut.hi, hashOut.lo, claimOf(0, 0), control);
  table.settle(hashOut.hi, hashOut.lo, 0);
  columns.parents[0] = -1;
  columns.moves[0] = -1;

  // The workers, each with a channel to each other one (for handing states over); created in the try, so the finally ends them.
  const pool: Worker[] = [];
  // Every worker's next message, or its failure (an uncaught error, an exit).
  let failure: Error | null = null;
  const waiting: ((m: FromWorker) => void)[][] = Array.from({ length: workers }, () => []);
  const inbox: FromWorker[][] = Array.from({ length: workers }, () => []);
  const fail: ((e: Error) => void)[] = [];
  const broken = (e: Error) => {
    failure ??= e;
    for (const f of fail.splice(0)) f(e);
  };
  const start = (): void => {
    const ports: (MessagePort | null)[][] = Array.from({ length: workers }, () => Array.from({ length: workers }, () => null));
    for (let a = 0; a < workers; a++) {
      for (let b = a + 1; b < workers; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a]![b] = port1;
        ports[b]![a] = port2;
      }
    }
    ports.forEach((mine, w) => {
      const worker = new Worker(workerUrl(), {
        workerData: { universe, symmetry, laws: lawNames, worker: w, ports: mine, control: control.buffer, table: table.buffer, parents: columns.parents.buffer, moves: columns.moves.buffer },
        transferList: mine.filter((p): p is MessagePort => p !== null),
      });
      pool.push(worker);
      worker.on("message", (m: FromWorker) => {
        const next = waiting[w]!.shift();
        if (next !== undefined) next(m);
        else inbox[w]!.push(m);
      });
      worker.on("error", (e) => broken(new Error(`worker ${w + 1}: ${e.message}`)));
      worker.on("exit", (code) => broken(new Error(`worker ${w + 1} exited (code ${code})`)));
    });
  };
  const ask = <T extends FromWorker>(w: number, message: ToWorker): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure !== null) return reject(failure);
      fail.push(reject);
      pool[w]!.postMessage(message);
      const answered = (m: FromWorker) => {
        fail.splice(fail.indexOf(reject), 1);
        resolve(m as T);
      };
      const queued = inbox[w]!.shift();
      if (queued !== undefined) answered(queued);
      else waiting[w]!.push(answered);
    });
  const all = <T extends FromWorker>(message: (w: number) => ToWorker, which: readonly number[] = pool.map((_, w) => w)): Promise<T[]> =>
    Promise.all(which.map((w) => ask<T>(w, message(w))));

  // While the workers expand a level: progress, and the time and memory bounds (a flag the workers read after each state).
  let bound: "time" | "memory" | null = null;
  let frontierSize = 1;
  let settledStates = 1;
  let transitions = 0;
  let depth = 0;
  const tick = (): void => {
    options.progress?.({ states: Atomics.load(control, COUNT), transitions, depth, frontier: frontierSize });
    if (bound === null && now() - started > maxMillis) bound = "time";
    if (bound === null && memoryMB() > maxMemoryMB) bound = "memory";
    if (bound !== null) Atomics.store(control, STOP, 1);
  };
  let timer: ReturnType<typeof setInterval> | undefined;

  try {
    start();
    timer = setInterval(tick, 100);
    const companions: Record<string, number | null> = Object.fromEntries(laws.map((l) => [l.name, null]));
    const coverage: Record<string, boolean> = Object.fromEntries(chartEdges().map((e) => [e, false]));
    let passedOver: { count: number; shortest: number } | undefined;
    let branching = 8;
    // Worker w expands indices [slices[w], slices[w + 1]) of the level.
    let slices: number[] = pool.map((_, w) => (w === 0 ? 0 : 1)).concat([1]);
    let stop: { verdict: "violation"; violation: Violation } | { verdict: "incomplete"; bound: "states" | "time" | "memory" } | null = null;
    const path = (index: number): number[] => columns.path(index);

    for (;;) {
      tick();
      if (bound !== null) {
        stop = { verdict: "incomplete", bound };
        break;
      }
      const first = slices[0]!;
      // Room for the level's new states in the table (the workers pause for a larger one if it fills).
      const expected = settledStates + frontierSize * branching;
      if ((tuning.growAhead !== false && expected * 4 > table.slots * 3) || Atomics.load(control, PAUSE) !== 0) table = table.grown(expected * 2);
      Atomics.store(control, PAUSE, 0);
      let replies = await all<Extract<FromWorker, { type: "expanded" }>>(() => ({ type: "expand", depth, table: table.buffer }));
      for (;;) {
        const paused = replies.map((r, w) => (r.paused ? w : -1)).filter((w) => w >= 0);
        if (paused.length === 0) break;
        table = table.grown(table.slots * 2);
        Atomics.store(control, PAUSE, 0);
        const resumed = await all<Extract<FromWorker, { type: "expanded" }>>(() => ({ type: "expand", depth, table: table.buffer, resume: true }), paused);
        paused.forEach((w, i) => (replies[w] = resumed[i]!));
      }
      if (replies.some((r) => r.stopped)) {
        transitions += replies.reduce((n, r) => n + r.transitions, 0);
        stop = { verdict: "incomplete", bound: bound ?? "time" };
        break;
      }
      const level: Level[] = replies.map((r) => r.level!);
      const resolved = await all<Extract<FromWorker, { type: "resolved" }>>(() => ({ type: "resolve" }));
      const counts = resolved.map((r) => r.parents.length);
      const total = counts.reduce((a, b) => a + b, 0);

      // The first event of the level, in the order the sequential search meets them: node by node, move by move.
      const before = (w: number, p: number): number => {
        // Transitions of the level from nodes before p (in slice w).
        let n = 0;
        for (let v = 0; v < w; v++) n += replies[v]!.transitions;
        const i = p - slices[w]!;
        return n + (i > 0 ? level[w]!.cumulative[i - 1]! : 0);
      };
      const sliceOf = (p: number): number => {
        for (let w = 0; w < workers; w++) if (p < slices[w + 1]!) return w;
        return workers - 1;
      };
      const errors = level.flatMap((l) => l.errors).sort(byOrder);
      const violations = level.flatMap((l) => l.violations).sort(byOrder);
      let end: Order = errors[0] ?? { p: Infinity, m: Infinity };
      let statesEnd: { k: number } | null = null;
      // The states bound: hit by the k-th new state of the level, after its parent's last move.
      const k = Math.max(1, maxStates - settledStates);
      if (total >= k) {
        let w = 0;
        let r = k;
        while (r > counts[w]!) r -= counts[w++]!;
        const at = { p: resolved[w]!.parents[r - 1]!, m: Infinity };
        if (byOrder(at, end) < 0) {
          end = at;
          statesEnd = { k };
        }
      }
      let violated: (typeof violations)[number] | null = null;
      for (const v of violations) {
        if (byOrder(v, end) > 0) break;
        const trace = replayPath(space, [...path(v.p), v.m]).events;
        const law = LAWS.find((l) => l.name === v.law)!;
        const violation: Violation = { law: law.name, sentence: law.sentence, message: v.message, trace, observations: observationsOf(universe, trace) };
        if (options.accept !== undefined && !options.accept(violation)) {
          passedOver = { count: (passedOver?.count ?? 0) + 1, shortest: passedOver?.shortest ?? trace.length };
          continue;
        }
        violated = v;
        stop = { verdict: "violation", violation };
        end = v;
        break;
      }
      if (violated === null && statesEnd === null && errors.length > 0) {
        throw new Error(`the search failed: ${errors[0]!.error}`);
      }
      // What the sequential search had seen when it stopped (everything, if it did not).
      for (const l of level) {
        for (const [name, at] of l.companions) if (byOrder(at, end) <= 0 && companions[name] === null) companions[name] = depth + 1;
        for (const [edge, at] of l.coverage) if (byOrder(at, end) <= 0) coverage[edge] = true;
      }
      let newStates = total;
      if (violated !== null) {
        const w = sliceOf(violated.p);
        transitions += before(w, violated.p) + violated.m + 1;
        newStates = 0;
        for (let v = 0; v < w; v++) newStates += counts[v]!;
        for (const p of resolved[w]!.parents) if (p < violated.p) newStates++;
        depth++;
      } else if (statesEnd !== null) {
        stop = { verdict: "incomplete", bound: "states" };
        const w = sliceOf(end.p);
        transitions += before(w, end.p + 1);
        newStates = statesEnd.k;
      } else {
        transitions += replies.reduce((n, r) => n + r.transitions, 0);
      }

      // Settle: number the level's new states in order, write their parents and moves, hand states over for equal slices.
      const grown = columns.ensure(settledStates + newStates);
      if (grown !== null) columns = grown;
      const next = settledStates;
      const offsets: number[] = [];
      for (let w = 0, o = next; w < workers; w++) {
        offsets.push(o);
        o += counts[w]!;
      }
      const goOn = stop === null && newStates > 0;
      const nextSlices = pool.map((_, v) => next + Math.floor((v * newStates) / workers)).concat([next + newStates]);
      await all((w) => ({
        type: "settle",
        first: offsets[w]!,
        limit: next + newStates,
        parents: columns.parents.buffer,
        moves: columns.moves.buffer,
        slices: goOn ? nextSlices : null,
        owners: offsets.concat([next + total]),
      }));
      settledStates += newStates;
      if (stop !== null) break;
      if (newStates === 0) break;
      const expanded = slices[workers]! - first;
      branching = Math.max(1, Math.ceil((newStates / Math.max(1, expanded)) * 1.5));
      slices = nextSlices;
      frontierSize = newStates;
      depth++;
    }
    // Stopped by the clock or memory inside a level: the states claimed so far count (their numbering was never settled).
    const states = stop?.verdict === "incomplete" && stop.bound !== "states" ? Atomics.load(control, COUNT) : settledStates;
    return {
      verdict: stop?.verdict ?? "ok",
      ...(stop?.verdict === "incomplete" ? { bound: stop.bound } : {}),
      states,
      transitions,
      depth,
      ...(stop?.verdict === "violation" ? { violation: stop.violation } : {}),
      ...(passedOver === undefined ? {} : { passedOver }),
      companions,
      coverage,
      collisionOdds: symmetry ? symmetryCollisionOdds(universe, states, transitions) : collisionOdds(states),
      tableBytes: table.buffer.byteLength + columns.bytes,
      path,
    };
  } finally {
    if (timer !== undefined) clearInterval(timer);
    Atomics.store(control, STOP, 1);
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** Sizes for tests: a small first table makes the workers pause for larger ones. */
export interface ParallelTuning {
  /** Slots of the first shared table (rounded up to a power of two, at least 1,024; 65,536 by default). */
  readonly tableSlots?: number;
  /** Grow the table before a level to what the level is expected to need (true by default); false: only when it fills. */
  readonly growAhead?: boolean;
}

/** The worker's script: next to this file once built; from the sources (vitest), the built one. */
function workerUrl(): URL {
  if (!import.meta.url.endsWith(".ts")) return new URL("./worker.js", import.meta.url);
  const built = new URL("../dist/checker/worker.js", import.meta.url);
  if (!existsSync(fileURLToPath(built))) throw new Error("checkParallel from the sources runs the built worker: npm run build first");
  return built;
}

/** A place in the sequential search's order of transitions: the parent's index, then the move number. */
export interface Order {
  readonly p: number;
  readonly m: number;
}

export function byOrder(a: Order, b: Order): number {
  return a.p - b.p || a.m - b.m || 0;
}

/** Words of the control block the coordinator and the workers share. */
export const CONTROL_WORDS = 4;
/** The number of fingerprints in the table. */
export const COUNT = 0;
/** Set by the coordinator: stop expanding (a bound, an interrupt, the end). */
export const STOP = 1;
/** Set by a worker when the table is three quarters full: every worker pauses for a larger one. */
export const PAUSE = 2;

/** The claim of the transition `move` from the state `parent`: smaller claims come first in the sequential order. */
export function claimOf(parent: number, move: number): bigint {
  if (move >= 1 << 16) throw new Error(`a state with more than ${1 << 16} moves`);
  // 1 + (parent << 16 | move), made as one BigInt (parent * 65536 stays exact below 2^53).
  return BigInt(parent * 65536 + move + 1);
}

/**
 * The shared visited table: open addressing with linear probing, two 64-bit
 * words a slot, both changed only by compare-and-swap. The first is the
 * fingerprint (0: an empty slot; a state hashing to 0 is kept as 1). The
 * second is what the slot's state is: 0 nothing yet, −(index + 1) a state
 * settled at an earlier level, or a positive claim (`claimOf`) of this
 * level, which only ever decreases, so the smallest claim wins whatever the
 * timing.
 */
export class SharedTable {
  readonly words: BigInt64Array<SharedArrayBuffer>;
  readonly slots: number;
  private readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new BigInt64Array(buffer);
    this.slots = this.words.length / 2;
    this.mask = this.slots - 1;
  }

  static allocate(atLeast: number): SharedTable {
    let slots = 1 << 10;
    while (slots < atLeast) slots *= 2;
    return new SharedTable(new SharedArrayBuffer(slots * 16));
  }

  /**
   * Claims the fingerprint (hi, lo) for `claim`: the index of the state
   * settled before under it; or −1 if this claim is the smallest so far
   * (it may still lose to a smaller one); or −2 if a smaller claim holds it.
   * A new fingerprint counts in `control[COUNT]` and, past three quarters
   * full, asks for a larger table (`control[PAUSE]`).
   */
  claim(hi: number, lo: number, claim: bigint, control: Int32Array): number {
    const fp = fingerprintWord(hi, lo);
    const words = this.words;
    for (let slot = firstSlot(hi, lo) & this.mask; ; slot = (slot + 1) & this.mask) {
      let held = Atomics.load(words, slot * 2);
      if (held === 0n) {
        held = Atomics.compareExchange(words, slot * 2, 0n, fp);
        if (held === 0n) {
          held = fp;
          const count = Atomics.add(control, COUNT, 1) + 1;
          if (count * 4 > this.slots * 3) Atomics.store(control, PAUSE, 1);
          if (count >= this.slots - 1) throw new Error("the shared visited table is full");
        }
      }
      if (held !== fp) continue;
      for (;;) {
        const c = Atomics.load(words, slot * 2 + 1);
        if (c < 0n) return Number(-c - 1n);
        if (c !== 0n && c <= claim) return -2;
        if (Atomics.compareExchange(words, slot * 2 + 1, c, claim) === c) return -1;
      }
    }
  }

  /** The slot's claim word (as `claim` left it), or 0n for a fingerprint not in the table. */
  claimAt(hi: number, lo: number): bigint {
    const i = this.find(hi, lo);
    return i < 0 ? 0n : Atomics.load(this.words, i * 2 + 1);
  }

  /** Marks the fingerprint's state as settled with its index. */
  settle(hi: number, lo: number, index: number): void {
    const i = this.find(hi, lo);
    if (i < 0) throw new Error("settle: a fingerprint not in the table");
    Atomics.store(this.words, i * 2 + 1, -BigInt(index) - 1n);
  }

  /** A table with room for at least `atLeast` slots and every entry of this one (claims included): made while no worker writes. */
  grown(atLeast: number): SharedTable {
    const bigger = SharedTable.allocate(Math.max(atLeast, this.slots));
    const from = this.words;
    const to = bigger.words;
    const pair = { hi: 0, lo: 0 };
    for (let slot = 0; slot < this.slots; slot++) {
      const fp = from[slot * 2]!;
      if (fp === 0n) continue;
      fingerprintHalves(fp, pair);
      for (let s = firstSlot(pair.hi, pair.lo) & bigger.mask; ; s = (s + 1) & bigger.mask) {
        if (to[s * 2] === 0n) {
          to[s * 2] = fp;
          to[s * 2 + 1] = from[slot * 2 + 1]!;
          break;
        }
      }
    }
    return bigger;
  }

  private find(hi: number, lo: number): number {
    const fp = fingerprintWord(hi, lo);
    const words = this.words;
    for (let slot = firstSlot(hi, lo) & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = Atomics.load(words, slot * 2);
      if (held === 0n) return -1;
      if (held === fp) return slot;
    }
  }
}

/** A scratch word seen as two 32-bit halves, to make a fingerprint's 64-bit word with one BigInt (the halves' order is the machine's, the same in every worker). */
const halves = new Int32Array(2);
const whole = new BigInt64Array(halves.buffer);

function fingerprintWord(hi: number, lo: number): bigint {
  if (hi === 0 && lo === 0) lo = 1;
  halves[0] = lo;
  halves[1] = hi;
  return whole[0]!;
}

/** The (hi, lo) of a fingerprint word, into `out`. */
function fingerprintHalves(fp: bigint, out: { hi: number; lo: number }): void {
  whole[0] = fp;
  out.lo = halves[0]! >>> 0;
  out.hi = halves[1]! >>> 0;
}

function firstSlot(hi: number, lo: number): number {
  if (hi === 0 && lo === 0) lo = 1;
  return (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
}

/** The parent and move columns, shared: grown (copied into larger buffers) by the coordinator between levels. */
export class Columns {
  constructor(readonly parents: Int32Array<SharedArrayBuffer>, readonly moves: Int32Array<SharedArrayBuffer>) {}

  static allocate(capacity: number): Columns {
    return new Columns(new Int32Array(new SharedArrayBuffer(capacity * 4)), new Int32Array(new SharedArrayBuffer(capacity * 4)));
  }

  /** Larger columns holding these, with room for `n` states, or null if these have it. */
  ensure(n: number): Columns | null {
    if (n <= this.parents.length) return null;
    let capacity = this.parents.length;
    while (capacity < n) capacity *= 2;
    const bigger = Columns.allocate(capacity);
    bigger.parents.set(this.parents);
    bigger.moves.set(this.moves);
    return bigger;
  }

  get bytes(): number {
    return this.parents.byteLength + this.moves.byteLength;
  }

  /** The move numbers from the root to a state. */
  path(index: number): number[] {
    const out: number[] = [];
    for (let i = index; i > 0; i = this.parents[i]!) out.push(this.moves[i]!);
    return out.reverse();
  }
}
