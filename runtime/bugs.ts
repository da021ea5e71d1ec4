/**
 * Seeded bugs of the Node runtime: realistic implementation mistakes, each a
 * small change guarded by `bugOn("name")` at the one place it lives. They are
 * switched on by the environment variable ROLLCALL_BUG (`rollcall run|fuzz
 * --bug NAME` sets it for the adapter). The adapter forks the head and the
 * drivers and the head spawns the actors, all with the inherited environment,
 * so every process reads the same value.
 *
 * `bench/bugs.sh` runs the fuzzer against each of them; runtime/bugs.test.ts
 * checks that each is found.
 */

export const BUGS: Readonly<Record<string, string>> = {
  "get-or-create-no-retry": "get_if_exists that loses the registration race to another creator raises NameTaken instead of looking the name up again (only a race shows it)",
  "name-never-freed": "ray.kill (no_restart) destroys the actor but leaves its name in the registry, so the name stays taken",
  "name-freed-on-death": "an owned actor that dies for good frees its name at once, although its owner still holds it",
  "restart-default-args": "a restart re-runs the constructor without the original arguments",
  "driver-exit-leaks-owned": "a driver's exit is not treated as its owner dying: the actors it owned live on",
  "stale-lookup-cache": "the client caches get_actor lookups and never invalidates them when the actor dies",
  "detached-killed-at-job-exit": "a detached actor is recorded with its creator as owner, so it dies with the job (and goes out of scope)",
  "get-all-namespaces": "get_actor falls back to searching every namespace when the name is not in the requested one",
  "list-dead": "list_named_actors lists DEAD actors whose name is still registered",
  "lineage-keeps-dropped": "an owned actor with restarts left is kept for lineage reconstruction when its owner drops it, instead of being released",
  "kill-restart-free": "ray.kill(no_restart=False) restarts the actor without using up one of its restarts",
  "exit-actor-restarts": "exit_actor() is handled like a crash: an actor with restarts left comes back",
  "owner-node-one-child": "when a node dies, only one actor of each owner (a driver or an actor) on it is destroyed; the owner's other actors live on (Ray PR #60669: OnNodeDead kept the children in a map keyed by owner, and emplace kept one)",
  "detached-killed-with-creator": "when a node dies, the detached actors created by a driver or an actor on it are killed too, wherever they run (Ray issue #40864, fixed by PR #53562: the raylet fate-shared leased workers with their owner process, detached actors included)",
  "gcs-reload-forgets-children": "a restarted GCS reloads owned actors without their owner, so they no longer die with it nor go out of scope, and leak (Ray issue #45596, fixed by PR #45791, saw it for the children of detached actors)",
  "gcs-restart-unkillable": "after a GCS restart, ray.kill of an actor the GCS reloaded does nothing: it stays ALIVE and keeps its name (Ray issue #63763, fixed by PR #63764)",
};

const raw = process.env["ROLLCALL_BUG"];
/** The bug switched on in this process (read once, at start), or null. */
export const ACTIVE_BUG: string | null = raw === undefined || raw === "" ? null : raw;

/** Why ROLLCALL_BUG is unusable (an unknown name), or null. The adapter answers hello/reset with it. */
export function bugProblem(): string | null {
  if (ACTIVE_FAULT !== null && !Object.hasOwn(FAULTS, ACTIVE_FAULT)) return `unknown fault ROLLCALL_FAULT=${ACTIVE_FAULT} (known: ${Object.keys(FAULTS).join(", ")})`;
  if (ACTIVE_BUG === null || Object.hasOwn(BUGS, ACTIVE_BUG)) return null;
  return `unknown seeded bug ROLLCALL_BUG=${ACTIVE_BUG} (known: ${Object.keys(BUGS).join(", ")})`;
}

/**
 * Faults of the runtime as a whole, for the harness's robustness tests (not
 * bugs of the semantics): switched on by ROLLCALL_FAULT. The harness must give
 * each a verdict naming the step and leave no process behind.
 */
export const FAULTS: Readonly<Record<string, string>> = {
  "head-dies-on-kill": "the head process crashes (SIGKILL) when it receives a ray.kill: the cluster is lost mid-scenario",
  "head-hangs-on-kill": "the head never answers a ray.kill: the step hangs",
  "garbage-on-list": "the adapter answers a list_named_actors step with a line that is not JSON",
};

const rawFault = process.env["ROLLCALL_FAULT"];
/** The fault switched on in this process, or null. */
export const ACTIVE_FAULT: string | null = rawFault === undefined || rawFault === "" ? null : rawFault;

/** Whether the fault `name` is switched on. */
export function faultOn(name: keyof typeof FAULTS & string): boolean {
  return ACTIVE_FAULT === name;
}

/** Whether the seeded bug `name` is switched on. */
export function bugOn(name: keyof typeof BUGS & string): boolean {
  if (!Object.hasOwn(BUGS, name)) throw new Error(`bugOn: no seeded bug ${name}`);
  return ACTIVE_BUG === name;
}
