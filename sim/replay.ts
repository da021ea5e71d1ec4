import {
  canonicalJson, commandEnabled, enabledInternalEvents, fingerprint, initialState, isCommand, isProfileName, transition,
  type ModelEvent, type Observation, type ProfileName, type State,
} from "../model/index.js";
import type { LogRecord } from "./log.js";

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
    if (event.type === "actor.crashed") return state.actors[event.actor] === undefined && state.destroyed[event.actor] === undefined ? `no actor ${event.actor}` : null;
    const key = canonicalJson(event);
    return enabledInternalEvents(state).some((e) => canonicalJson(e) === key) ? null : `${event.type} is not enabled (the cluster has no such work pending)`;
  }
  if (event.type === "init") return null;
  const caller = (event as { caller?: unknown }).caller;
  if (typeof caller !== "string") return "a command needs a caller";
  if (state.jobs[caller] === undefined && state.actors[caller] === undefined && state.destroyed[caller] === undefined) {
    return state.finished[caller] !== undefined ? `${caller} is a driver that has exited` : `no caller ${caller}`;
  }
  if (event.type === "continue") return state.inflight[caller] === undefined ? `${caller} has no command in flight` : null;
  if (state.inflight[caller] !== undefined) return `${caller} is still running its previous command`;
  return commandEnabled(state, event) ? null : `${caller} cannot take this step yet (it waits on creation, a restart or its own kill)`;
}

/** Parses JSON lines into records, naming the line of anything malformed. */
export function parseLog(text: string): { profile: ProfileName; settled: boolean; records: { line: number; record: LogRecord }[] } {
  const lines = text.split("\n");
  const records: { line: number; record: LogRecord }[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === "") return;
    let record: LogRecord;
    try {
      record = JSON.parse(raw) as LogRecord;
    } catch (e) {
      throw new InvalidLog(i + 1, `not valid JSON: ${(e as Error).message}`);
    }
    if (record === null || typeof record !== "object" || !["header", "command", "event", "observation"].includes(record.type)) {
      throw new InvalidLog(i + 1, "not a log record (type must be header, command, event or observation)");
    }
    records.push({ line: i + 1, record });
  });
  const header = records[0]?.record;
  if (header === undefined || header.type !== "header") throw new InvalidLog(records[0]?.line ?? 1, "a log starts with its header record");
  if (!isProfileName(header.profile)) throw new InvalidLog(records[0].line, `unknown profile '${String(header.profile)}'`);
  return { profile: header.profile, settled: header.run?.settled === true, records: records.slice(1) };
}

/**
 * Replays a log on the model: applies its commands and events in order and
 * checks that every recorded observation is what the model produces, in the
 * same order. Stops at the first record that disagrees.
 */
export function replayLog(text: string): ReplayOutcome {
  const { profile, settled, records } = parseLog(text);
  let state = initialState(profile);
  const pending: Observation[] = [];
  for (const { line, record } of records) {
    if (record.type === "header") throw new InvalidLog(line, "a second header");
    if (record.type === "observation") {
      const o = record.observation as unknown as Record<string, unknown> | undefined;
      if (o === null || typeof o !== "object" || typeof o.caller !== "string" || typeof o.result !== "object" || o.result === null) {
        throw new InvalidLog(line, "an observation record needs an observation with a caller and a result");
      }
      const expected = pending.shift();
      const recorded = canonicalJson(record.observation);
      const replayed = expected === undefined ? "nothing (the model produced no observation here)" : canonicalJson(expected);
      if (recorded !== replayed) return { ok: false, line, recorded, replayed };
      continue;
    }
    if (pending.length > 0) {
      return { ok: false, line, recorded: "no observation before this record", replayed: canonicalJson(pending[0]) };
    }
    const event = record.type === "command" ? record.command : record.event;
    if (event === null || typeof event !== "object" || typeof event.type !== "string") {
      throw new InvalidLog(line, `a ${record.type} record needs a ${record.type} with a type`);
    }
    let impossible = whyImpossible(state, event);
    if (impossible === null && settled && isCommand(event) && event.type !== "continue") {
      // A settled run lets the cluster finish its work before each new command.
      const pendingWork = enabledInternalEvents(state)[0];
      if (pendingWork !== undefined) impossible = `the log is of a settled run, but ${pendingWork.type} was still pending before this command`;
    }
    if (impossible !== null) return { ok: false, line, recorded: canonicalJson(event), replayed: `not possible here: ${impossible}` };
    try {
      const t = transition(state, event);
      state = t.state;
      pending.push(...t.observations);
    } catch (e) {
      throw new InvalidLog(line, `the model cannot apply this record (${(e as Error).message})`);
    }
  }
  const end = (records.at(-1)?.line ?? 1) + 1;
  if (pending.length > 0) return { ok: false, line: end, recorded: "end of log", replayed: canonicalJson(pending[0]) };
  const leftover = settled ? enabledInternalEvents(state)[0] : undefined;
  if (leftover !== undefined) return { ok: false, line: end, recorded: "end of log", replayed: `not possible here: the log is of a settled run, but ${leftover.type} was still pending` };
  return { ok: true, state, fingerprint: fingerprint(state), records: records.length };
}
