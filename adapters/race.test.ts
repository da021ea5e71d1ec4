import { describe, expect, it } from "vitest";
import { runSettled } from "../sim/settle.js";
import { Store } from "../sim/store.js";
import type { Command } from "../model/index.js";
import { fuzzRaces } from "./fuzz.js";
import { InProcessModelTarget } from "./model-server.js";
import { allowedOutcomes, checkRace, type RaceProgram } from "./race.js";

/** Two drivers in namespace n, then the given lists. */
function race(lists: Command[][]): RaceProgram {
  const store = new Store("ray");
  runSettled(store, { type: "init", namespace: "n" });
  runSettled(store, { type: "init", namespace: "n" });
  const labelOf = new Map([["j1", "d1"], ["j2", "d2"]]);
  const scenario = { title: "race", profile: "ray", steps: [{ by: "d1", do: "init" as const, namespace: "n" }, { by: "d2", do: "init" as const, namespace: "n" }] };
  const toStep = (c: Command) => ({ by: labelOf.get((c as { caller: string }).caller), do: "create" as const, class: "Counter", name: "foo", getIfExists: true });
  return { prefix: { scenario, store, labelOf }, lists: lists.map((commands) => ({ commands, steps: commands.map(toStep) })) };
}

const getOrCreate = (caller: string): Command => ({ type: "create", caller, cls: "Counter", name: "foo", getIfExists: true });

describe("race mode", () => {
  it("allows exactly the outcomes of some interleaving: racing get-or-create gives both racers one new actor", () => {
    const allowed = allowedOutcomes(race([[getOrCreate("j1")], [getOrCreate("j2")]]));
    expect([...(allowed ?? [])]).toEqual([JSON.stringify([["handle new#0"], ["handle new#0"]])]);
  });

  it("accepts the model's own outcome of a race", async () => {
    const r = race([[getOrCreate("j1")], [getOrCreate("j2")]]);
    const check = await checkRace(r, new InProcessModelTarget(), "ray");
    expect(check.passed).toBe(true);
  });

  it("a race whose oracle blows its bound is undecided, never a pass nor a difference", async () => {
    const r = race([[getOrCreate("j1")], [getOrCreate("j2")]]);
    expect(allowedOutcomes(r, 3)).toBeNull();
    expect(allowedOutcomes(r, 1_000)).not.toBeNull();
  });

  it("finds no difference between the model and itself over many races", async () => {
    const report = await fuzzRaces({ runs: 150, seed: 9, profile: "ray", maxMoves: 20, target: () => new InProcessModelTarget() });
    expect(report.difference).toBeUndefined();
    expect(report.programs).toBe(150);
    expect(report.undecided).toBe(0);
  });
});
