import { initialState, transition, type ModelEvent, type MutantName, type ProfileName, type State } from "../model/index.js";
import { ROLLCALL_VERSION } from "../sim/log.js";

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
 * The trace of events from a fresh cluster as ITF: the initial state, then
 * the state after each event with the event that led to it.
 */
export function eventsToItf(profile: ProfileName, mutant: MutantName | undefined, events: readonly ModelEvent[], meta: Record<string, string | number>): ItfTrace {
  let state = initialState(profile, mutant);
  const states: Record<string, ItfValue | { readonly index: number }>[] = [];
  const push = (event: ModelEvent | null, index: number): void => {
    states.push({ "#meta": { index }, ...itfState(state), [ACTION_TAKEN]: event === null ? "init" : event.type, [NONDET_PICKS]: picks(event) });
  };
  push(null, 0);
  events.forEach((event, i) => {
    state = transition(state, event).state;
    push(event, i + 1);
  });
  return {
    "#meta": { format: "ITF", "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html", source: "rollcall", rollcall: ROLLCALL_VERSION, profile, ...(mutant === undefined ? {} : { mutant }), ...meta },
    vars: [...VARS, ACTION_TAKEN, NONDET_PICKS],
    states,
  };
}

/** A checker counterexample as ITF. */
export function traceToItf(universe: { readonly profile: ProfileName; readonly mutant?: MutantName }, trace: readonly ModelEvent[], description: string): ItfTrace {
  return eventsToItf(universe.profile, universe.mutant, trace, { description, status: "violation" });
}
