import { describe, expect, it } from "vitest";
import { explainScenario } from "../sim/explain.js";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { scenarioTimeline } from "../sim/timeline.js";
import { differenceAt, differences, differenceSentence, type Side } from "./compare.js";
import { exposedMutant, timelineOf } from "./timelines.js";
import { readSource } from "../sim/source.js";
import { readFileSync } from "node:fs";

const ANONYMOUS = "scenarios/02-namespaces/04-anonymous-per-driver-ray.json";
const sides = (file: string): [Side, Side] => {
  const loaded = loadScenarioFile(file);
  return [{ name: "seed", timeline: scenarioTimeline(loaded, "seed") }, { name: "ray", timeline: scenarioTimeline(loaded, "ray") }];
};

describe("two sides shown side by side", () => {
  it("part at every step where what the frames show differs, up to the longer story's end", () => {
    const [seed, ray] = sides(ANONYMOUS);
    expect([seed.timeline.length, ray.timeline.length]).toEqual([6, 11]);
    const d = differences(seed, ray);
    // From d1's init on, the seed's shared 'default' namespace is not ray's anonymous one: every cluster shown differs.
    expect([...d.keys()]).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // d1 exits alike under both, but the clusters shown are not the same.
    expect(d.get(4)).toEqual({ step: 4, what: ["the cluster shown (drivers, actors, names)"], stopped: null });
    expect(d.get(6)?.what).toContain("the verdict");
    for (const k of [7, 8, 9, 10, 11]) expect(d.get(k)?.stopped, `step ${k}`).toEqual({ name: "seed", at: 6 });
  });

  it("says where a story stopped, and agrees only where the frames show the same", () => {
    const [seed, ray] = sides(ANONYMOUS);
    expect(differenceSentence("the seed and ray profiles", seed, ray, 9, differenceAt(seed, ray, 9))).toBe(
      "At step 9 the seed and ray profiles part: the seed story stopped at step 6, which does not do what the file expects, " +
      "so its panels show the cluster after step 6; the ray story tells step 9. The clusters shown differ (drivers, actors, names, handles, labels).");
    const [s1, r1] = sides("scenarios/01-names/01-unique-in-namespace.json");
    expect(differences(s1, r1).size).toBe(0);
    expect(differenceSentence("the seed and ray profiles", s1, r1, 2, null)).toBe("At step 2 the seed and ray profiles agree: the same story, and the same cluster shown.");
  });
});

describe("a checker counterexample", () => {
  const file = "web/e2e/fixtures/check-double-release-name-uniqueness.json";
  const source = readSource(file, readFileSync(file, "utf8"));

  it("names the seeded bug it exposes, and plays on it to the step where it fails", () => {
    expect(exposedMutant(source)).toBe("double-release");
    if (source.kind !== "scenario") throw new Error("not a scenario");
    const model = timelineOf(source, "ray");
    const bug = timelineOf(source, "ray", "double-release");
    expect(model.length).toBe(model.total);
    expect(model.story(model.length - 1).ok).toBe(true);
    expect(bug.story(bug.length - 1).ok).toBe(false);
    expect(bug.story(bug.length - 1)).toEqual(explainScenario(source.loaded, "ray", "double-release").stories.at(-1));
    expect(bug.initial.mutant).toBe("double-release");
  });

  it("is not claimed for a corpus scenario", () => {
    const other = readSource(ANONYMOUS, readFileSync(ANONYMOUS, "utf8"));
    expect(exposedMutant(other)).toBeNull();
  });
});
