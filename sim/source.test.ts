import { describe, expect, it } from "vitest";
import { formatLog } from "./log.js";
import { simulate } from "./simulate.js";
import { InvalidSource, looksLikeLog, readSource } from "./source.js";

/** The problems readSource reports for a text. */
function problems(name: string, text: string): readonly string[] {
  try {
    readSource(name, text);
  } catch (e) {
    if (e instanceof InvalidSource) return e.problems;
    throw e;
  }
  return [];
}

describe("readSource", () => {
  const log = formatLog(simulate({ seed: 2, steps: 40, profile: "seed" }).log);

  it("reads a scenario, and a log by its header or its name", () => {
    const scenario = readSource("s.json", JSON.stringify({ title: "t", steps: [{ by: "d1", do: "init" }] }));
    expect(scenario.kind).toBe("scenario");
    const read = readSource("any.txt", log);
    expect(read.kind).toBe("log");
    if (read.kind === "log") expect([read.profile, read.header.seed]).toEqual(["seed", 2]);
    expect(looksLikeLog("x.jsonl", "")).toBe(true);
    expect(looksLikeLog("x.json", "{\"title\": \"t\"}")).toBe(false);
  });

  it("names the file, the step and the field of a bad scenario", () => {
    expect(problems("bad.json", JSON.stringify({ title: "t", steps: [{ by: "d1", do: "init", colour: 1 }] }))).toEqual(["bad.json: steps[0].colour: unknown field"]);
    expect(problems("bad.json", "{ nope")[0]).toMatch(/^bad\.json: not valid JSON/);
  });

  it("refuses an ITF trace with a pointer to what to open instead", () => {
    const itf = JSON.stringify({ "#meta": { format: "ITF" }, vars: ["actors"], states: [{ "#meta": { index: 0 }, actors: { "#map": [] } }] });
    expect(problems("t.itf.json", itf)).toEqual([
      "t.itf.json: an ITF trace (from check --itf or export --itf) is for other tools; open the counterexample scenario check wrote beside it, or a log",
    ]);
  });

  it("names the line of a bad log, and of an observation the model disagrees with", () => {
    expect(problems("a.jsonl", "not json\n")).toEqual(["a.jsonl: line 1: not valid JSON: " + jsonError("not json")]);
    const lines = log.split("\n");
    const target = lines.findIndex((l) => l.includes('"kind":"handle"'));
    lines[target] = lines[target].replace(/"actor":"a(\d+)"/, (_m, n) => `"actor":"a${Number(n) + 7}"`);
    const found = problems("a.jsonl", lines.join("\n"));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`a.jsonl: line ${target + 1}: the recorded observation disagrees with the model`);
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}
