import { describe, expect, it } from "vitest";
import {
  ACTOR_CHART_EVENTS, ACTOR_INITIAL, ACTOR_STATES, JOB_CHART_EVENTS, JOB_INITIAL, JOB_STATES,
  actorChart, chartTransition, jobChart, nextActorState, nextJobState, type ActorChartEvent, type ActorLifecycle,
} from "./lifecycle.js";

describe("the compiled lifecycle tables agree with XState", () => {
  it.each(ACTOR_STATES.flatMap((s) => ACTOR_CHART_EVENTS.map((e) => [s, e] as const)))("actor %s on %o", (state, event) => {
    expect(nextActorState(state, event)).toBe(chartTransition(actorChart, state, event));
  });

  it.each(JOB_STATES.flatMap((s) => JOB_CHART_EVENTS.map((e) => [s, e] as const)))("job %s on %o", (state, event) => {
    expect(nextJobState(state, event)).toBe(chartTransition(jobChart, state, event));
  });

  it("starts actors in DEPENDENCIES_UNREADY and jobs in RUNNING", () => {
    expect(ACTOR_INITIAL).toBe("DEPENDENCIES_UNREADY");
    expect(JOB_INITIAL).toBe("RUNNING");
  });
});

/**
 * Ray's diagram (gcs_actor_manager.h, docs/semantics.md#states), written out by
 * hand: every (state, event) and where it leads, null where it is refused. The
 * chart must say exactly this.
 */
const EXPECTED: Record<ActorLifecycle, [string, ActorLifecycle | null][]> = {
  DEPENDENCIES_UNREADY: [["dependencies.resolved", "PENDING_CREATION"], ["creation.succeeded", null], ["worker.died|true", null], ["worker.died|false", null], ["actor.destroyed", "DEAD"]],
  PENDING_CREATION: [["dependencies.resolved", null], ["creation.succeeded", "ALIVE"], ["worker.died|true", "RESTARTING"], ["worker.died|false", "DEAD"], ["actor.destroyed", "DEAD"]],
  ALIVE: [["dependencies.resolved", null], ["creation.succeeded", null], ["worker.died|true", "RESTARTING"], ["worker.died|false", "DEAD"], ["actor.destroyed", "DEAD"]],
  RESTARTING: [["dependencies.resolved", null], ["creation.succeeded", "ALIVE"], ["worker.died|true", "RESTARTING"], ["worker.died|false", "DEAD"], ["actor.destroyed", "DEAD"]],
  DEAD: [["dependencies.resolved", null], ["creation.succeeded", null], ["worker.died|true", null], ["worker.died|false", null], ["actor.destroyed", "DEAD"]],
};

function parse(key: string): ActorChartEvent {
  const [type, guard] = key.split("|");
  return type === "worker.died" ? { type, canRestart: guard === "true" } : ({ type } as ActorChartEvent);
}

describe("the actor chart says what Ray's diagram says", () => {
  it.each(ACTOR_STATES.flatMap((s) => EXPECTED[s].map(([e, to]) => [s, e, to] as const)))("%s on %s → %s", (state, event, to) => {
    expect(chartTransition(actorChart, state, parse(event))).toBe(to);
    expect(nextActorState(state, parse(event))).toBe(to);
  });

  it("a job finishes once, when its driver exits", () => {
    expect(chartTransition(jobChart, "RUNNING", { type: "driver.exited" })).toBe("FINISHED");
    expect(chartTransition(jobChart, "FINISHED", { type: "driver.exited" })).toBeNull();
  });
});
