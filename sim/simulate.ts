import { fingerprint, initialState, isFault, type ProfileName, type State } from "../model/index.js";
import { LOG_FORMAT, ROLLCALL_VERSION, type LogHeader, type LogRecord } from "./log.js";
import { drainSync, Pacer, type Paced } from "./pace.js";
import { DEFAULT_SPACE, nextCommand, type ProgramSpace } from "./programs.js";
import { Rng } from "./rng.js";
import { runSettled, settle } from "./settle.js";
import { Engine, Store, type Dispatcher } from "./store.js";

/**
 * The most steps one simulation runs. Memory stays bounded by the live
 * cluster, the GCS's cache of destroyed actors and the finished jobs, which
 * Ray keeps (about one per fifty steps): a bound keeps that in reach.
 */
export const MAX_STEPS = 100_000_000;

export interface SimulateOptions {
  readonly seed: number;
  readonly steps: number;
  readonly profile: ProfileName;
  readonly space?: ProgramSpace;
  /** Overrides the profile's cache of destroyed actors (tests). */
  readonly destroyedActorCache?: number;
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

/** What a streamed simulation leaves: the final state and how many events it took. */
export interface SimulationEnd {
  readonly state: State;
  readonly events: number;
}

/** The log header of a simulation. */
export function simulationHeader(options: SimulateOptions): LogHeader {
  const space = options.space ?? DEFAULT_SPACE;
  return {
    type: "header", format: LOG_FORMAT, rollcall: ROLLCALL_VERSION, profile: options.profile, seed: options.seed,
    run: { mode: "simulate", settled: true, steps: options.steps, drivers: space.drivers, faults: space.faults },
  };
}

function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 0 || steps > MAX_STEPS) throw new RangeError(`steps must be an integer from 0 to ${MAX_STEPS}, got ${steps}`);
}

/** The random program run settled on `on`: paced (it yields now and then, see sim/pace.ts). */
function* run(options: SimulateOptions, on: Dispatcher): Paced<void> {
  const rng = new Rng(options.seed);
  const space = options.space ?? DEFAULT_SPACE;
  const pacer = new Pacer();
  const choose = (n: number): number => rng.int(n);
  for (let i = 0; i < options.steps; i++) {
    const command = nextCommand(on.state, choose, space);
    if (isFault(command)) {
      on.dispatch(command);
      settle(on);
    } else {
      runSettled(on, command, false);
    }
    if (options.progress !== undefined && (i + 1) % 1000 === 0) options.progress(i + 1);
    if (pacer.due()) yield;
  }
}

/**
 * A random program of several drivers, run settled on the model, streamed:
 * `sink` (if any) gets the header, then every record as it is made, and
 * nothing is kept, so memory does not grow with the log. Same options, same log, byte
 * for byte (the records `simulate` keeps).
 */
export function* simulateStream(options: SimulateOptions, sink?: (record: LogRecord) => void): Paced<SimulationEnd> {
  checkSteps(options.steps);
  sink?.(simulationHeader(options));
  const engine = new Engine(options.profile, start(options), sink);
  yield* run(options, engine);
  return { state: engine.state, events: engine.length };
}

function start(options: SimulateOptions): State {
  return initialState(options.profile, undefined, options.destroyedActorCache === undefined ? undefined : { destroyedActorCache: options.destroyedActorCache });
}

/** A random program of several drivers, run settled on the model, kept whole in a store (tests and time travel); same options, same log, byte for byte. */
export function simulate(options: SimulateOptions): Simulation {
  checkSteps(options.steps);
  const store = new Store(options.profile, start(options));
  drainSync(run(options, store));
  return { store, log: [simulationHeader(options), ...store.records], fingerprint: () => fingerprint(store.state) };
}
