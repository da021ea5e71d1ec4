import { initialState, type ModelEvent, type MutantName, type ProfileName, type State } from "../model/index.js";
import { ROLLCALL_VERSION } from "../sim/log.js";
import { drainSync, Pacer, type Paced } from "../sim/pace.js";
import { Engine } from "../sim/store.js";

/**
 * Traces in the Informal Trace Format (ITF, Apalache ADR-015), which Quint and
 * Apalache tools read: one JSON object with the state variables and the
 * states in order. Integers are `{"#bigint": "n"}`, records keyed by ids are
 * `{"#map": [[key, value], ...]}`, a null is the variant `None`. Each state
 * carries the action that led to it (`mbt::actionTaken`, the event's type;
 * `init` for the first) and its arguments (`mbt::nondetPicks`), as Quint's
 * model-based testing does.
 */
export type ItfValue = boolean | string | ItfValue[] | { readonly [k: string]: ItfValue };

export interface ItfTrace {
  readonly "#meta": Readonly<Record<string, string | number>>;
  readonly vars: readonly string[];
  readonly states: readonly Readonly<Record<string, ItfValue | { readonly index: number }>>[];
  /** A lasso: the run goes on forever by leading from the last state back to `states[loop]` (ITF's `loop`). */
  readonly loop?: number;
}

const VARS = ["profile", "counters", "jobs", "finished", "actors", "destroyed", "names", "handles", "inflight", "kills"] as const;
const ID_MAPS = new Set(["jobs", "finished", "actors", "destroyed", "handles", "inflight"]);
export const ACTION_TAKEN = "mbt::actionTaken";
export const NONDET_PICKS = "mbt::nondetPicks";

/** A plain value as ITF: numbers as bigints, null as the variant None, arrays as lists, objects as records. */
export function itfValue(v: unknown): ItfValue {
  if (v === null || v === undefined) return { tag: "None", value: { "#tup": [] } };
  if (typeof v === "number") return { "#bigint": String(v) };
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(itfValue);
  const out: Record<string, ItfValue> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = itfValue(x);
  return out;
}

function itfMap(record: Readonly<Record<string, unknown>>, value: (x: unknown) => ItfValue): ItfValue {
  return { "#map": Object.keys(record).sort().map((k) => [k, value(record[k])]) };
}

/** One model state as ITF variables. */
export function itfState(state: State): Record<string, ItfValue> {
  const out: Record<string, ItfValue> = {};
  for (const name of VARS) {
    const v = state[name];
    if (ID_MAPS.has(name)) out[name] = itfMap(v as Record<string, unknown>, name === "handles" ? (h) => itfMap(h as Record<string, unknown>, itfValue) : itfValue);
    else if (name === "names") out[name] = itfMap(v as Record<string, unknown>, (ns) => itfMap(ns as Record<string, unknown>, itfValue));
    else out[name] = itfValue(v);
  }
  return out;
}

/** The arguments of an event, without its type. */
function picks(event: ModelEvent | null): ItfValue {
  if (event === null) return {};
  const { type: _type, ...rest } = event as { type: string } & Record<string, unknown>;
  return itfValue(rest);
}

/**
 * What a reader needs of a state, for ITF: the live part whole (running jobs,
 * registered actors, names, handles, commands in flight, kills), and of the
 * parts that only grow, what later steps can still reach: the destroyed
 * actors some caller holds a handle to (or that the event just destroyed),
 * the finished jobs a registered actor belongs to. So a state's size follows
 * the live cluster, not the length of the run.
 */
export function readerView(state: State, event: ModelEvent | null): State {
  const destroyed: Record<string, State["destroyed"][string]> = {};
  const just = event !== null && typeof (event as { actor?: unknown }).actor === "string" ? (event as { actor: string }).actor : undefined;
  if (just !== undefined && state.destroyed[just] !== undefined) destroyed[just] = state.destroyed[just];
  for (const caller in state.handles) {
    for (const id in state.handles[caller]) if (state.destroyed[id] !== undefined) destroyed[id] = state.destroyed[id];
  }
  const finished: Record<string, State["finished"][string]> = {};
  const need = (id: string | undefined): void => {
    if (id !== undefined && state.finished[id] !== undefined) finished[id] = state.finished[id];
  };
  for (const id in state.actors) {
    const a = state.actors[id];
    need(a.job);
    need(a.creator.caller);
    need(a.owner?.caller);
  }
  for (const id in destroyed) need(destroyed[id].job);
  return { ...state, destroyed, finished };
}

function traceMeta(profile: ProfileName, mutant: MutantName | undefined, meta: Record<string, string | number>): Record<string, string | number> {
  return {
    format: "ITF", "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html", source: "rollcall", rollcall: ROLLCALL_VERSION, profile,
    ...(mutant === undefined ? {} : { mutant }),
    note: "destroyed holds the destroyed actors a caller still holds a handle to (or just destroyed); finished the finished jobs of registered actors",
    ...meta,
  };
}

function itfStateOf(state: State, event: ModelEvent | null, index: number): Record<string, ItfValue | { readonly index: number }> {
  return { "#meta": { index }, ...itfState(readerView(state, event)), [ACTION_TAKEN]: event === null ? "init" : event.type, [NONDET_PICKS]: picks(event) };
}

/**
 * The trace of events from a fresh cluster as ITF, streamed: `write` gets the
 * trace's text piece by piece (its head, then one state a line, then its
 * end), so memory holds one state at a time. Paced (sim/pace.ts). Returns the
 * number of states written.
 */
export function* itfStream(
  profile: ProfileName, mutant: MutantName | undefined, events: Iterable<ModelEvent>, meta: Record<string, string | number>, write: (text: string) => void,
): Paced<number> {
  const engine = new Engine(profile, initialState(profile, mutant));
  const pacer = new Pacer();
  write(`{"#meta":${JSON.stringify(traceMeta(profile, mutant, meta))},\n"vars":${JSON.stringify([...VARS, ACTION_TAKEN, NONDET_PICKS])},\n"states":[\n`);
  write(JSON.stringify(itfStateOf(engine.state, null, 0)));
  let index = 0;
  for (const event of events) {
    engine.apply(event);
    write(",\n" + JSON.stringify(itfStateOf(engine.state, event, ++index)));
    if (pacer.due()) yield;
  }
  write("\n]}\n");
  return index + 1;
}

/**
 * The trace of events from a fresh cluster as ITF: the initial state, then
 * the state after each event with the event that led to it.
 */
export function eventsToItf(profile: ProfileName, mutant: MutantName | undefined, events: readonly ModelEvent[], meta: Record<string, string | number>): ItfTrace {
  let text = "";
  drainSync(itfStream(profile, mutant, events, meta, (t) => (text += t)));
  return JSON.parse(text) as ItfTrace;
}

/** A checker counterexample as ITF. */
export function traceToItf(universe: { readonly profile: ProfileName; readonly mutant?: MutantName }, trace: readonly ModelEvent[], description: string): ItfTrace {
  return eventsToItf(universe.profile, universe.mutant, trace, { description, status: "violation" });
}

/**
 * A liveness counterexample (a lasso) as ITF with `loop`: the states of the
 * stem, then those of the loop but its last, whose event (in `#meta`,
 * `loopClosedBy`) leads from the last state back to `states[loop]`, the
 * state the stem reached. With no loop events the run stays in that state
 * forever, and it is the last state: `loop` is its index.
 */
export function lassoToItf(
  universe: { readonly profile: ProfileName; readonly mutant?: MutantName }, stem: readonly ModelEvent[], loop: readonly ModelEvent[], description: string,
): ItfTrace {
  const shown = loop.length === 0 ? stem : [...stem, ...loop.slice(0, -1)];
  const lasso = loop.length === 0
    ? "the run stays in the last state forever: no move that fairness forces is enabled there"
    : "the last state leads back to states[loop] by the event loopClosedBy, and the loop repeats forever";
  const meta = { description, status: "violation", lasso, ...(loop.length === 0 ? {} : { loopClosedBy: JSON.stringify(loop.at(-1)) }) };
  return { ...eventsToItf(universe.profile, universe.mutant, shown, meta), loop: stem.length };
}
