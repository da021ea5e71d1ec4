import {
  canonicalJson, fingerprint, initialState, isProfileName, transition,
  type Observation, type ProfileName, type State,
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

/** Parses JSON lines into records, naming the line of anything malformed. */
export function parseLog(text: string): { profile: ProfileName; records: { line: number; record: LogRecord }[] } {
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
  return { profile: header.profile, records: records.slice(1) };
}

/**
 * Replays a log on the model: applies its commands and events in order and
 * checks that every recorded observation is what the model produces, in the
 * same order. Stops at the first record that disagrees.
 */
export function replayLog(text: string): ReplayOutcome {
  const { profile, records } = parseLog(text);
  let state = initialState(profile);
  const pending: Observation[] = [];
  for (const { line, record } of records) {
    if (record.type === "header") throw new InvalidLog(line, "a second header");
    if (record.type === "observation") {
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
    try {
      const t = transition(state, event);
      state = t.state;
      pending.push(...t.observations);
    } catch (e) {
      throw new InvalidLog(line, `the model cannot apply this record (${(e as Error).message})`);
    }
  }
  if (pending.length > 0) return { ok: false, line: records.length + 2, recorded: "end of log", replayed: canonicalJson(pending[0]) };
  return { ok: true, state, fingerprint: fingerprint(state), records: records.length };
}
