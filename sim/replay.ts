import {
  canonicalJson, COMMAND_TYPES, commandEnabled, fingerprint, initialState, INTERNAL_EVENT_TYPES, internalEventEnabled, isCommand, isProfileName, MAX_JSON_DEPTH, tooDeep,
  type InternalEvent, type ModelEvent, type Observation, type ProfileName, type State,
} from "../model/index.js";
import { LOG_FORMAT, type LogHeader, type LogRecord } from "./log.js";
import { drainSync, Pacer, type Paced } from "./pace.js";
import { Engine } from "./store.js";

/** A problem with the log itself (not JSON, no header, a record the model cannot apply): invalid input. */
export class InvalidLog extends Error {
  constructor(readonly line: number, detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = "InvalidLog";
  }
}

export type ReplayOutcome =
  | { readonly ok: true; readonly state: State; readonly fingerprint: string; readonly records: number }
  | { readonly ok: false; readonly line: number; readonly recorded: string; readonly replayed: string };

/**
 * Why the model could not have taken this event in this state, or null: an
 * internal event that is not enabled, a command by a caller that is gone or
 * busy, a step of a command nobody began.
 */
function whyImpossible(state: State, event: ModelEvent): string | null {
  if (!isCommand(event)) {
    if (event.type === "actor.crashed") return null; // its actor was checked to exist (checkIds)
    return internalEventEnabled(state, event as InternalEvent) ? null : `${event.type} is not enabled (the cluster has no such work pending)`;
  }
  if (event.type === "init") return null;
  const caller = event.caller;
  if (state.jobs[caller] === undefined && state.actors[caller] === undefined && state.destroyed[caller] === undefined) {
    return state.finished[caller] !== undefined ? `${caller} is a driver that has exited` : `${caller} is gone (evicted from the GCS's cache of destroyed actors)`;
  }
  if (event.type === "continue") return state.inflight[caller] === undefined ? `${caller} has no command in flight` : null;
  if (state.inflight[caller] !== undefined) return `${caller} is still running its previous command`;
  return commandEnabled(state, event) ? null : `${caller} cannot take this step yet (it waits on creation, a restart or its own kill)`;
}

const RECORD_TYPES = ["header", "command", "event", "observation"];
const EVENT_TYPES: readonly string[] = [...INTERNAL_EVENT_TYPES, "actor.crashed"];

/** Parses one line of a log into a record, naming the line and the field of anything malformed; null for a blank line. */
export function parseLogLine(raw: string, line: number): LogRecord | null {
  if (raw.trim() === "") return null;
  let record: LogRecord;
  try {
    record = JSON.parse(raw) as LogRecord;
  } catch (e) {
    throw new InvalidLog(line, `not valid JSON: ${(e as Error).message}`);
  }
  const deep = tooDeep(record);
  if (deep !== null) throw new InvalidLog(line, `field ${deep.split(".").slice(0, 3).join(".")}: nests deeper than ${MAX_JSON_DEPTH} arrays and objects`);
  if (record === null || typeof record !== "object" || Array.isArray(record) || !RECORD_TYPES.includes(record.type)) {
    throw new InvalidLog(line, "field type: not a log record (type must be header, command, event or observation)");
  }
  if (record.type === "command" || record.type === "event") {
    const event = (record.type === "command" ? record.command : record.event) as unknown as Record<string, unknown> | null;
    const field = record.type;
    if (event === null || typeof event !== "object" || Array.isArray(event) || typeof event.type !== "string") {
      throw new InvalidLog(line, `field ${field}: a ${field} record needs a ${field} with a type`);
    }
    const known = record.type === "command" ? (COMMAND_TYPES as readonly string[]) : EVENT_TYPES;
    if (!known.includes(event.type)) throw new InvalidLog(line, `field ${field}.type: unknown ${field} type '${event.type}'`);
  } else if (record.type === "observation") {
    const o = record.observation as unknown as Record<string, unknown> | undefined;
    if (o === null || typeof o !== "object" || typeof o.caller !== "string" || typeof o.result !== "object" || o.result === null) {
      throw new InvalidLog(line, "field observation: an observation record needs an observation with a caller and a result");
    }
  }
  return record;
}

/** Checks a header record's fields; returns its profile and whether the run was settled. */
export function checkHeader(record: LogRecord | undefined, line: number): { header: LogHeader; profile: ProfileName; settled: boolean } {
  if (record === undefined || record.type !== "header") throw new InvalidLog(line, "field type: a log starts with its header record");
  const h = record as unknown as Record<string, unknown>;
  if (h.format !== LOG_FORMAT) throw new InvalidLog(line, `field format: this rollcall reads log format ${LOG_FORMAT}, the header says ${JSON.stringify(h.format)}`);
  if (typeof h.profile !== "string" || !isProfileName(h.profile)) throw new InvalidLog(line, `field profile: unknown profile '${String(h.profile)}'`);
  if (h.run !== undefined && (h.run === null || typeof h.run !== "object" || Array.isArray(h.run))) throw new InvalidLog(line, "field run: must be an object");
  return { header: record, profile: h.profile, settled: (record.run?.settled ?? false) === true };
}

/**
 * Checks that every id an event names is one the cluster has made: a caller
 * (job or actor) and an actor. An id past the counters names nothing, so the
 * log is invalid input (not a disagreement with the model).
 */
function checkIds(state: State, event: ModelEvent, field: string, line: number): void {
  const e = event as unknown as Record<string, unknown>;
  const check = (name: string, kinds: "caller" | "actor"): void => {
    const id = e[name];
    if (typeof id !== "string") throw new InvalidLog(line, `field ${field}.${name}: must be a string (an id such as ${kinds === "actor" ? "a1" : "j1"})`);
    const m = /^([ja])([1-9]\d*)$/.exec(id);
    const known = m !== null && (kinds === "caller" || m[1] === "a") && Number(m[2]) <= (m[1] === "j" ? state.counters.job : state.counters.actor);
    if (!known) throw new InvalidLog(line, `field ${field}.${name}: no ${kinds === "actor" ? "actor" : "driver or actor"} '${id}' in this log (the cluster has made ${state.counters.job} drivers and ${state.counters.actor} actors so far)`);
  };
  if (event.type !== "init" && (isCommand(event))) check("caller", "caller");
  if ("actor" in e || ["call", "kill", "drop", "state"].includes(event.type) || !isCommand(event)) check("actor", "actor");
  if (event.type === "kill.processed" && typeof e.noRestart !== "boolean") throw new InvalidLog(line, `field ${field}.noRestart: must be true or false`);
}

/** Parses a whole log's text, naming the line and field of anything malformed. */
export function parseLog(text: string): { header: LogHeader; profile: ProfileName; settled: boolean; records: { line: number; record: LogRecord }[] } {
  const records: { line: number; record: LogRecord }[] = [];
  let n = 0;
  for (const raw of lines(text)) {
    const record = parseLogLine(raw, ++n);
    if (record !== null) records.push({ line: n, record });
  }
  const first = records[0];
  const { header, profile, settled } = checkHeader(first?.record, first?.line ?? 1);
  return { header, profile, settled, records: records.slice(1) };
}

/** The lines of a text, one at a time (no array of them all). */
export function* lines(text: string): Generator<string, void, void> {
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf("\n", at);
    if (nl < 0) {
      yield text.slice(at);
      return;
    }
    yield text.slice(at, nl);
    at = nl + 1;
  }
}

/**
 * Replays a log given line by line (a stream: nothing but the working state
 * is kept): applies its commands and events in order and checks that every
 * recorded observation is what the model produces, in the same order. Stops
 * at the first record that disagrees. Throws InvalidLog for a log that is not
 * one (a bad line, a header of another format, an id nobody made). `each`, if
 * given, sees every record with its line. Paced (sim/pace.ts).
 */
export function* replayLines(source: Iterable<string>, each?: (record: LogRecord, line: number) => void): Paced<ReplayOutcome> {
  let n = 0;
  let engine: Engine | undefined;
  let settled = false;
  let last = 0;
  let count = 0;
  const pending: Observation[] = [];
  const pacer = new Pacer();
  for (const raw of source) {
    n++;
    const record = parseLogLine(raw, n);
    if (record === null) continue;
    last = n;
    if (engine === undefined) {
      const h = checkHeader(record, n);
      settled = h.settled;
      // A run whose GCS kept its tables in Redis says so in its header (run.gcsStorage).
      engine = new Engine(h.profile, initialState(h.profile, undefined, h.header.run?.gcsStorage === "redis" ? { gcsStorage: "redis" } : undefined));
      each?.(record, n);
      continue;
    }
    count++;
    each?.(record, n);
    if (pacer.due()) yield;
    if (record.type === "header") throw new InvalidLog(n, "field type: a second header");
    if (record.type === "observation") {
      const expected = pending.shift();
      const recorded = canonicalJson(record.observation);
      const replayed = expected === undefined ? "nothing (the model produced no observation here)" : canonicalJson(expected);
      if (recorded !== replayed) return { ok: false, line: n, recorded, replayed };
      continue;
    }
    const event = record.type === "command" ? record.command : record.event;
    const state = engine.state;
    checkIds(state, event, record.type, n);
    if (pending.length > 0) {
      return { ok: false, line: n, recorded: "no observation before this record", replayed: canonicalJson(pending[0]) };
    }
    let impossible = whyImpossible(state, event);
    if (impossible === null && settled && isCommand(event) && event.type !== "continue") {
      // A settled run lets the cluster finish its work before each new command.
      const pendingWork = engine.firstInternalEvent();
      if (pendingWork !== null) impossible = `the log is of a settled run, but ${pendingWork.type} was still pending before this command`;
    }
    if (impossible !== null) return { ok: false, line: n, recorded: canonicalJson(event), replayed: `not possible here: ${impossible}` };
    try {
      pending.push(...engine.apply(event).observations);
    } catch (e) {
      throw new InvalidLog(n, `field ${record.type}: the model cannot apply this record (${(e as Error).message})`);
    }
  }
  if (engine === undefined) throw new InvalidLog(1, "field type: a log starts with its header record");
  const end = last + 1;
  if (pending.length > 0) return { ok: false, line: end, recorded: "end of log", replayed: canonicalJson(pending[0]) };
  const leftover = settled ? engine.firstInternalEvent() : null;
  if (leftover !== null) return { ok: false, line: end, recorded: "end of log", replayed: `not possible here: the log is of a settled run, but ${leftover.type} was still pending` };
  return { ok: true, state: engine.state, fingerprint: fingerprint(engine.state), records: count };
}

/**
 * Replays a log's text on the model (see `replayLines`): every recorded
 * observation must be the model's, in the same order.
 */
export function replayLog(text: string): ReplayOutcome {
  return drainSync(replayLines(lines(text)));
}
