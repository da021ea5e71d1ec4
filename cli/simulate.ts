import { writeFileSync } from "node:fs";
import { DEFAULT_PROFILE } from "../model/index.js";
import { formatLog } from "../sim/log.js";
import { DEFAULT_SPACE } from "../sim/programs.js";
import { simulate } from "../sim/simulate.js";
import { EXIT_OK, InputError } from "./errors.js";
import { parseCount, parseProfile } from "./options.js";

export interface SimulateCliOptions {
  readonly seed?: string;
  readonly steps: string;
  readonly profile?: string;
  readonly drivers: string;
  readonly log?: string;
  readonly faults: boolean;
}

/** `rollcall simulate`: prints the seed first, writes the log, prints the final fingerprint last. */
export function simulateCommand(options: SimulateCliOptions): number {
  // The only place a seed is picked: from the clock, when none is given.
  const seed = options.seed === undefined ? Date.now() % 2 ** 31 : parseCount(options.seed, "--seed");
  if (seed > 0xffffffff) throw new InputError(`--seed must be at most 4294967295 (the generator takes 32 bits), got ${seed}`);
  const steps = parseCount(options.steps, "--steps");
  const drivers = parseCount(options.drivers, "--drivers", 1);
  const profile = parseProfile(options.profile) ?? DEFAULT_PROFILE;
  console.log(`seed ${seed}`);
  const started = performance.now();
  const sim = simulate({
    seed, steps, profile,
    space: { ...DEFAULT_SPACE, drivers, faults: options.faults },
    progress: (done) => {
      if (process.stderr.isTTY) process.stderr.write(`\r${done}/${steps} steps`);
    },
  });
  if (process.stderr.isTTY && steps >= 1000) process.stderr.write("\n");
  const seconds = (performance.now() - started) / 1000;
  const s = sim.store.state;
  const live = Object.values(s.actors).filter((a) => a.lifecycle !== "DEAD").length;
  const actors = Object.keys(s.actors).length + Object.keys(s.destroyed).length;
  console.log(`profile ${profile}, ${steps} steps, ${sim.store.length} events, ${Object.keys(s.jobs).length + Object.keys(s.finished).length} drivers, ${actors} actors (${live} not DEAD at the end), ${seconds.toFixed(2)} s`);
  if (options.log !== undefined) {
    try {
      writeFileSync(options.log, formatLog(sim.log));
    } catch (e) {
      throw new InputError(`cannot write the log to ${options.log} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    console.log(`log ${options.log} (${sim.log.length} records)`);
  }
  console.log(`fingerprint ${sim.fingerprint()}`);
  return EXIT_OK;
}
