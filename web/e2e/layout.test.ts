import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, startViewer, watchErrors, type Viewer } from "./browser.js";

/**
 * At 900 px wide nothing is clipped: the page does not spill sideways, and
 * in the swimlanes and the lifecycle chart no label leaves its drawing or
 * its lane, and no two labels overlap.
 */
const WIDTH = 900;
const CLI = join(process.cwd(), "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "rollcall-web-layout-"));

interface Box { readonly text: string; readonly left: number; readonly right: number; readonly top: number; readonly bottom: number }

/** What is wrong with the page's labels: each problem in words (empty when none). */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate((width) => {
    const problems: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > width) problems.push(`the page is ${doc.scrollWidth} px wide, wider than the ${width} px window`);
    const box = (e: Element): Box => {
      const r = e.getBoundingClientRect();
      return { text: e.textContent ?? "", left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    };
    const EPS = 0.5;
    for (const drawing of document.querySelectorAll("svg.swimlanes, svg.chart")) {
      const frame = drawing.getBoundingClientRect();
      const what = drawing.classList.contains("chart") ? "chart" : drawing.classList.contains("lanes-head") ? "lane titles" : "swimlanes";
      const labels = [...drawing.querySelectorAll("text")].filter((t) => (t.textContent ?? "") !== "").map((t) => ({ el: t, b: box(t) }));
      for (const { el, b } of labels) {
        if (b.left < frame.left - EPS || b.right > frame.right + EPS || b.top < frame.top - EPS || b.bottom > frame.bottom + EPS) problems.push(`${what}: '${b.text}' leaves the drawing`);
        // A label stays within its lane: an arrow's between the lanes it joins, a lane title within its lane.
        const lo = Number(el.closest("[data-x-min]")?.getAttribute("data-x-min") ?? NaN);
        const hi = Number(el.closest("[data-x-max]")?.getAttribute("data-x-max") ?? NaN);
        if (Number.isFinite(lo) && Number.isFinite(hi)) {
          const scale = frame.width / (drawing as SVGSVGElement).viewBox.baseVal.width;
          const x0 = frame.left + (lo - (drawing as SVGSVGElement).viewBox.baseVal.x) * scale;
          const x1 = frame.left + (hi - (drawing as SVGSVGElement).viewBox.baseVal.x) * scale;
          if (b.left < x0 - EPS || b.right > x1 + EPS) problems.push(`${what}: '${b.text}' spills off its lane (${b.left.toFixed(0)}–${b.right.toFixed(0)} outside ${x0.toFixed(0)}–${x1.toFixed(0)})`);
        }
      }
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const [p, q] = [labels[i].b, labels[j].b];
          if (p.left < q.right - EPS && q.left < p.right - EPS && p.top < q.bottom - EPS && q.top < p.bottom - EPS) problems.push(`${what}: '${p.text}' overlaps '${q.text}'`);
        }
      }
    }
    return problems;
  }, WIDTH);
}

let browser: Browser;
let viewer: Viewer;
const errors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  viewer = await startViewer();
});

afterAll(async () => {
  await browser?.close();
  await viewer?.stop();
  expect(errors).toEqual([]);
});

async function pageAt(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
  watchErrors(page, errors);
  await page.goto(url);
  await page.locator(".story").first().waitFor();
  return page;
}

/** Every step of the scenario shown, from the first to the last: the problems seen at each. */
async function walk(page: Page): Promise<string[]> {
  const found: string[] = [];
  await page.keyboard.press("Home");
  for (let guard = 0; guard < 200; guard++) {
    await page.evaluate(() => new Promise(requestAnimationFrame));
    const step = await page.locator("#position").textContent();
    for (const p of await layoutProblems(page)) found.push(`${step}: ${p}`);
    if (await page.isDisabled("#next")) break;
    await page.click("#next");
  }
  return found;
}

describe(`at ${WIDTH} px wide`, () => {
  it.each([
    ["scenarios/05-lifetimes/09-detached-tree-outlives-job.json", false],
    ["scenarios/06-ownership/01-drop-ends-owned-actor-ray.json", true],
    ["scenarios/12-races/06-plain-creates-name-taken.json", false],
    ["scenarios/08-restarts/01-crash-restarts-counter-starts-over.json", false],
    ["scenarios/02-namespaces/04-anonymous-per-driver-ray.json", true],
  ] as const)("%s (seed vs ray: %s): no label clipped, spilling off its lane or overlapping another, at any step", async (file, compare) => {
    const page = await pageAt(viewer.url);
    await page.selectOption("#corpus", file);
    if (compare) await page.check("#compare");
    expect(await walk(page)).toEqual([]);
    await page.close();
  });

  it("a scenario of many actors with long labels: lane titles, arrows and the chart's lists of actors under each state", async () => {
    const file = join(dir, "many.json");
    const labels = Array.from({ length: 9 }, (_, i) => `a_counter_with_a_long_label_${i + 1}`);
    writeFileSync(file, JSON.stringify({
      title: "many actors", profile: "ray",
      steps: [
        { by: "driver_with_a_long_name", do: "init", namespace: "a-namespace-with-a-rather-long-name" },
        ...labels.map((as, i) => ({ by: "driver_with_a_long_name", do: "create", class: "Counter", name: `counter-name-${i + 1}-${"x".repeat(20)}`, as })),
        { by: "driver_with_a_long_name", do: "list" },
      ],
    }));
    const shown = await startViewer(file);
    try {
      const page = await pageAt(shown.url);
      expect(await walk(page)).toEqual([]);
      expect(await page.locator('.chart .residents[data-state="ALIVE"]').textContent()).toMatch(/\+\d+$/);
      await page.close();
    } finally {
      await shown.stop();
    }
  });

  it("a simulate log's swimlanes, around its last steps", async () => {
    const log = join(dir, "sim.jsonl");
    spawnSync(process.execPath, [CLI, "simulate", "--seed", "3", "--steps", "120", "--log", log]);
    const shown = await startViewer(log);
    try {
      const page = await pageAt(shown.url);
      const found: string[] = [];
      for (const key of ["End", ...Array<string>(10).fill("ArrowLeft")]) {
        await page.keyboard.press(key);
        await page.evaluate(() => new Promise(requestAnimationFrame));
        for (const p of await layoutProblems(page)) found.push(`${await page.locator("#position").textContent()}: ${p}`);
      }
      expect(found).toEqual([]);
      await page.screenshot({ path: join(dir, "log-900.png"), fullPage: true });
      await page.close();
    } finally {
      await shown.stop();
    }
  });

  it("a checker counterexample on the model and its bug, side by side", async () => {
    const shown = await startViewer("web/e2e/fixtures/check-double-release-name-uniqueness.json");
    try {
      const page = await pageAt(shown.url);
      expect(await page.$$eval(".frame", (f) => f.length)).toBe(2);
      expect(await walk(page)).toEqual([]);
      await page.screenshot({ path: join(dir, "counterexample-900.png"), fullPage: true });
      console.log(`screenshots at ${WIDTH} px: ${dir}`);
      await page.close();
    } finally {
      await shown.stop();
    }
  });
});
