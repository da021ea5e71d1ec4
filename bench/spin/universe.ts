import type { Universe } from "../../checker/universe.js";

/**
 * The universe of the SPIN baseline (bench/spin): three drivers in one
 * namespace, one name, two operations each (get-or-create, get, call, kill,
 * drop, exit_actor, driver exit). bench/spin/run.sh compiles the same bounds
 * into the Promela model and checks that both count the same states.
 */
export const SPIN_BENCH_UNIVERSE: Universe = {
  profile: "ray",
  drivers: 3,
  namespaces: 1,
  names: 1,
  ops: 2,
  maxRestarts: 0,
  faults: false,
  operations: ["getIfExists", "get", "call", "kill", "drop", "exitActor", "exit"],
};
