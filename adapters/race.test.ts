import { describe, expect, it } from "vitest";
import { runSettled } from "../sim/settle.js";
import { Store } from "../sim/store.js";
import type { Command } from "../model/index.js";
import { fuzzRaces } from "./fuzz.js";
import { InProcessModelTarget } from "./model-server.js";
import { allowedOutcomes, checkRace, generateRace, type RaceProgram } from "./race.js";
import type { Reply, StepRequest } from "./protocol.js";
import type { Target } from "./target.js";

/**
 * The model over the protocol, except that in the `bad`-th run of a block
 * (counted by resets) the first step of the block (the third step after
 * reset) answers NameTaken: a race outcome the model forbids that only some
 * runs show.
 */
class SometimesWrong implements Target {
  readonly description = "sometimes-wrong";
  private readonly inner = new InProcessModelTarget();
  private resets = 0;
  private steps = 0;
  constructor(private readonly bad: number) {}
  hello() { return this.inner.hello(); }
  async reset(profile: string) { this.resets++; this.steps = 0; await this.inner.reset(profile); }
  async step(request: StepRequest): Promise<Reply> {
    const reply = await this.inner.step(request);
    if (++this.steps === 3 && this.resets === this.bad) return { id: 0, ok: false, error: { kind: "NameTaken", message: "taken" } } as Reply;
    return reply;
  }
  settle() { return this.inner.settle(); }
  close() { return this.inner.close(); }
}

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

  it("--repeat: runs the race again and again, counting each outcome; all allowed, it passes", async () => {
    const r = race([[getOrCreate("j1")], [getOrCreate("j2")]]);
    const check = await checkRace(r, new InProcessModelTarget(), "ray", { times: 6 });
    expect(check).toMatchObject({ passed: true, runs: 6, outcomes: [{ outcome: JSON.stringify([["handle new#0"], ["handle new#0"]]), count: 6, allowed: true }] });
  });

  it("--repeat: an outcome the model forbids that only one run in five shows fails the race, with its frequency", async () => {
    const r = race([[getOrCreate("j1")], [getOrCreate("j2")]]);
    const once = await checkRace(r, new SometimesWrong(4), "ray");
    expect(once.passed).toBe(true);
    const five = await checkRace(r, new SometimesWrong(4), "ray", { times: 5 });
    expect(five.passed).toBe(false);
    expect(five.runs).toBe(5);
    expect(five.observed).toBe(JSON.stringify([["error NameTaken"], ["handle new#0"]]));
    expect(five.outcomes).toEqual([
      { outcome: JSON.stringify([["handle new#0"], ["handle new#0"]]), count: 4, allowed: true },
      { outcome: JSON.stringify([["error NameTaken"], ["handle new#0"]]), count: 1, allowed: false },
    ]);
  });

  it("--repeat-time bounds the runs (a clock that jumps a second a call: one run)", async () => {
    let t = 0;
    const check = await checkRace(race([[getOrCreate("j1")], [getOrCreate("j2")]]), new InProcessModelTarget(), "ray", { times: 100, seconds: 1 }, () => (t += 1000));
    expect(check.runs).toBe(1);
  });

  it("some races are one caller racing the cluster: a single list of several steps, which may go on after a drop", () => {
    let alone = 0;
    let afterDrop = 0;
    for (let seed = 0; seed < 400; seed++) {
      const moves = Array.from({ length: 4 }, (_, i) => Array.from({ length: 10 }, (_, j) => (seed * 7919 + i * 31 + j * 17) % 1000));
      const block = Array.from({ length: 12 }, (_, j) => (seed * 104729 + j * 7) % 1000);
      const r = generateRace(moves, block, "ray");
      if (r.lists.length === 1) {
        alone++;
        expect(r.lists[0]!.commands.length).toBeGreaterThanOrEqual(1);
      }
      for (const l of r.lists) {
        const at = l.commands.findIndex((c) => c.type === "drop");
        if (at >= 0 && at < l.commands.length - 1) {
          afterDrop++;
          const dropped = (l.commands[at] as { actor: string }).actor;
          for (const c of l.commands.slice(at + 1)) expect("actor" in c ? c.actor : null).not.toBe(dropped);
        }
      }
      expect(allowedOutcomes(r)).not.toBeNull();
    }
    expect(alone).toBeGreaterThan(40);
    expect(afterDrop).toBeGreaterThan(0);
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
