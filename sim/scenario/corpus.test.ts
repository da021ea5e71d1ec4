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

describe("the corpus tells the profiles apart", () => {
  const run = (file: string, profile: "ray" | "seed" | "ray-2.49") => runScenario(loadScenarioFile(file), { profile }).passed;

  it("scenarios written for one profile fail under the other where the rules differ", () => {
    expect(run("scenarios/00-seed/07-no-namespace-ray.json", "seed")).toBe(false);
    expect(run("scenarios/00-seed/07-no-namespace-seed.json", "ray")).toBe(false);
    expect(run("scenarios/06-ownership/01-drop-ends-owned-actor-ray.json", "seed")).toBe(false);
    expect(run("scenarios/13-versions/01-name-reused-after-exit-ray-2.49.json", "ray")).toBe(false);
    expect(run("scenarios/13-versions/02-name-kept-after-exit-ray.json", "ray-2.49")).toBe(false);
  });

  it("a good share of the ray scenarios depend on Ray's own rules", () => {
    const rayFiles = corpus.filter((f) => loadScenarioFile(f).scenario.profile === "ray");
    const failUnderSeed = rayFiles.filter((f) => !run(f, "seed"));
    expect(failUnderSeed.length).toBeGreaterThan(20);
  });
});
