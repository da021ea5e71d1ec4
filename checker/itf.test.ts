import { describe, expect, it } from "vitest";
import { canonicalJson, type ModelEvent } from "../model/index.js";
import { drainSync } from "../sim/pace.js";
import { simulate } from "../sim/simulate.js";
import { eventsToItf, itfStream, lassoToItf, readerView } from "./itf.js";

describe("ITF traces, streamed", () => {
  const sim = simulate({ seed: 12, steps: 1500, profile: "ray" });
  const events: ModelEvent[] = [];
  for (const r of sim.store.records) {
    if (r.type === "command") events.push(r.command);
    else if (r.type === "event") events.push(r.event);
  }

  it("writes one state per event as it goes, and the pieces make the trace", () => {
    const pieces: string[] = [];
    const states = drainSync(itfStream("ray", undefined, events, { source: "t" }, (t) => pieces.push(t)));
    expect(states).toBe(events.length + 1);
    expect(pieces.length).toBe(events.length + 3);
    expect(canonicalJson(JSON.parse(pieces.join("")))).toBe(canonicalJson(eventsToItf("ray", undefined, events, { source: "t" })));
  });

  it("states carry the live cluster, not every destroyed actor and finished job so far", () => {
    const trace = eventsToItf("ray", undefined, events, {});
    const last = trace.states.at(-1) as unknown as { destroyed: { "#map": unknown[] }; finished: { "#map": unknown[] } };
    const state = sim.store.state;
    expect(Object.keys(state.destroyed).length).toBeGreaterThan(50);
    expect(last.destroyed["#map"].length).toBe(Object.keys(readerView(state, events.at(-1) ?? null).destroyed).length);
    expect(last.destroyed["#map"].length).toBeLessThan(Object.keys(state.destroyed).length / 4);
    expect(last.finished["#map"].length).toBeLessThan(Object.keys(state.finished).length);
  });

  it("keeps a destroyed actor a caller still holds a handle to", () => {
    const state = sim.store.state;
    const view = readerView(state, null);
    for (const caller in state.handles) {
      for (const id in state.handles[caller]) if (state.destroyed[id] !== undefined) expect(view.destroyed[id]).toBeDefined();
    }
  });
});

describe("ITF lassos", () => {
  const stem = [{ type: "init", namespace: "ns1" }, { type: "create", caller: "j1", cls: "Counter", name: "a" }, { type: "continue", caller: "j1" }] as const;

  it("a stutter: the stem's states, and loop on the last, which the run never leaves", () => {
    const itf = lassoToItf({ profile: "ray" }, stem, [], "stuck");
    expect(itf.states.length).toBe(4);
    expect(itf.loop).toBe(3);
    expect(itf["#meta"].loopClosedBy).toBeUndefined();
    expect(JSON.stringify(itf)).toContain('"loop":3');
  });

  it("a loop: the loop's states but its last, whose event leads back to states[loop]", () => {
    // Two lists change nothing in the cluster: the loop comes back to the state the stem reached.
    const loop = [{ type: "list", caller: "j1" }, { type: "list", caller: "j1" }] as const;
    const itf = lassoToItf({ profile: "ray" }, stem, loop, "around");
    expect(itf.loop).toBe(3);
    expect(itf.states.length).toBe(5);
    expect(itf.states.map((s) => s["mbt::actionTaken"])).toEqual(["init", "init", "create", "continue", "list"]);
    expect(JSON.parse(itf["#meta"].loopClosedBy as string)).toEqual(loop[1]);
    const full = eventsToItf("ray", undefined, [...stem, ...loop], {});
    expect(full.states.at(-1)!.actors).toEqual(itf.states[itf.loop!]!.actors);
    expect(full.states.at(-1)!.names).toEqual(itf.states[itf.loop!]!.names);
  });
});
