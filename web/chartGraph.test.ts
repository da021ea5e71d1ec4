import { describe, expect, it } from "vitest";
import { ACTOR_CHART_EVENTS, ACTOR_INITIAL, ACTOR_STATES, actorChart, jobChart, nextActorState } from "../model/index.js";
import { chartGraph } from "./chartGraph.js";

describe("the chart's graph, read from the XState machine", () => {
  const graph = chartGraph(actorChart);

  it("has the machine's states in document order and its initial state", () => {
    expect(graph.states).toEqual([...ACTOR_STATES]);
    expect(graph.initial).toBe(ACTOR_INITIAL);
  });

  it("has an arrow for exactly the moves the reducer's table allows, labelled with the event and its guard", () => {
    const fromTable = new Set<string>();
    for (const state of ACTOR_STATES) {
      for (const event of ACTOR_CHART_EVENTS) {
        const next = nextActorState(state, event);
        if (next === null) continue;
        const label = event.type === "worker.died" ? `${event.type} [${event.canRestart ? "canRestart" : "else"}]` : event.type;
        fromTable.add(`${state}→${next}: ${label}`);
      }
    }
    const drawn = new Set(graph.edges.flatMap((e) => e.events.map((ev) => `${e.from}→${e.to}: ${ev}`)));
    expect(drawn).toEqual(fromTable);
    expect(drawn.size).toBe(14); // DEAD → DEAD on actor.destroyed included
  });

  it("reads any flat machine: the job chart", () => {
    expect(chartGraph(jobChart)).toEqual({ initial: "RUNNING", states: ["RUNNING", "FINISHED"], edges: [{ from: "RUNNING", to: "FINISHED", events: ["driver.exited"] }] });
  });
});
