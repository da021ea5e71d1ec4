import { describe, expect, it } from "vitest";
import { formatLog } from "../sim/log.js";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { simulate } from "../sim/simulate.js";
import { readSource } from "../sim/source.js";
import { logTimeline, scenarioTimeline, type Timeline } from "../sim/timeline.js";
import { REGISTRY, sequenceOf, type Row } from "./lanes.js";

const all = (t: Timeline) => sequenceOf(Array.from({ length: t.length }, (_, i) => ({ index: i, scene: t.story(i).scene })));

describe("the swimlanes' sequence", () => {
  it("draws a kill: the request, its answer, the registry's kill, the death and the name freed", () => {
    const t = scenarioTimeline(loadScenarioFile("scenarios/00-seed/06-kill-frees-name.json"));
    const seq = all(t);
    expect(seq.lanes[0]).toEqual({ id: REGISTRY, title: "GCS registry" });
    const kill = t.length - 1 - [...Array(t.length).keys()].reverse().findIndex((i) => (t.item(i) as { do: string }).do === "kill");
    const rows = seq.rows.filter((r): r is Exclude<Row, { kind: "step" }> => r.step === kill && r.kind !== "step").map((r) => (r.kind === "arrow" ? `${r.from}→${r.to} ${r.text}` : `[${r.lane}] ${r.text}`));
    expect(rows).toEqual([
      "j1→registry ray.kill(old)",
      "registry→j1 ok",
      "registry→a1 kill processed",
      "[a1] DEAD (RAY_KILL)",
      "[a1] destroyed",
      "[registry] 'CounterActor' freed (default)",
    ]);
  });

  it("draws nodes: a node joining, a drain and its answer, a node's death, and the node each constructor runs on", () => {
    const t = scenarioTimeline(loadScenarioFile("scenarios/14-nodes/11-preemption-restarts-are-free.json"));
    const texts = all(t).rows.filter((r): r is Exclude<Row, { kind: "step" }> => r.kind !== "step").map((r) => (r.kind === "arrow" ? `${r.from}→${r.to} ${r.text}` : `[${r.lane}] ${r.text}`));
    expect(texts).toContain("[registry] node w1 joins");
    expect(texts).toContain("[registry] drain w1 (preemption)");
    expect(texts).toContain("[registry] drain accepted");
    expect(texts).toContain("[registry] node w1 dies");
    expect(texts.some((x) => / constructor runs on w1$/.test(x))).toBe(true);
    expect(texts.some((x) => / constructor runs again on w2$/.test(x))).toBe(true);
  });

  it("gives every arrow and mark a lane, one row for each step's start, for a whole simulated log", () => {
    const sim = simulate({ seed: 5, steps: 200, profile: "ray" });
    const source = readSource("s.jsonl", formatLog(sim.log));
    if (source.kind !== "log") throw new Error("not a log");
    const t = logTimeline("s", source.profile, source.records);
    const seq = all(t);
    const lanes = new Set(seq.lanes.map((l) => l.id));
    expect(lanes.size).toBe(seq.lanes.length);
    for (const r of seq.rows) {
      if (r.kind === "arrow") expect(lanes.has(r.from) && lanes.has(r.to), JSON.stringify(r)).toBe(true);
      if (r.kind === "mark") expect(lanes.has(r.lane), JSON.stringify(r)).toBe(true);
    }
    expect(seq.rows.filter((r) => r.kind === "step").map((r) => r.step)).toEqual([...Array(200).keys()]);
    const crashes = sim.log.filter((r) => r.type === "event" && r.event.type === "actor.crashed").length;
    expect(seq.rows.filter((r) => r.kind === "mark" && r.style === "crash")).toHaveLength(crashes);
    const answers = sim.log.filter((r) => r.type === "observation" && r.observation.caller !== "").length;
    expect(seq.rows.filter((r) => r.kind === "arrow" && r.style === "reply")).toHaveLength(answers);
  });
});
