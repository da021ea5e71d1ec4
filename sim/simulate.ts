import { fingerprint, type ProfileName } from "../model/index.js";
import { LOG_FORMAT, ROLLCALL_VERSION, type LogRecord } from "./log.js";
import { DEFAULT_SPACE, nextCommand, type ProgramSpace } from "./programs.js";
import { Rng } from "./rng.js";
import { runSettled, settle } from "./settle.js";
import { Store } from "./store.js";

export interface SimulateOptions {
  readonly seed: number;
  readonly steps: number;
  readonly profile: ProfileName;
  readonly space?: ProgramSpace;
  /** Called every so often with the number of steps done. */
  readonly progress?: (done: number) => void;
}

export interface Simulation {
  readonly store: Store;
  /** The whole log: header, then every command, event and observation. */
  readonly log: LogRecord[];
  /** The fingerprint of the final state (computed on demand: it reads the whole state). */
  fingerprint(): string;
}

/** A random program of several drivers, run settled on the model; same options, same log, byte for byte. */
export function simulate(options: SimulateOptions): Simulation {
  const rng = new Rng(options.seed);
  const space = options.space ?? DEFAULT_SPACE;
  const store = new Store(options.profile);
  for (let i = 0; i < options.steps; i++) {
    const command = nextCommand(store.state, (n) => rng.int(n), space);
    if (command.type === "actor.crashed") {
      store.dispatch(command);
      settle(store);
    } else {
      runSettled(store, command, false);
    }
    if (options.progress !== undefined && (i + 1) % 1000 === 0) options.progress(i + 1);
  }
  const header: LogRecord = {
    type: "header", format: LOG_FORMAT, rollcall: ROLLCALL_VERSION, profile: options.profile, seed: options.seed,
    run: { mode: "simulate", settled: true, steps: options.steps, drivers: space.drivers, faults: space.faults },
  };
  return { store, log: [header, ...store.records], fingerprint: () => fingerprint(store.state) };
}
