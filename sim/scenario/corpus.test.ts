import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "./load.js";
import { runScenario } from "./run.js";

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsonFiles(join(dir, e.name)) : e.name.endsWith(".json") ? [join(dir, e.name)] : [],
  );
}

const corpus = jsonFiles("scenarios").sort();

describe("the scenario corpus", () => {
  it("holds the seed examples and at least 40 more", () => {
    expect(corpus.filter((f) => f.includes("00-seed")).length).toBe(8);
    expect(corpus.length).toBeGreaterThanOrEqual(48);
  });

  it.each(corpus)("%s passes on the model", (file) => {
    const result = runScenario(loadScenarioFile(file));
    expect(result.failure).toBeUndefined();
    expect(result.passed).toBe(true);
  });

  it.each(corpus)("%s has a title and an about naming its source", (file) => {
    const { scenario } = loadScenarioFile(file);
    expect(scenario.title.length).toBeGreaterThan(0);
    expect(scenario.about ?? "").not.toBe("");
  });
});
