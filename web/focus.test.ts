import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { scenarioTimeline } from "../sim/timeline.js";
import { actorOfStep, lifecyclePath } from "./focus.js";

describe("the actor the chart follows", () => {
  const t = scenarioTimeline(loadScenarioFile("scenarios/08-restarts/01-crash-restarts-counter-starts-over.json"));
  const steps = [...Array(t.length).keys()];

  it("is the one a step names, and goes through the chart's states within the step", () => {
    const create = steps.find((i) => (t.item(i) as { do: string }).do === "create") as number;
    const actor = actorOfStep(t.item(create), t.story(create).scene);
    expect(actor).toBe("a1");
    expect(lifecyclePath("a1", t.story(create).scene)).toEqual(["DEPENDENCIES_UNREADY", "PENDING_CREATION", "ALIVE"]);
    const crash = steps.find((i) => (t.item(i) as { do: string }).do === "crash") as number;
    expect(actorOfStep(t.item(crash), t.story(crash).scene)).toBe("a1");
    expect(lifecyclePath("a1", t.story(crash).scene)).toEqual(["ALIVE", "RESTARTING", "ALIVE"]);
  });

  it("is none for a step about no actor", () => {
    expect(actorOfStep(t.item(0), t.story(0).scene)).toBeNull();
    expect(lifecyclePath("a1", t.story(0).scene)).toEqual([]);
  });
});
