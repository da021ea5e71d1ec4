import { describe, expect, it } from "vitest";
import { explainScenario, storyLines } from "./explain.js";
import { loadScenarioFile } from "./scenario/load.js";
import { parseScenario } from "./scenario/parse.js";
import { runScenario } from "./scenario/run.js";

const load = (steps: unknown[]) => parseScenario("e.json", JSON.stringify({ title: "t", profile: "ray", steps }));

describe("explain", () => {
  it("agrees with run after a block with several outcomes, telling the history that fails", () => {
    const create = (by: string, greeting: string) => ({ by, do: "create", class: "Greeter", args: [greeting], name: "g", getIfExists: true, as: "g" });
    const loaded = load([
      { by: "d1", do: "init", namespace: "n" }, { by: "d2", do: "init", namespace: "n" },
      { parallel: [[create("d1", "one")], [create("d2", "two")]] },
      { by: "d1", do: "call", actor: "g", method: "say_hello", expect: { value: "one" } },
    ]);
    expect(runScenario(loaded).passed).toBe(false);
    const { stories } = explainScenario(loaded);
    const last = stories.at(-1);
    expect(last?.ok).toBe(false);
    expect(last?.saw).toBe('value "two"');
    expect(last?.verdict).toContain("in one of the 2 possible histories");
  });

  it("tells a restart", () => {
    const { stories } = explainScenario(load([
      { by: "d1", do: "init" },
      { by: "d1", do: "create", class: "Counter", name: "p", maxRestarts: 1, as: "p" },
      { do: "crash", actor: "p" },
    ]));
    expect(stories[2].cluster.join("\n")).toContain("died and restarted (restart 1 of 1)");
  });

  it("tells every outcome a race can end in, the one shown first, and what the file expects of each list", () => {
    const { stories } = explainScenario(loadScenarioFile("scenarios/12-races/01-get-or-create-two-drivers.json"));
    const race = stories[2].race;
    expect(race?.expects).toEqual(["d2's create: a handle to a new actor for 'foo'", "d3's create: a handle to a new actor for 'foo'"]);
    expect(race?.outcomes).toHaveLength(2);
    // Either driver's get_if_exists may be the one that creates the actor: it is owned by the winner.
    expect(race?.outcomes.map((o) => o.cluster[0])).toEqual([
      "'foo' (Counter 'foo') was registered, owned by d2, in namespace 'n'",
      "'foo' (Counter 'foo') was registered, owned by d3, in namespace 'n'",
    ]);
    expect(race?.outcomes.map((o) => o.saw)).toEqual([["d2 sees a handle to 'foo'", "d3 sees a handle to 'foo'"], ["d3 sees a handle to 'foo'", "d2 sees a handle to 'foo'"]]);
    const lines = storyLines(stories[2]);
    expect(lines.filter((l) => l.startsWith("  Outcome "))).toHaveLength(2);
    expect(lines.find((l) => l.startsWith("  Outcome 1 of 2 (shown): "))).toContain("owned by d2");
    expect(lines[0]).toBe("Step 3. In parallel: d2 runs foo = Counter.options(name=\"foo\", get_if_exists=True).remote(); while d3 runs foo = Counter.options(name=\"foo\", get_if_exists=True).remote().");
    const single = explainScenario(loadScenarioFile("scenarios/12-races/06-plain-creates-name-taken.json")).stories[5];
    expect(single.race?.outcomes).toHaveLength(1);
    expect(single.race?.outcomes[0].saw.map((x) => x.replace(/ \(".*$/, ""))).toEqual(["d1 sees error NameTaken", "d2 sees error NameTaken", "d3 sees a handle to 'x'"]);
    expect(storyLines(single).filter((l) => l.startsWith("  The one outcome the model allows: "))).toHaveLength(1);
  });

  it("tells every end a failing race can reach, and which of them the file does not expect", () => {
    const { stories } = explainScenario(load([
      { by: "d1", do: "init", namespace: "n" }, { by: "d2", do: "init", namespace: "n" },
      { parallel: [
        [{ by: "d1", do: "create", class: "Counter", name: "x", as: "x1" }],
        [{ by: "d2", do: "create", class: "Counter", name: "x", expect: { error: "NameTaken" } }],
      ] },
    ]));
    const last = stories[2];
    expect(last.ok).toBe(false);
    expect(last.race?.failed).toBe(true);
    // d1 or d2 gets the name; the loser is refused at its lookup or at its registration: four ends.
    expect(last.race?.outcomes).toHaveLength(4);
    const winners = last.race?.outcomes.map((o) => o.cluster.find((c) => c.includes("was registered, owned by"))?.match(/owned by (d\d)/)?.[1]);
    expect(winners?.sort()).toEqual(["d1", "d1", "d2", "d2"]);
    for (const o of last.race?.outcomes ?? []) {
      const d1Wins = o.cluster.some((c) => c.includes("owned by d1"));
      expect(o.unexpected?.length, o.saw.join("; ")).toBe(d1Wins ? 0 : 2);
    }
    const lines = storyLines(last);
    expect(lines.filter((l) => l.endsWith("— as the file expects."))).toHaveLength(2);
    expect(lines.filter((l) => l.includes("— not as the file expects (d2's create: expected error NameTaken, got a handle to an unlabelled actor (a1); d1's create: expected success, got error NameTaken"))).toHaveLength(2);
    expect(lines.some((l) => l.includes("(shown)"))).toBe(false);
  });

  it("tells a scenario on the model with a seeded bug, where the bug parts from the file", () => {
    const loaded = load([
      { by: "d1", do: "init", namespace: "n" },
      { by: "d1", do: "create", class: "Counter", name: "c", as: "c" },
      { by: "d1", do: "kill", actor: "c" },
      { by: "d1", do: "create", class: "Counter", name: "c", as: "c2" },
    ]);
    expect(explainScenario(loaded).stories.every((s) => s.ok)).toBe(true);
    const { stories } = explainScenario(loaded, undefined, "kill-keeps-name");
    expect(stories).toHaveLength(4);
    expect(stories[3].ok).toBe(false);
    expect(stories[3].saw).toMatch(/^error NameTaken/);
    expect(stories[3].scene.after.mutant).toBe("kill-keeps-name");
  });

  it("says why with the rule's sentence and its entry in docs/semantics.md", () => {
    const { stories } = explainScenario(load([
      { by: "d1", do: "init" },
      { by: "d1", do: "get", name: "nobody", expect: { error: "NotFound" } },
    ]));
    expect(stories[1].why).toEqual(["No registered actor holds the name in that namespace. [docs/semantics.md#get.notFound]"]);
  });
});
