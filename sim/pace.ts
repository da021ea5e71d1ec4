/**
 * Cooperative pacing for long loops. JavaScript runs one thing at a time: a
 * loop that never returns to the event loop never lets a signal handler run,
 * so Ctrl-C would wait for the loop to end. Long work is written as a
 * generator that yields whenever `Pacer.due()` says a slice of time is used
 * up; `drainSync` runs it straight through (tests, the browser's short work),
 * `drainAsync` gives the event loop a turn at each yield (the command line),
 * so SIGINT and SIGTERM are handled within one slice.
 *
 * Browser-safe: only `performance.now` and timers.
 */

/** Milliseconds of work between two turns of the event loop. */
export const SLICE_MS = 50;

export class Pacer {
  private last: number;
  private count = 0;

  /** `every`: calls between two looks at the clock (the clock is not free). */
  constructor(private readonly sliceMs = SLICE_MS, private readonly every = 64) {
    this.last = performance.now();
  }

  /** True when the loop should yield now: at most once per slice. */
  due(): boolean {
    if (++this.count < this.every) return false;
    this.count = 0;
    const t = performance.now();
    if (t - this.last < this.sliceMs) return false;
    this.last = t;
    return true;
  }
}

/** Work that yields (nothing) whenever it may be paused, and returns its result. */
export type Paced<R> = Generator<void, R, void>;

/** Runs paced work to its end without pausing. */
export function drainSync<R>(work: Paced<R>): R {
  for (;;) {
    const r = work.next();
    if (r.done === true) return r.value;
  }
}

// setImmediate is Node's (not the browser's): looked up on globalThis so the page's type check passes too.
const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
const turn: () => Promise<void> =
  typeof immediate === "function" ? () => new Promise((resolve) => immediate(resolve)) : () => new Promise((resolve) => setTimeout(resolve, 0));

/** Runs paced work to its end, giving the event loop a turn at every pause (so signal handlers run). */
export async function drainAsync<R>(work: Paced<R>): Promise<R> {
  for (;;) {
    const r = work.next();
    if (r.done === true) return r.value;
    await turn();
  }
}

/** Gives the event loop one turn (for async loops that do not use a generator). */
export function yieldTurn(): Promise<void> {
  return turn();
}
