import { setup, transition, initialTransition } from "xstate";

/**
 * The lifecycle charts, in XState v5, used only through the pure
 * `transition`/`initialTransition` (never `createActor`, whose scheduler reads
 * clocks). Because the charts are pure, their answers are compiled once into a
 * table the reducer consults; `lifecycle.test.ts` checks table and chart agree on
 * every (state, event).
 */

/** Ray's actor states (gcs.proto ActorTableData.ActorState). */
export const ACTOR_STATES = ["DEPENDENCIES_UNREADY", "PENDING_CREATION", "ALIVE", "RESTARTING", "DEAD"] as const;
export type ActorLifecycle = (typeof ACTOR_STATES)[number];

/**
 * Events of the actor chart. `worker.died` carries whether a restart is allowed
 * (restarts left, owner alive or detached, not an intended exit): the guard.
 */
export type ActorChartEvent =
  | { type: "dependencies.resolved" }
  | { type: "creation.succeeded" }
  | { type: "worker.died"; canRestart: boolean }
  | { type: "actor.destroyed" };

export const ACTOR_CHART_EVENTS: readonly ActorChartEvent[] = [
  { type: "dependencies.resolved" },
  { type: "creation.succeeded" },
  { type: "worker.died", canRestart: true },
  { type: "worker.died", canRestart: false },
  { type: "actor.destroyed" },
];

/**
 * The actor lifecycle of `gcs_actor_manager.h` and actor-lifecycle.rst:
 * DEPENDENCIES_UNREADY → PENDING_CREATION → ALIVE ⇄ RESTARTING → DEAD.
 */
export const actorChart = setup({
  types: { events: {} as ActorChartEvent },
  guards: { canRestart: ({ event }) => event.type === "worker.died" && event.canRestart },
}).createMachine({
  id: "actor",
  initial: "DEPENDENCIES_UNREADY",
  states: {
    DEPENDENCIES_UNREADY: {
      on: { "dependencies.resolved": "PENDING_CREATION", "actor.destroyed": "DEAD" },
    },
    PENDING_CREATION: {
      on: {
        "creation.succeeded": "ALIVE",
        "worker.died": [{ guard: "canRestart", target: "RESTARTING" }, { target: "DEAD" }],
        "actor.destroyed": "DEAD",
      },
    },
    ALIVE: {
      on: {
        "worker.died": [{ guard: "canRestart", target: "RESTARTING" }, { target: "DEAD" }],
        "actor.destroyed": "DEAD",
      },
    },
    RESTARTING: {
      // ray.kill(no_restart=False) of an actor being rescheduled cancels the
      // scheduling and restarts it again, using up a restart (docs/semantics.md#kill.restart).
      on: {
        "creation.succeeded": "ALIVE",
        "worker.died": [{ guard: "canRestart", target: "RESTARTING" }, { target: "DEAD" }],
        "actor.destroyed": "DEAD",
      },
    },
    DEAD: {
      on: { "actor.destroyed": "DEAD" },
    },
  },
});

/** A job's states. */
export const JOB_STATES = ["RUNNING", "FINISHED"] as const;
export type JobLifecycle = (typeof JOB_STATES)[number];
export type JobChartEvent = { type: "driver.exited" };
export const JOB_CHART_EVENTS: readonly JobChartEvent[] = [{ type: "driver.exited" }];

/** A job runs until its driver exits. */
export const jobChart = setup({ types: { events: {} as JobChartEvent } }).createMachine({
  id: "job",
  initial: "RUNNING",
  states: {
    RUNNING: { on: { "driver.exited": "FINISHED" } },
    FINISHED: {},
  },
});

/** Asks XState itself where `event` leads from `state`, or null if the chart refuses it. */
export function chartTransition<S extends string, E extends { type: string }>(
  chart: typeof actorChart | typeof jobChart,
  state: S,
  event: E,
): S | null {
  const snapshot = chart.resolveState({ value: state, context: undefined as never });
  // `can` runs the guards exactly as `transition` would.
  if (!snapshot.can(event as never)) return null;
  const [next] = transition(chart as never, snapshot as never, event as never);
  return (next as { value: S }).value;
}

/** The initial state of a chart, from XState. */
export function chartInitial(chart: typeof actorChart | typeof jobChart): string {
  const [snapshot] = initialTransition(chart as never, undefined as never);
  return (snapshot as { value: string }).value;
}

function actorKey(state: ActorLifecycle, event: ActorChartEvent): string {
  return event.type === "worker.died" ? `${state}|${event.type}|${event.canRestart}` : `${state}|${event.type}`;
}

function compileActorTable(): Record<string, ActorLifecycle | null> {
  const table: Record<string, ActorLifecycle | null> = {};
  for (const state of ACTOR_STATES) {
    for (const event of ACTOR_CHART_EVENTS) table[actorKey(state, event)] = chartTransition(actorChart, state, event);
  }
  return table;
}

function compileJobTable(): Record<string, JobLifecycle | null> {
  const table: Record<string, JobLifecycle | null> = {};
  for (const state of JOB_STATES) {
    for (const event of JOB_CHART_EVENTS) table[`${state}|${event.type}`] = chartTransition(jobChart, state, event);
  }
  return table;
}

const ACTOR_TABLE = compileActorTable();
const JOB_TABLE = compileJobTable();

/** The initial state of every actor, from the chart. */
export const ACTOR_INITIAL = chartInitial(actorChart) as ActorLifecycle;
/** The initial state of every job, from the chart. */
export const JOB_INITIAL = chartInitial(jobChart) as JobLifecycle;

/** Where `event` takes an actor in `state` (compiled from the chart), or null if not allowed. */
export function nextActorState(state: ActorLifecycle, event: ActorChartEvent): ActorLifecycle | null {
  return ACTOR_TABLE[actorKey(state, event)] ?? null;
}

/** Where `event` takes a job in `state` (compiled from the chart), or null if not allowed. */
export function nextJobState(state: JobLifecycle, event: JobChartEvent): JobLifecycle | null {
  return JOB_TABLE[`${state}|${event.type}`] ?? null;
}
