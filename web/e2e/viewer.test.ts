import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { State } from "../../model/index.js";
import { explainScenario, storyLines as modelLines } from "../../sim/explain.js";
import { loadScenarioFile } from "../../sim/scenario/load.js";
import { parseScenario } from "../../sim/scenario/parse.js";
import { readSource } from "../../sim/source.js";
import { logTimeline, scenarioTimeline } from "../../sim/timeline.js";
import { differenceAt, differences, differenceSentence } from "../compare.js";
import { addressAt, launchBrowser, position, startViewer, storyLines, watchErrors, type Viewer } from "./browser.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
/** Runs the built command line; its standard output, whatever its exit code (explain and check exit 1 on a failure). */
const rollcall = (...args: string[]): string => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" }).stdout;

/** The scenario most tests walk: 11 steps; under the seed it parts from Ray at steps 6 and 7 and stops at 7. */
const DROP = "scenarios/06-ownership/01-drop-ends-owned-actor-ray.json";

/** `rollcall explain` of a file, one list of lines per step. */
function explained(file: string, profile?: string): string[][] {
  const out = rollcall("explain", ...(profile === undefined ? [] : ["--profile", profile]), file);
  return out.trimEnd().split("\n\n").slice(1).map((block) => block.split("\n"));
}

/** The name bindings the page shows, as `namespace/name→actor` (the first frame's, or a profile's). */
async function bindings(page: Page, profile?: string): Promise<string[]> {
  const frame = profile === undefined ? ".frame" : `.frame[data-profile="${profile}"]`;
  return page.$$eval(`${frame} .binding`, (items) => items.map((b) => `${b.closest(".namespace")?.getAttribute("data-namespace")}/${b.getAttribute("data-name")}→${b.getAttribute("data-actor")}`).sort());
}

/** The lifecycle state the page shows for every driver and registered actor, as `id:STATE`. */
async function lifecycles(page: Page): Promise<string[]> {
  return page.$$eval(".frame .node", (nodes) => nodes.map((n) => `${n.getAttribute("data-id")}:${n.querySelector(":scope > .line .lifecycle")?.textContent}`).sort());
}

/** The handles the page shows, as `caller→actor:kind`. */
async function handles(page: Page): Promise<string[]> {
  return page.$$eval(".frame .node", (nodes) => nodes.flatMap((n) => [...n.querySelectorAll(":scope > .handles .handle")].map((h) => `${n.getAttribute("data-id")}→${h.getAttribute("data-actor")}:${h.classList.contains("strong") ? "strong" : "weak"}`)).sort());
}

const modelBindings = (s: State): string[] => Object.entries(s.names).flatMap(([ns, names]) => Object.entries(names).map(([name, id]) => `${ns}/${name}→${id}`)).sort();
const modelLifecycles = (s: State): string[] => [
  ...[...Object.values(s.jobs), ...Object.values(s.finished)].map((j) => `${j.id}:${j.lifecycle}`),
  ...Object.values(s.actors).map((a) => `${a.id}:${a.lifecycle}`),
].sort();
const modelHandles = (s: State): string[] => Object.entries(s.handles).flatMap(([caller, held]) => Object.entries(held).map(([actor, kind]) => `${caller}→${actor}:${kind}`)).sort();

let browser: Browser;
let viewer: Viewer;
const errors: string[] = [];

/** A fresh page on the viewer (whose errors are collected), showing what its address says. */
async function open(url = viewer.url): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  watchErrors(page, errors);
  await page.goto(url);
  await page.locator(".story").first().waitFor();
  return page;
}

beforeAll(async () => {
  browser = await launchBrowser();
  viewer = await startViewer(DROP);
});

afterAll(async () => {
  await browser?.close();
  await viewer?.stop();
  // Every page of this file, whatever it was asked, logged no error.
  expect(errors).toEqual([]);
});

describe("the viewer, on a scenario", () => {
  it("steps through it showing what the model holds and the lines rollcall explain prints", async () => {
    const page = await open();
    const t = scenarioTimeline(loadScenarioFile(DROP));
    const told = explained(DROP);
    expect(told).toHaveLength(11);
    expect(await position(page)).toEqual([1, 11]);
    for (let k = 1; k <= 11; k++) {
      if (k > 1) await page.click("#next");
      expect(await position(page)).toEqual([k, 11]);
      expect(await storyLines(page)).toEqual(told[k - 1]);
      const state = t.story(k - 1).scene.after;
      expect(await bindings(page)).toEqual(modelBindings(state));
      expect(await lifecycles(page)).toEqual(modelLifecycles(state));
      expect(await handles(page)).toEqual(modelHandles(state));
    }
    expect(await page.locator("#next").isDisabled()).toBe(true);
    await page.keyboard.press("ArrowLeft");
    expect(await position(page)).toEqual([10, 11]);
    await page.keyboard.press("Home");
    expect(await position(page)).toEqual([0, 11]);
    expect(await storyLines(page)).toEqual(["Before the first step: a fresh cluster (profile ray)."]);
    await page.close();
  });

  it("lights the followed actor's state in the chart drawn from the XState machine, and the transitions of the step", async () => {
    const page = await open();
    expect(await page.$$eval(".chart .state", (g) => g.map((s) => s.getAttribute("data-state")))).toEqual(["DEPENDENCIES_UNREADY", "PENDING_CREATION", "ALIVE", "RESTARTING", "DEAD"]);
    await page.click("#next"); // step 2: d1 creates 'svc' as a
    expect(await page.locator(".chart .state.lit").getAttribute("data-state")).toBe("ALIVE");
    expect(await page.$$eval(".chart .edge-group.taken", (g) => g.map((e) => e.getAttribute("data-edge")))).toEqual(["DEPENDENCIES_UNREADY→PENDING_CREATION", "PENDING_CREATION→ALIVE"]);
    await page.click('.tick[data-step="6"]'); // d1 drops its handle: a is out of scope
    expect(await page.locator(".chart .state.lit").getAttribute("data-state")).toBe("DEAD");
    expect(await page.$$eval(".chart .edge-group.taken", (g) => g.map((e) => e.getAttribute("data-edge")))).toEqual(["ALIVE→DEAD"]);
    expect(await page.locator(".chart-caption").textContent()).toContain("following 'a' (Counter 'svc'): DEAD; this step: ALIVE → DEAD.");
    await page.close();
  });

  it("plays it under seed and ray side by side, marking the steps where they part", async () => {
    const page = await open();
    await page.check("#compare");
    expect(await page.$$eval(".frame", (f) => f.map((x) => x.getAttribute("data-profile")))).toEqual(["seed", "ray"]);
    const loaded = loadScenarioFile(DROP);
    const sides = (l: typeof loaded) => [{ name: "seed", timeline: scenarioTimeline(l, "seed") }, { name: "ray", timeline: scenarioTimeline(l, "ray") }] as const;
    const parts = [...differences(...sides(loaded)).keys()].map(String);
    // Step 6 is told differently, 7 fails under the seed, and the seed's story stops there: 8 to 11 are ray's alone.
    expect(parts).toEqual(["6", "7", "8", "9", "10", "11"]);
    expect(await page.$$eval(".tick.parts", (t) => t.map((x) => x.getAttribute("data-step")))).toEqual(parts);
    expect(await page.$$eval(".tick.untold", (t) => t.map((x) => x.getAttribute("data-step")))).toEqual(["8", "9", "10", "11"]);
    expect(await page.$$eval(".tick.fails", (t) => t.map((x) => x.getAttribute("data-step")))).toEqual(["7"]);
    await page.click('.tick[data-step="5"]');
    expect(await page.locator("#parting").textContent()).toBe("At step 5 the seed and ray profiles agree: the same story, and the same cluster shown.");
    await page.click('.tick[data-step="6"]');
    expect(await page.locator("#parting").textContent()).toBe("At step 6 the seed and ray profiles part: what the cluster did, the cluster shown (actors, names) differ.");
    expect(await storyLines(page, "seed")).toEqual(explained(DROP, "seed")[5]);
    expect(await storyLines(page, "ray")).toEqual(explained(DROP)[5]);
    expect(await bindings(page, "seed")).toEqual(["ns/svc→a1"]);
    expect(await bindings(page, "ray")).toEqual([]);
    await page.click('.tick[data-step="9"]');
    expect(await storyLines(page, "seed")).toEqual(["Not told under seed: the story stopped at step 7, which does not do what the file expects."]);
    expect(await page.locator("#parting").textContent()).toMatch(/^At step 9 the seed and ray profiles part: the seed story stopped at step 7, which does not do what the file expects, so its panels show the cluster after step 7; the ray story tells step 9\. The clusters shown differ \(.+\)\.$/);
    expect(await addressAt(page, 9)).toContain("compare=1");
    // The scenario where the page said "agree" while the seed's story had stopped and the panels differed.
    const anonymous = "scenarios/02-namespaces/04-anonymous-per-driver-ray.json";
    await page.selectOption("#corpus", anonymous);
    expect(await page.isChecked("#compare")).toBe(true);
    const told = sides(loadScenarioFile(anonymous));
    expect([told[0].timeline.length, told[1].timeline.length]).toEqual([6, 11]);
    for (const k of [4, 7, 11]) {
      await page.click(`.tick[data-step="${k}"]`);
      expect(await page.locator("#parting").textContent(), `step ${k}`).toBe(differenceSentence("the seed and ray profiles", ...told, k, differenceAt(...told, k)));
      expect(await page.locator("#parting").textContent()).not.toContain("agree");
    }
    expect(await page.locator("#parting").textContent()).toContain("the seed story stopped at step 6");
    await page.close();
  });
});

describe("a race", () => {
  it("shows every outcome the model allows for a parallel block, the one shown first, and what the file expects", async () => {
    const page = await open();
    const race = "scenarios/12-races/01-get-or-create-two-drivers.json";
    await page.selectOption("#corpus", race);
    await page.click('.tick[data-step="3"]');
    const lines = await storyLines(page);
    expect(lines).toEqual(explained(race)[2]);
    expect(await page.locator(".story .line.race").allTextContents()).toEqual(lines.filter((l) => /^ {2}(The file expects|Outcome )/.test(l)));
    expect(await page.locator(".story .line.race.shown").allTextContents()).toEqual([expect.stringMatching(/^ {2}Outcome 1 of 2 \(shown\): .*owned by d2/)]);
    expect(lines.find((l) => l.startsWith("  Outcome 2 of 2: "))).toContain("owned by d3");
    // The panels show the first outcome: d2 owns 'foo'.
    expect(await page.locator('.frame .node[data-id="a1"] .facts').first().textContent()).toContain("owned by d2");
    // A race that fails: every end the model allows, those the file does not expect marked.
    const failing = { title: "two plain creates of one name, each expecting to win", profile: "ray", steps: [
      { by: "d1", do: "init", namespace: "n" }, { by: "d2", do: "init", namespace: "n" },
      { parallel: [[{ by: "d1", do: "create", class: "Counter", name: "x", as: "x1" }], [{ by: "d2", do: "create", class: "Counter", name: "x", expect: { error: "NameTaken" } }]] },
    ] };
    await page.setInputFiles("#file", { name: "race-fail.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(failing)) });
    await page.locator("#title", { hasText: failing.title }).waitFor();
    await page.keyboard.press("End");
    expect(await position(page)).toEqual([3, 3]);
    expect(await page.locator(".story .line.race").count()).toBe(5);
    expect(await page.locator(".story .line.race.unexpected").count()).toBe(2);
    expect((await storyLines(page)).at(-1)).toMatch(/^ {2}✗ expected error NameTaken, in the interleaving /);
    await page.close();
  });
});

describe("the screenshot the README shows", () => {
  it("is of a corpus scenario picked in the page, at the step where a detached tree is killed", async () => {
    const page = await open();
    const tree = "scenarios/05-lifetimes/09-detached-tree-outlives-job.json";
    await page.selectOption("#corpus", tree);
    await page.click('.tick[data-step="10"]');
    expect(await storyLines(page)).toEqual(explained(tree)[9]);
    expect(await page.locator(".chart .state.lit").getAttribute("data-state")).toBe("DEAD");
    expect(await page.locator('.swimlanes .mark.death[data-step="10"]').allTextContents()).toEqual(["DEAD (RAY_KILL)", "DEAD (OWNER_DIED)"]);
    await page.evaluate(() => new Promise(requestAnimationFrame)); // the swimlanes scroll to the step shown
    mkdirSync("docs", { recursive: true });
    const png = await page.screenshot({ path: "docs/viewer.png", fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(1400); // the width, from the IHDR chunk
    await page.close();
  });
});

describe("what if", () => {
  it("answers a changed step at once with the model's story, and says why a bad one is refused", async () => {
    const page = await open();
    await page.click('.tick[data-step="5"]'); // d2 calls a.incr(), expecting 1
    const original = JSON.parse(readFileSync(DROP, "utf8")) as { steps: unknown[] };
    const changed = { by: "d2", do: "call", actor: "a", method: "incr", expect: { value: 7 } };
    await page.fill("#step-editor", JSON.stringify(changed));
    await page.locator(".story .line.fail").waitFor();
    const edited = parseScenario("x.json", JSON.stringify({ ...original, steps: original.steps.map((s, i) => (i === 4 ? changed : s)) }));
    expect(await storyLines(page)).toEqual(modelLines(explainScenario(edited).stories[4]));
    expect((await storyLines(page)).at(-1)).toBe("  ✗ expected value 7 — this is where the model and the file part.");

    await page.fill("#step-editor", '{"by":"d2","do":"cal"}');
    await page.locator("#whatif-problems li").first().waitFor();
    expect(await page.locator("#whatif-problems").textContent()).toContain(`${DROP}: steps[4].do: unknown operation "cal"`);
    expect((await storyLines(page)).at(-1)).toBe("  ✗ expected value 7 — this is where the model and the file part.");
    await page.fill("#step-editor", '{"by": ');
    await page.locator("#whatif-problems li", { hasText: "step 5: not valid JSON" }).waitFor();

    await page.fill("#step-editor", '{"by":"d2","do":"call","actor":"a","method":"value"}');
    await page.locator("#whatif-problems li").waitFor({ state: "detached" });
    await page.click("#add-step");
    expect(await position(page)).toEqual([6, 12]);
    expect(await page.inputValue("#step-editor")).toBe('{"by":"d2","do":"list"}');
    const steps = [...original.steps.slice(0, 4), { by: "d2", do: "call", actor: "a", method: "value" }, { by: "d2", do: "list" }, ...original.steps.slice(5)];
    const added = parseScenario("x.json", JSON.stringify({ ...original, steps }));
    expect(await storyLines(page)).toEqual(modelLines(explainScenario(added).stories[5]));
    expect(await page.locator("#meta").textContent()).toContain("Changed in the page (what if).");

    await page.click("#reset");
    expect(await position(page)).toEqual([6, 11]);
    expect(await storyLines(page)).toEqual(explained(DROP)[5]);
    await page.close();
  });

  it("keeps the scenario and the step in the address: a reload, or the link in another page, shows the same", async () => {
    const page = await open();
    await page.click('.tick[data-step="6"]');
    await page.fill("#step-editor", '{"by":"d1","do":"list"}'); // d1 keeps its handle: a lives on
    await page.locator("#meta", { hasText: "Changed in the page" }).waitFor();
    await page.check("#compare");
    await page.click('.tick[data-step="7"]');
    const url = await addressAt(page, 7);
    const shown = { seed: await storyLines(page, "seed"), ray: await storyLines(page, "ray"), parts: await page.$$eval(".tick.parts", (t) => t.map((x) => x.getAttribute("data-step"))) };
    expect(shown.ray.join("\n")).not.toEqual(explained(DROP)[6].join("\n")); // the edit changed what step 7 shows
    await page.reload();
    await page.locator(".story").first().waitFor();
    expect(await position(page)).toEqual([7, 7]); // both stories now stop at step 7, which expects ActorDied
    expect(await page.isChecked("#compare")).toBe(true);
    expect(await storyLines(page, "seed")).toEqual(shown.seed);
    expect(await storyLines(page, "ray")).toEqual(shown.ray);
    const other = await open(url);
    expect(await storyLines(other, "ray")).toEqual(shown.ray);
    expect(await other.$$eval(".tick.parts", (t) => t.map((x) => x.getAttribute("data-step")))).toEqual(shown.parts);
    expect(await other.isEnabled("#reset")).toBe(true); // a corpus scenario changed in the page can go back
    await other.close();
    await page.close();
  });

  it("a tab reloaded after rollcall web was restarted with another file shows that file; reloaded again, its own address", async () => {
    const first = await startViewer(DROP);
    const port = new URL(first.url).port;
    const page = await open(first.url);
    await page.click('.tick[data-step="3"]');
    await addressAt(page, 3);
    await first.stop();
    const other = "scenarios/00-seed/01-name-then-get.json";
    const second = await startViewer("--port", port, other);
    try {
      await page.reload();
      await page.locator("#title", { hasText: JSON.parse(readFileSync(other, "utf8")).title as string }).waitFor();
      await page.click('.tick[data-step="2"]');
      await addressAt(page, 2);
      await page.reload();
      await page.locator(".story").first().waitFor();
      expect((await position(page))[0]).toBe(2);
      expect(await page.locator("#title").textContent()).toBe(JSON.parse(readFileSync(other, "utf8")).title);
    } finally {
      await page.close();
      await second.stop();
    }
  });
});

describe("logs and counterexamples", () => {
  const dir = mkdtempSync(join(tmpdir(), "rollcall-web-"));

  it("replays a simulate log step by step, with swimlanes around the step shown", async () => {
    const log = join(dir, "sim.jsonl");
    rollcall("simulate", "--seed", "3", "--steps", "120", "--log", log);
    const source = readSource(log, readFileSync(log, "utf8"));
    if (source.kind !== "log") throw new Error("not a log");
    const t = logTimeline(log, source.profile, source.records);
    const logViewer = await startViewer(log);
    try {
      const page = await open(logViewer.url);
      expect(await position(page)).toEqual([0, 120]);
      expect(await page.locator("#meta").textContent()).toContain("an event log (simulate, profile ray, seed 3), 120 steps");
      await page.keyboard.press("End");
      expect(await position(page)).toEqual([120, 120]);
      expect(await storyLines(page)).toEqual(modelLines(t.story(119)));
      expect((await storyLines(page)).at(-1)).toBe("  ✓ as the log recorded.");
      expect(await bindings(page)).toEqual(modelBindings(t.story(119).scene.after));
      // The swimlanes: the 30 steps up to the one shown, the registry first, each crash marked on its actor's lane.
      expect(await page.$$eval(".swimlanes .band", (b) => b.map((x) => Number(x.getAttribute("data-step"))))).toEqual(Array.from({ length: 30 }, (_, i) => 91 + i));
      expect(await page.locator(".swimlanes .band.current").getAttribute("data-step")).toBe("120");
      expect((await page.$$eval(".swimlanes .lane-title", (l) => l.map((x) => x.textContent)))[0]).toBe("GCS registry");
      const crashes = Array.from({ length: 30 }, (_, i) => t.item(90 + i)).filter((s) => "do" in s && s.do === "crash").length;
      expect(await page.locator(".swimlanes .mark.crash").count()).toBe(crashes);
      // Time travel: back to the start, three steps on, and a click on a step's band.
      await page.keyboard.press("Home");
      for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
      expect(await position(page)).toEqual([3, 120]);
      expect(await storyLines(page)).toEqual(modelLines(t.story(2)));
      await page.click('.swimlanes .band[data-step="10"] .band-label');
      expect(await position(page)).toEqual([10, 120]);
      expect(await bindings(page)).toEqual(modelBindings(t.story(9).scene.after));
      // What if, on a log: its commands become a scenario that the model runs again, telling the same story.
      const told = await storyLines(page);
      await page.click("#log-to-scenario");
      expect(await position(page)).toEqual([10, 120]);
      expect(await page.locator("#meta").textContent()).toContain("120 steps, written for profile ray");
      expect((await storyLines(page)).slice(0, -1)).toEqual(told.slice(0, -1));
      expect((await storyLines(page)).at(-1)).toMatch(/^ {2}✓ (as expected|succeeded)\.$/);
      await page.keyboard.press("End");
      expect(await position(page)).toEqual([120, 120]);
      expect((await storyLines(page)).at(-1)).toMatch(/^ {2}✓ /);
      await page.close();
    } finally {
      await logViewer.stop();
    }
  });

  it("opens a long log (5000 steps, 99 drivers) and travels to its end", async () => {
    const log = join(dir, "long.jsonl");
    rollcall("simulate", "--seed", "7", "--steps", "5000", "--log", log);
    const source = readSource(log, readFileSync(log, "utf8"));
    if (source.kind !== "log") throw new Error("not a log");
    const t = logTimeline(log, source.profile, source.records);
    const longViewer = await startViewer(log);
    try {
      let started = performance.now();
      const page = await open(longViewer.url);
      const opened = performance.now() - started;
      expect(await position(page)).toEqual([0, 5000]);
      started = performance.now();
      await page.keyboard.press("End");
      expect(await position(page)).toEqual([5000, 5000]);
      const end = performance.now() - started;
      started = performance.now();
      for (let i = 0; i < 20; i++) await page.keyboard.press("ArrowLeft");
      expect(await position(page)).toEqual([4980, 5000]);
      const back = (performance.now() - started) / 20;
      expect(await storyLines(page)).toEqual(modelLines(t.story(4979)));
      expect(await bindings(page)).toEqual(modelBindings(t.story(4979).scene.after));
      // Namespaces and drivers that are over are counted, not drawn.
      expect(await page.locator("#namespaces-hidden").textContent()).toMatch(/^and \d+ namespaces of finished jobs, holding no names$/);
      console.log(`a 5000-step log (${t.story(4999).scene.after.counters.actor} actors): page opened in ${(opened / 1000).toFixed(2)} s, its last step shown in ${end.toFixed(0)} ms, then ${back.toFixed(0)} ms a step back`);
      await page.close();
    } finally {
      await longViewer.stop();
    }
  });

  it("plays a checker counterexample on the model and on the bug it exposes, side by side, to where the bug parts from the file", async () => {
    rollcall("check", "--mutant", "double-release", "--quiet", "--out", dir);
    const file = join(dir, readdirSync(dir).find((f) => f.startsWith("check-double-release")) as string);
    const cx = await startViewer(file);
    try {
      const page = await open(cx.url);
      const t = scenarioTimeline(loadScenarioFile(file));
      expect(await page.$$eval(".frame", (f) => f.map((x) => x.getAttribute("data-mutant") ?? "model"))).toEqual(["model", "double-release"]);
      expect(await page.isChecked("#versus-bug")).toBe(true);
      expect(await page.inputValue("#mutant")).toBe("double-release");
      expect(await page.locator("#meta").textContent()).toContain("it passes on the model and fails on the bug double-release");
      await page.keyboard.press("End");
      expect(await position(page)).toEqual([t.length, t.length]);
      // The model's story passes to the end; the bug's is the one explain --mutant tells, which stops where the file expects otherwise.
      expect(await page.locator(".frame:not([data-mutant]) .story .line").allTextContents()).toEqual(explained(file).at(-1));
      const onBug = spawnSync(process.execPath, [CLI, "explain", "--mutant", "double-release", file], { encoding: "utf8" });
      expect(onBug.status).toBe(1);
      const bugLines = onBug.stdout.trimEnd().split("\n\n").slice(1).map((b) => b.split("\n"));
      expect(await page.locator('.frame[data-mutant="double-release"] .story .line').allTextContents()).toEqual(bugLines.at(-1));
      expect(bugLines.at(-1)?.at(-1)).toMatch(/^ {2}✗ /);
      expect(await page.locator("#parting").textContent()).toMatch(/^At step \d+ the model and the bug double-release part: /);
      expect(await addressAt(page, t.length)).toMatch(/mutant=double-release&compare=bug/);
      // The swimlanes draw the bug's run: a1's name is released twice, the second time taken from its new holder.
      expect(await page.locator(".swimlanes .mark.crash").allTextContents()).toEqual(["process crashes"]);
      expect(await page.locator(".swimlanes .mark.release").count()).toBeGreaterThan(0);
      // Back on the model: under the correct model a1 keeps its name while its owner holds it.
      await page.selectOption("#mutant", "");
      expect(await page.$$eval(".frame", (f) => f.length)).toBe(1);
      expect(await page.isDisabled("#versus-bug")).toBe(true);
      expect(await storyLines(page)).toEqual(explained(file).at(-1));
      expect(await page.locator(".swimlanes .mark.death").allTextContents()).toEqual(["DEAD (WORKER_DIED)"]);
      expect(await page.locator(".swimlanes .mark.take").allTextContents()).toEqual(["'a' → a1 (ns1)"]);
      expect(await page.locator(".swimlanes .mark.release").count()).toBe(0);
      await page.close();
    } finally {
      await cx.stop();
    }
    // rollcall web FILE --mutant M plays it on M alone.
    const onMutant = await startViewer("--mutant", "double-release", file);
    try {
      const page = await open(onMutant.url);
      expect(await page.$$eval(".frame", (f) => f.map((x) => x.getAttribute("data-mutant")))).toEqual(["double-release"]);
      await page.keyboard.press("End");
      expect((await storyLines(page)).at(-1)).toMatch(/^ {2}✗ /);
      await page.close();
    } finally {
      await onMutant.stop();
    }
  });
});
