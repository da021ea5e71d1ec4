import { describe, expect, it } from "vitest";
import { explainScenario } from "./explain.js";
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

  it("says why with the rule's sentence and its entry in docs/semantics.md", () => {
    const { stories } = explainScenario(load([
      { by: "d1", do: "init" },
      { by: "d1", do: "get", name: "nobody", expect: { error: "NotFound" } },
    ]));
    expect(stories[1].why).toEqual(["No registered actor holds the name in that namespace. [docs/semantics.md#get.notFound]"]);
  });
});
