import type { Command, Fault, InternalEvent, Observation, ProfileName, RuleId } from "../model/index.js";

/** The version of rollcall written into every log header. */
export const ROLLCALL_VERSION = "0.1.0";
/** The version of the log format. */
export const LOG_FORMAT = 1;

/** The first line of a log: what produced it and how to reproduce it. */
export interface LogHeader {
  readonly type: "header";
  readonly format: typeof LOG_FORMAT;
  readonly rollcall: string;
  readonly profile: ProfileName;
  readonly seed: number | null;
  /** Free-form facts about the run (the command line's options, a scenario's file). */
  readonly run?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * One record of an event log. Commands and events are inputs to the model;
 * observations are what callers saw, recorded so a replay can check them.
 * `rules` names the rules that decided an event's effects.
 */
export type LogRecord =
  | LogHeader
  | { readonly type: "command"; readonly command: Command; readonly rules: readonly RuleId[] }
  | { readonly type: "event"; readonly event: InternalEvent | Fault; readonly rules: readonly RuleId[] }
  | { readonly type: "observation"; readonly observation: Observation };

/** A log as JSON lines, one record a line, ending with a newline. */
export function formatLog(records: readonly LogRecord[]): string {
  let out = "";
  for (const r of records) out += JSON.stringify(r) + "\n";
  return out;
}

/**
 * Writes a log as JSON lines as its records come, in chunks of about
 * `chunk` characters handed to `write` (a file descriptor's writer on the
 * command line): memory stays at one chunk, however long the log.
 */
export class LogWriter {
  private buffer = "";
  private count = 0;

  constructor(private readonly write: (text: string) => void, private readonly chunk = 1 << 16) {}

  /** The number of records written (or buffered). */
  get records(): number {
    return this.count;
  }

  /** Adds one record. */
  add(record: LogRecord): void {
    this.buffer += JSON.stringify(record) + "\n";
    this.count++;
    if (this.buffer.length >= this.chunk) this.flush();
  }

  /** Hands what is buffered to `write`. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = "";
    this.write(text);
  }
}
