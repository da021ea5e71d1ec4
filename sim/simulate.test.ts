import { describe, expect, it } from "vitest";
import { canonicalJson, fingerprint } from "../model/index.js";
import { formatLog } from "./log.js";
import { replayLog } from "./replay.js";
import { simulate } from "./simulate.js";
import { replayState } from "./store.js";

describe("simulate", () => {
  it("gives the same log, byte for byte, for the same seed", () => {
    const a = formatLog(simulate({ seed: 7, steps: 800, profile: "ray" }).log);
    const b = formatLog(simulate({ seed: 7, steps: 800, profile: "ray" }).log);
    expect(a).toBe(b);
    expect(formatLog(simulate({ seed: 8, steps: 800, profile: "ray" }).log)).not.toBe(a);
  });

  it("writes a header with profile, seed and version, then commands, events and observations", () => {
    const log = simulate({ seed: 3, steps: 200, profile: "seed" }).log;
    expect(log[0]).toMatchObject({ type: "header", profile: "seed", seed: 3, format: 1 });
    const types = new Set(log.slice(1).map((r) => r.type));
    expect([...types].sort()).toEqual(["command", "event", "observation"]);
  });

  it.each(["ray", "seed"] as const)("uses every operation of the format, faults included (%s)", (profile) => {
    const log = simulate({ seed: 5, steps: 3000, profile }).log;
    const seen = new Set(log.flatMap((r) => (r.type === "command" ? [r.command.type] : r.type === "event" ? [r.event.type] : [])));
    for (const op of ["init", "create", "continue", "get", "call", "kill", "drop", "exit", "list", "state", "actor.crashed", "kill.processed", "owner.death.processed", "actor.restarted"]) {
      expect(seen, op).toContain(op);
    }
    // Code inside actors issues commands too.
    expect(log.some((r) => r.type === "command" && "caller" in r.command && r.command.caller.startsWith("a"))).toBe(true);
  });
});

describe("replay", () => {
  const sim = simulate({ seed: 7, steps: 1500, profile: "ray" });
  const text = formatLog(sim.log);

  it("rebuilds the final state and agrees with every observation", () => {
    const outcome = replayLog(text);
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.fingerprint).toBe(sim.fingerprint());
  });

  it("names the first record whose observation was changed", () => {
    const lines = text.split("\n");
    const target = lines.findIndex((l, i) => i > 100 && l.includes('"kind":"value"'));
    lines[target] = lines[target].replace(/"value":(-?\d+)/, (_m, v) => `"value":${Number(v) + 1}`);
    const outcome = replayLog(lines.join("\n"));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.line).toBe(target + 1);
  });

  it("refuses a log whose internal events the model could not have taken", () => {
    const lines = text.split("\n");
    const target = lines.findIndex((l) => l.includes('"owner.death.processed"') || l.includes('"kill.processed"'));
    const removed = [...lines.slice(0, target), ...lines.slice(target + 1)];
    const outcome = replayLog(removed.join("\n"));
    expect(outcome.ok).toBe(false);
    const doubled = [...lines.slice(0, target + 1), lines[target], ...lines.slice(target + 1)];
    const again = replayLog(doubled.join("\n"));
    expect(again.ok).toBe(false);
    if (!again.ok) {
      expect(again.line).toBe(target + 2);
      expect(again.replayed).toMatch(/not possible here/);
    }
  });

  it("rebuilds the state at any index through the immer reducer (time travel)", () => {
    const store = sim.store;
    for (const index of [0, 1, 17, 600, 2047, 2048, 2049, store.length]) {
      expect(canonicalJson(store.stateAt(index))).toBe(canonicalJson(replayState("ray", store.records, index)));
    }
    expect(fingerprint(store.stateAt(store.length))).toBe(sim.fingerprint());
  });
});

describe("simulate, streamed", () => {
  it("hands the sink the same log, record for record, and keeps nothing", async () => {
    const { drainSync } = await import("./pace.js");
    const { simulateStream } = await import("./simulate.js");
    const streamed: unknown[] = [];
    const end = drainSync(simulateStream({ seed: 4, steps: 1200, profile: "ray" }, (r) => streamed.push(r)));
    const kept = simulate({ seed: 4, steps: 1200, profile: "ray" });
    expect(formatLog(streamed as never)).toBe(formatLog(kept.log));
    expect(fingerprint(end.state)).toBe(kept.fingerprint());
    expect(end.events).toBe(kept.store.length);
  });

  it("refuses more steps than MAX_STEPS", async () => {
    const { MAX_STEPS } = await import("./simulate.js");
    expect(() => simulate({ seed: 1, steps: MAX_STEPS + 1, profile: "ray" })).toThrow(RangeError);
  });

  it("with a small cache of destroyed actors, evicts them and still replays", () => {
    const sim = simulate({ seed: 6, steps: 1500, profile: "ray", destroyedActorCache: 5 });
    expect(sim.log.some((r) => (r.type === "command" || r.type === "event") && r.rules.includes("gcs.destroyedEvicted"))).toBe(true);
    const cached = Object.values(sim.store.state.destroyed).filter((a) => a.evicted !== true);
    expect(cached.length).toBeLessThanOrEqual(5);
  });
});
