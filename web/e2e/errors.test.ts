import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchBrowser, startViewer, watchErrors, type Viewer } from "./browser.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "rollcall-web-errors-"));

/** A scenario whose one argument is an array nested `depth` deep. */
function deepScenario(depth: number): string {
  return `{"title":"deep","profile":"ray","steps":[{"by":"d1","do":"init"},{"by":"d1","do":"create","class":"Greeter","args":[${"[".repeat(depth)}0${"]".repeat(depth)}],"as":"g"}]}`;
}

/** A log of a driver that calls a method on an actor that was never created. */
const UNKNOWN_ACTOR = [
  { type: "header", format: 1, rollcall: "0.1.0", profile: "ray", seed: 3, run: { mode: "simulate", settled: true, steps: 2 } },
  { type: "command", command: { type: "init", namespace: "ns2" }, rules: ["init.namespace"] },
  { type: "observation", observation: { caller: "j1", result: { kind: "driver", job: "j1", namespace: "ns2" }, rule: "init.namespace" } },
  { type: "command", command: { type: "call", caller: "j1", actor: "a9", method: "incr" }, rules: [] },
].map((r) => JSON.stringify(r)).join("\n") + "\n";

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
});

async function open(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  watchErrors(page, errors);
  await page.goto(viewer.url);
  await page.locator(".story").first().waitFor();
  return page;
}

/** Opens a file through the page's file input and waits for what the page says of it. */
async function openFile(page: Page, name: string, text: string): Promise<string> {
  await page.setInputFiles("#file", { name, mimeType: "application/json", buffer: Buffer.from(text) });
  await page.locator("#problems li").first().waitFor();
  return (await page.locator("#problems").textContent()) ?? "";
}

it("says why a log naming an unknown actor cannot be shown, and keeps the view shown", async () => {
  const page = await open();
  const title = await page.locator("#title").textContent();
  const said = await openFile(page, "unknown-actor.jsonl", UNKNOWN_ACTOR);
  expect(said).toMatch(/^Could not open unknown-actor\.jsonl:/);
  expect(said.length).toBeGreaterThan("Could not open unknown-actor.jsonl:".length + 10);
  expect(await page.locator("#title").textContent()).toBe(title);
  expect(await page.locator(".story").count()).toBeGreaterThan(0);
  expect(errors).toEqual([]);
  await page.close();
});

it("says why a file nested 100,000 deep cannot be shown, instead of a blank page", async () => {
  const page = await open();
  const said = await openFile(page, "deep.json", deepScenario(100_000));
  expect(said).toMatch(/^Could not (open|show) deep\.json:/);
  expect(said).toMatch(/deep/i);
  expect(await page.locator(".story").count()).toBeGreaterThan(0);
  expect(errors).toEqual([]);
  await page.close();
});

it("rollcall web refuses a file nested too deeply for the page (exit 2), and opens one nested as deep as it allows", async () => {
  const deep = join(dir, "deep.json");
  writeFileSync(deep, deepScenario(100_000));
  const refused = spawnSync(process.execPath, [CLI, "web", "--port", "0", deep], { encoding: "utf8", timeout: 20_000 });
  expect(refused.status).toBe(2);
  expect(refused.stderr).toMatch(new RegExp(`^invalid: ${deep.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: .*nest`, "m"));
  expect(refused.stderr).not.toMatch(/at .*\.js:\d+/);
  // The deepest file accepted opens in the page.
  const ok = join(dir, "ok.json");
  writeFileSync(ok, deepScenario(190));
  const shown = await startViewer(ok);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    watchErrors(page, errors);
    await page.goto(shown.url);
    await page.locator("#title", { hasText: "deep" }).waitFor();
    await page.keyboard.press("End");
    expect((await page.locator(".frame .story .line").allTextContents()).at(-1)).toMatch(/^ {2}✓ /);
    expect(await page.locator("#problems").textContent()).toBe("");
    await page.close();
  } finally {
    await shown.stop();
  }
  expect(errors).toEqual([]);
});

it("rollcall web and explain refuse an unknown --mutant, and web a log or no file with one (exit 2, no stack)", () => {
  const log = join(dir, "s.jsonl");
  spawnSync(process.execPath, [CLI, "simulate", "--seed", "1", "--steps", "5", "--log", log]);
  const cx = "web/e2e/fixtures/check-double-release-name-uniqueness.json";
  for (const args of [["web", "--port", "0", "--mutant", "no-such-bug", cx], ["web", "--port", "0", "--mutant", "double-release", log], ["web", "--port", "0", "--mutant", "double-release"], ["explain", "--mutant", "no-such-bug", cx]]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, args.join(" ")).toBe(2);
    expect(r.stderr, args.join(" ")).toMatch(/--mutant/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  }
});
