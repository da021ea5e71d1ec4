import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { storyLines } from "../../sim/explain.js";
import { loadScenarioFile } from "../../sim/scenario/load.js";
import { scenarioTimeline } from "../../sim/timeline.js";
import { differences } from "../compare.js";
import { launchBrowser, startViewer, watchErrors, type Viewer } from "./browser.js";

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsonFiles(join(dir, e.name)) : e.name.endsWith(".json") ? [join(dir, e.name)] : []));
}

/** The corpus on disk: the page must offer exactly these. */
const CORPUS = jsonFiles("scenarios").sort();

/** What the page showed at each step of a walk from the start to the end: the position, and the explanation's first and last lines. */
interface Seen {
  readonly position: string;
  readonly first: string;
  readonly last: string;
}

/** Clicks "one step forward" from the start until it is disabled, reading the page after each click. */
function walk(page: Page): Promise<Seen[]> {
  return page.evaluate(() => {
    const seen: { position: string; first: string; last: string }[] = [];
    const read = (): void => {
      const lines = [...document.querySelectorAll(".frame .story .line")].map((l) => l.textContent ?? "");
      seen.push({ position: document.querySelector("#position")?.textContent ?? "", first: lines[0] ?? "", last: lines.at(-1) ?? "" });
    };
    document.querySelector<HTMLButtonElement>("#first")?.click();
    read();
    for (let guard = 0; guard < 1000; guard++) {
      const next = document.querySelector<HTMLButtonElement>("#next");
      if (next === null || next.disabled) break;
      next.click();
      read();
    }
    return seen;
  });
}

let browser: Browser;
let viewer: Viewer;

beforeAll(async () => {
  browser = await launchBrowser();
  viewer = await startViewer();
});

afterAll(async () => {
  await browser?.close();
  await viewer?.stop();
});

it(`plays every scenario of the corpus (${CORPUS.length}) to its end, and under seed and ray side by side, without an error in the browser`, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  watchErrors(page, errors);
  await page.goto(viewer.url);
  await page.locator(".story").first().waitFor();
  expect(await page.$$eval("#corpus option", (o) => o.map((x) => x.getAttribute("value")).filter((v) => v !== ""))).toEqual(CORPUS);
  const started = performance.now();
  let steps = 0;
  for (const file of CORPUS) {
    await page.selectOption("#corpus", file);
    expect(await page.locator("#title").textContent(), file).toBe(loadScenarioFile(file).scenario.title);
    const t = scenarioTimeline(loadScenarioFile(file));
    expect(t.length, `${file} is told to its end on the model`).toBe(t.total);
    const seen = await walk(page);
    expect(seen.map((s) => s.position), file).toEqual(Array.from({ length: t.length + 1 }, (_, k) => `Step ${k} of ${t.length}`));
    for (let k = 1; k <= t.length; k++) {
      const lines = storyLines(t.story(k - 1));
      expect([seen[k].first, seen[k].last], `${file} step ${k}`).toEqual([lines[0], lines.at(-1)]);
    }
    expect(seen.at(-1)?.last.startsWith("  ✓"), `${file} ends as expected`).toBe(true);
    steps += t.length;
    // Seed versus Ray, at the end: both columns, and the parting steps the model finds.
    await page.check("#compare");
    await page.keyboard.press("End");
    const loaded = loadScenarioFile(file);
    const parts = [...differences({ name: "seed", timeline: scenarioTimeline(loaded, "seed") }, { name: "ray", timeline: scenarioTimeline(loaded, "ray") }).keys()].map(String);
    expect(await page.$$eval(".frame", (f) => f.map((x) => x.getAttribute("data-profile"))), file).toEqual(["seed", "ray"]);
    expect(await page.$$eval(".tick.parts", (t) => t.map((x) => x.getAttribute("data-step"))), file).toEqual(parts);
    await page.uncheck("#compare");
    expect(errors, file).toEqual([]);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`walked ${CORPUS.length} scenarios, ${steps} steps, in ${seconds.toFixed(1)} s`);
  await page.close();
}, 600_000); // the whole corpus, step by step: minutes on a busy machine
