import { closeSync, openSync } from "node:fs";
import { DEFAULT_PROFILE, fingerprint } from "../model/index.js";
import { LogWriter } from "../sim/log.js";
import { drainAsync } from "../sim/pace.js";
import { DEFAULT_SPACE } from "../sim/programs.js";
import { MAX_STEPS, simulateStream } from "../sim/simulate.js";
import { EXIT_OK, InputError } from "./errors.js";
import { writeAllSync } from "./export.js";
import { parseCount, parseProfile } from "./options.js";

export interface SimulateCliOptions {
  readonly seed?: string;
  readonly steps: string;
  readonly profile?: string;
  readonly drivers: string;
  readonly log?: string;
  readonly faults: boolean;
}

/**
 * `rollcall simulate`: prints the seed first, streams the log to its file as
 * the records come (memory does not grow with it), prints the final
 * fingerprint last. Paced, so SIGINT and SIGTERM are handled mid-run.
 */
export async function simulateCommand(options: SimulateCliOptions): Promise<number> {
  // The only place a seed is picked: from the clock, when none is given.
  const seed = options.seed === undefined ? Date.now() % 2 ** 31 : parseCount(options.seed, "--seed");
  if (seed > 0xffffffff) throw new InputError(`--seed must be at most 4294967295 (the generator takes 32 bits), got ${seed}`);
  const steps = parseCount(options.steps, "--steps");
  if (steps > MAX_STEPS) throw new InputError(`--steps must be at most ${MAX_STEPS.toLocaleString("en-US")} (finished jobs are kept, as Ray keeps them, so memory grows slowly with the steps), got ${steps}`);
  const drivers = parseCount(options.drivers, "--drivers", 1);
  const profile = parseProfile(options.profile) ?? DEFAULT_PROFILE;
  let fd: number | undefined;
  if (options.log !== undefined) {
    try {
      fd = openSync(options.log, "w");
    } catch (e) {
      throw new InputError(`cannot write the log to ${options.log} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  const out = fd;
  const writer = new LogWriter((text) => {
    if (out === undefined) return;
    try {
      writeAllSync(out, text);
    } catch (e) {
      throw new InputError(`cannot write the log to ${options.log} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  });
  console.log(`seed ${seed}`);
  const started = performance.now();
  let end;
  try {
    end = await drainAsync(simulateStream({
      seed, steps, profile,
      space: { ...DEFAULT_SPACE, drivers, faults: options.faults },
      progress: (done) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${done}/${steps} steps`);
      },
    }, out === undefined ? undefined : (record) => writer.add(record)));
    writer.flush();
  } finally {
    if (out !== undefined) closeSync(out);
  }
  if (process.stderr.isTTY && steps >= 1000) process.stderr.write("\n");
  const seconds = (performance.now() - started) / 1000;
  const s = end.state;
  let live = 0;
  for (const id in s.actors) if (s.actors[id].lifecycle !== "DEAD") live++;
  console.log(`profile ${profile}, ${steps} steps, ${end.events} events, ${s.counters.job} drivers, ${s.counters.actor} actors (${live} not DEAD at the end), ${seconds.toFixed(2)} s`);
  if (options.log !== undefined) console.log(`log ${options.log} (${writer.records} records)`);
  console.log(`fingerprint ${fingerprint(s)}`);
  return EXIT_OK;
}
