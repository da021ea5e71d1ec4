import { describe, expect, it } from "vitest";
import {
  ACTOR_CHART_EVENTS, ACTOR_INITIAL, ACTOR_STATES, JOB_CHART_EVENTS, JOB_INITIAL, JOB_STATES,
  actorChart, chartTransition, jobChart, nextActorState, nextJobState,
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

describe("the actor chart says what Ray's diagram says", () => {
  it("restarts only when the guard allows, and DEAD is final but for destruction", () => {
    expect(nextActorState("ALIVE", { type: "worker.died", canRestart: true })).toBe("RESTARTING");
    expect(nextActorState("ALIVE", { type: "worker.died", canRestart: false })).toBe("DEAD");
    expect(nextActorState("RESTARTING", { type: "creation.succeeded" })).toBe("ALIVE");
    expect(nextActorState("DEAD", { type: "creation.succeeded" })).toBeNull();
    expect(nextActorState("DEAD", { type: "worker.died", canRestart: true })).toBeNull();
    expect(nextActorState("DEPENDENCIES_UNREADY", { type: "creation.succeeded" })).toBeNull();
    for (const s of ACTOR_STATES) expect(nextActorState(s, { type: "actor.destroyed" })).toBe("DEAD");
  });
});
