import { describe, expect, it } from "vitest";
import { parseScenario } from "./parse.js";
import { runScenario } from "./run.js";

const run = (steps: unknown[], profile = "ray") => runScenario(parseScenario("race.json", JSON.stringify({ title: "race", profile, steps })));
const initAll = (n: number) => Array.from({ length: n }, (_, i) => ({ by: `d${i + 1}`, do: "init", namespace: "n" }));
const getOrCreate = (by: string) => ({ by, do: "create", class: "Counter", name: "foo", getIfExists: true, as: "foo" });

describe("parallel blocks are checked over every interleaving", () => {
  it("racing get-or-create ends with one actor that every racer holds", () => {
    const r = run([...initAll(3), { parallel: [[getOrCreate("d1")], [getOrCreate("d2")], [getOrCreate("d3")]] },
      { by: "d2", do: "call", actor: "foo", method: "incr", expect: { value: 1 } }]);
    expect(r.failure).toBeUndefined();
    expect(r.worlds).toBe(3); // any of the three may win, and then owns it
    expect(r.explored).toBeGreaterThan(50);
  });

  it("four drivers with two steps each", () => {
    const lists = [1, 2, 3, 4].map((i) => [getOrCreate(`d${i}`), { by: `d${i}`, do: "get", name: "foo", expect: { actor: "foo" } }]);
    const r = run([...initAll(4), { parallel: lists }]);
    expect(r.failure).toBeUndefined();
    expect(r.explored).toBe(3016); // pinned: a change to the model's atomic steps must say why it moves
  });

  it("reports an expectation that fails in some interleaving, with the shortest such interleaving", () => {
    // Plain creates of one free name: one wins, so "both succeed" fails in every order.
    const create = (by: string) => ({ by, do: "create", class: "Counter", name: "x" });
    const r = run([...initAll(2), { parallel: [[create("d1")], [create("d2")]] }]);
    expect(r.passed).toBe(false);
    expect(r.failure?.expected).toBe("success");
    expect(r.failure?.observed).toMatch(/^error NameTaken/);
    expect(r.failure?.path.list).toBeDefined();
    // Shortest: d1 looks up and registers, then d2's pre-check already finds the name.
    expect(r.failure?.interleaving?.length).toBe(3);
  });

  it("a get racing a kill may see the actor or not, so neither outcome can be expected", () => {
    const base = [...initAll(2), { by: "d1", do: "create", class: "Counter", name: "k", lifetime: "detached", as: "k" }];
    const race = (expectGet: object | undefined) => [{ parallel: [[{ by: "d1", do: "kill", actor: "k" }], [{ by: "d2", do: "get", name: "k", ...(expectGet === undefined ? {} : { expect: expectGet }) }]] }];
    expect(run([...base, ...race({ error: "NotFound" })]).passed).toBe(false);
    expect(run([...base, ...race({ actor: "k" })]).passed).toBe(false);
    // A step without expect must succeed, and the get fails in some orders:
    expect(run([...base, ...race(undefined)]).failure?.interleaving).toEqual(["d1 kill k", "kill of k processed", "d2 get 'k'"]);
    // A list racing the kill always succeeds; after the block the name is gone in every outcome.
    const listing = [{ parallel: [[{ by: "d1", do: "kill", actor: "k" }], [{ by: "d2", do: "list" }]] }];
    expect(run([...base, ...listing, { by: "d2", do: "get", name: "k", expect: { error: "NotFound" } }]).failure).toBeUndefined();
  });

  it("the same as label in several lists must name one actor", () => {
    const r = run([...initAll(2), { parallel: [[{ by: "d1", do: "create", class: "Counter", as: "x" }], [{ by: "d2", do: "create", class: "Counter", as: "x" }]] }]);
    expect(r.passed).toBe(false);
    expect(r.failure?.observed).toMatch(/another list bound 'x'/);
  });

  it("two labels bound in one block never name the same actor", () => {
    const r = run([...initAll(2), { parallel: [[{ ...getOrCreate("d1"), as: "x" }], [{ ...getOrCreate("d2"), as: "y" }]] }]);
    expect(r.passed).toBe(false);
    expect(r.failure?.observed).toMatch(/already labelled/);
  });

  it("the killing caller's next step comes after its kill is processed", () => {
    const base = [...initAll(1), { by: "d1", do: "create", class: "Counter", name: "k", lifetime: "detached", as: "k" }];
    const r = run([...base, { parallel: [[{ by: "d1", do: "kill", actor: "k" }, { by: "d1", do: "get", name: "k", expect: { error: "NotFound" } }]] }]);
    expect(r.failure).toBeUndefined();
  });

  it("says INCOMPLETE, not FAIL, when a block has more states than the bound", () => {
    const lists = [1, 2, 3].map((i) => [getOrCreate(`d${i}`)]);
    const r = runScenario(parseScenario("big.json", JSON.stringify({ title: "big", profile: "ray", steps: [...initAll(3), { parallel: lists }] })), { maxStates: 20 });
    expect(r.passed).toBe(false);
    expect(r.failure).toBeUndefined();
    expect(r.incomplete).toMatch(/more than 20 states/);
  });
});

