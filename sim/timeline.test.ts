import { describe, expect, it } from "vitest";
import { canonicalJson, fingerprint } from "../model/index.js";
import { explainScenario } from "./explain.js";
import { formatLog } from "./log.js";
import { simulate } from "./simulate.js";
import { loadScenarioFile } from "./scenario/load.js";
import { readSource } from "./source.js";
import { replayState } from "./store.js";
import { LOG_VERDICT, logTimeline, partings, scenarioTimeline } from "./timeline.js";

const NO_NAMESPACE = "scenarios/00-seed/07-no-namespace-ray.json";

describe("a scenario's timeline", () => {
  it("tells the steps as explain does, with the states before and after each", () => {
    const loaded = loadScenarioFile(NO_NAMESPACE);
    const t = scenarioTimeline(loaded);
    const { stories } = explainScenario(loaded);
    expect(t.profile).toBe("ray");
    expect([t.length, t.total]).toEqual([7, 7]);
    for (let i = 0; i < t.length; i++) {
      expect(t.story(i).asked).toBe(stories[i].asked);
      if (i > 0) expect(canonicalJson(t.story(i).scene.before)).toBe(canonicalJson(t.story(i - 1).scene.after));
    }
    expect(Object.keys(t.story(0).scene.before.jobs)).toEqual([]);
    expect(Object.keys(t.story(6).scene.after.names).length).toBe(2);
  });

  it("stops at the first step that does not do what the file expects, under another profile", () => {
    const t = scenarioTimeline(loadScenarioFile(NO_NAMESPACE), "seed");
    expect([t.length, t.total]).toEqual([4, 7]);
    expect(t.story(3).ok).toBe(false);
    expect(t.story(3).saw).toBe("a handle to 'a'");
  });

  it("marks where the seed and Ray part, and what differs", () => {
    const loaded = loadScenarioFile(NO_NAMESPACE);
    const parts = partings(scenarioTimeline(loaded, "seed"), scenarioTimeline(loaded, "ray"));
    // init (namespace default vs anonymous), create (registered in it), init again, and the get that finds 'a' only under the seed.
    expect(parts.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(parts[3].what).toEqual(["the caller sees", "the verdict"]);
    const same = loadScenarioFile("scenarios/01-names/01-unique-in-namespace.json");
    expect(partings(scenarioTimeline(same, "seed"), scenarioTimeline(same, "ray"))).toEqual([]);
  });
});

describe("a log's timeline", () => {
  const sim = simulate({ seed: 11, steps: 300, profile: "ray" });
  const source = readSource("sim.jsonl", formatLog(sim.log));
  if (source.kind !== "log") throw new Error("not read as a log");
  const t = logTimeline("sim", source.profile, source.records);
  const events = sim.log.filter((r) => r.type === "command" || r.type === "event");

  it("has one step per command the program ran, and ends in the simulation's final state", () => {
    expect(t.length).toBe(300);
    expect(fingerprint(t.story(299).scene.after)).toBe(sim.fingerprint());
  });

  it("travels to any step: its state is the log's replayed up to there", () => {
    for (const i of [0, 57, 150, 299, 150]) {
      const s = t.story(i);
      const upTo = countEventsThrough(i);
      expect(canonicalJson(s.scene.after)).toBe(canonicalJson(replayState("ray", sim.log, upTo)));
      expect(s.verdict).toBe(LOG_VERDICT);
    }
  });

  it("tells each step in the scenario format's words, drivers labelled in order", () => {
    expect(t.story(0).asked).toMatch(/^d1 calls ray\.init\(/);
    expect(t.item(0)).toMatchObject({ by: "d1", do: "init" });
    const crash = [...Array(t.length).keys()].find((i) => (t.item(i) as { do: string }).do === "crash");
    expect(crash).toBeDefined();
    expect(t.story(crash as number).asked).toMatch(/^a\d+'s process crashes/);
  });

  /** Events (commands, continues, internal events) of the first i+1 steps. */
  function countEventsThrough(i: number): number {
    let steps = -1;
    let n = 0;
    for (const r of events) {
      const e = r.type === "command" ? r.command : r.type === "event" ? r.event : null;
      if (e === null) continue;
      if ((r.type === "command" && e.type !== "continue") || e.type === "actor.crashed") steps++;
      if (steps > i) break;
      n++;
    }
    return n;
  }
});
