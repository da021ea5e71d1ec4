import { describe, expect, it } from "vitest";
import { InvalidScenario } from "./error.js";
import { parseScenario } from "./parse.js";

/** The problems parseScenario reports for a file, as messages. */
function problems(text: string): string[] {
  try {
    parseScenario("bad.json", text);
  } catch (e) {
    if (e instanceof InvalidScenario) return e.problems.map((p) => p.message);
    throw e;
  }
  return [];
}

const scenario = (steps: unknown[], extra: object = {}): string => JSON.stringify({ title: "t", steps, ...extra });
const init = (by: string, more: object = {}) => ({ by, do: "init", ...more });

describe("invalid scenarios are rejected with file, step and field", () => {
  it("bad JSON", () => {
    expect(problems("{ not json")).toEqual([expect.stringMatching(/^bad\.json: not valid JSON/)]);
  });

  it("missing title and steps, unknown top-level field", () => {
    const p = problems(JSON.stringify({ stepz: [] }));
    expect(p).toContain("bad.json: title: missing required field");
    expect(p).toContain("bad.json: steps: missing required field");
    expect(p).toContain("bad.json: stepz: unknown field");
  });

  it("unknown do", () => {
    expect(problems(scenario([init("d1"), { by: "d1", do: "teleport" }]))).toEqual([
      expect.stringMatching(/^bad\.json: steps\[1\]\.do: unknown operation "teleport"/),
    ]);
  });

  it("unknown field", () => {
    expect(problems(scenario([init("d1"), { by: "d1", do: "create", class: "Counter", nmae: "x" }]))).toEqual(["bad.json: steps[1].nmae: unknown field"]);
  });

  it("a wrong type", () => {
    expect(problems(scenario([init("d1"), { by: "d1", do: "create", class: "Counter", maxRestarts: "3" }]))).toEqual(["bad.json: steps[1].maxRestarts: must be integer"]);
    expect(problems(scenario([init("d1", { namespace: 5 })]))).toEqual(['bad.json: steps[0].namespace: must be a string or { "of": <driver label> }']);
    expect(problems(scenario([init("d1"), { by: "d1", do: "create", class: "Robot" }]))[0]).toMatch(/^bad\.json: steps\[1\]\.class: must be one of "Counter", "Greeter"/);
  });

  it("a label used before it is bound", () => {
    expect(problems(scenario([init("d1"), { by: "d1", do: "call", actor: "c", method: "incr" }]))).toEqual([
      expect.stringMatching(/^bad\.json: steps\[1\]\.actor: 'c' is not a bound actor label/),
    ]);
    expect(problems(scenario([{ by: "d9", do: "list" }]))).toEqual([expect.stringMatching(/^bad\.json: steps\[0\]\.by: unknown caller 'd9'/)]);
  });

  it("a handle the caller does not hold, and one dropped", () => {
    const steps = [init("d1"), init("d2"), { by: "d1", do: "create", class: "Counter", as: "c" }];
    expect(problems(scenario([...steps, { by: "d2", do: "call", actor: "c", method: "incr" }]))[0]).toMatch(/steps\[3\]\.actor: 'd2' holds no handle to 'c'/);
    expect(problems(scenario([...steps, { by: "d1", do: "drop", actor: "c" }, { by: "d1", do: "state", actor: "c" }]))[0]).toMatch(/steps\[4\]\.actor: 'd1' holds no handle/);
  });

  it("init of a label that exists", () => {
    expect(problems(scenario([init("d1"), init("d1")]))).toEqual([expect.stringMatching(/^bad\.json: steps\[1\]\.by: init of 'd1', a label that already names a driver/)]);
  });

  it("a step by a driver that has exited", () => {
    expect(problems(scenario([init("d1"), { by: "d1", do: "exit" }, { by: "d1", do: "list" }]))).toEqual(["bad.json: steps[2].by: 'd1' is a driver that has exited"]);
  });

  it("as that rebinds a label, and an expectation that does not fit the operation", () => {
    const steps = [init("d1"), { by: "d1", do: "create", class: "Counter", as: "c" }];
    expect(problems(scenario([...steps, { by: "d1", do: "create", class: "Counter", as: "c" }]))[0]).toMatch(/steps\[2\]\.as: 'c' is already a label/);
    expect(problems(scenario([...steps, { by: "d1", do: "list", expect: { value: 1 } }]))[0]).toMatch(/steps\[2\]\.expect\.value: a list step cannot expect value/);
  });

  it("errors inside parallel blocks name the list and position", () => {
    const p = problems(scenario([init("d1"), { parallel: [[{ by: "d1", do: "get", name: "x", bogus: 1 }]] }]));
    expect(p).toEqual(["bad.json: steps[1].parallel[0][0].bogus: unknown field"]);
  });

  it("an unknown profile", () => {
    expect(problems(scenario([init("d1")], { profile: "ray-9" }))).toEqual([expect.stringMatching(/^bad\.json: profile: unknown profile 'ray-9'/)]);
  });

  it("accepts a lifetime the model must reject at run time (an unknown lifetime is InvalidArgument)", () => {
    expect(problems(scenario([init("d1"), { by: "d1", do: "create", class: "Counter", lifetime: "forever", expect: { error: "InvalidArgument" } }]))).toEqual([]);
  });

  it("after a parallel block each caller keeps what it held before and what it bound in its own list", () => {
    const steps = [init("d1"), init("d2"), { by: "d1", do: "create", class: "Counter", as: "z" },
      { parallel: [[{ by: "d1", do: "create", class: "Counter", as: "x" }], [{ by: "d2", do: "create", class: "Counter", as: "y" }]] },
      { by: "d1", do: "call", actor: "x", method: "incr" }, { by: "d1", do: "call", actor: "z", method: "incr" },
      { by: "d2", do: "call", actor: "y", method: "incr" }];
    expect(problems(scenario(steps))).toEqual([]);
    expect(problems(scenario([...steps, { by: "d2", do: "call", actor: "x", method: "incr" }]))[0]).toMatch(/steps\[7\]\.actor: 'd2' holds no handle to 'x'/);
  });

  it("list expectations must have the shape list returns", () => {
    expect(problems(scenario([init("d1"), { by: "d1", do: "list", allNamespaces: true, expect: { names: ["x"] } }]))[0]).toMatch(/steps\[1\]\.expect\.names\.0: with allNamespaces/);
    expect(problems(scenario([init("d1"), { by: "d1", do: "list", expect: { names: [{ name: "x", namespace: "n" }] } }]))[0]).toMatch(/steps\[1\]\.expect\.names\.0: without allNamespaces/);
  });

  it("an empty caller label is rejected", () => {
    expect(problems(scenario([{ by: "", do: "init" }]))).toEqual(["bad.json: steps[0].by: must NOT have fewer than 1 characters"]);
  });
});

