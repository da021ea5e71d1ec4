import { spawn } from "node:child_process";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/**
 * What the browser tests share: `rollcall web` started as a user starts it,
 * and Debian's chromium driven by playwright-core (headless, no sandbox,
 * background networking off, a fresh profile every launch).
 */

const CLI = join(process.cwd(), "dist", "cli", "main.js");

/** The chromium binary: ROLLCALL_CHROMIUM, or Debian's. */
export const CHROMIUM = process.env.ROLLCALL_CHROMIUM ?? "/usr/bin/chromium";

/** A running `rollcall web`. */
export interface Viewer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly stop: () => Promise<void>;
}

/** Starts `rollcall web --port 0 [args]`; resolves once it prints its address. */
export function startViewer(...args: string[]): Promise<Viewer> {
  const child = spawn(process.execPath, [CLI, "web", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0];
      if (url !== undefined) {
        resolve({ url, stop: async () => {
          child.kill("SIGTERM");
          await exited;
        } });
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`rollcall web exited ${code} before printing its address:\n${out}`)));
  });
}

/** Launches chromium headless with the flags this machine needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Adds every console error and uncaught exception of a page to `errors`, as text. */
export function watchErrors(page: Page, errors: string[]): void {
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
}

/** The lines of the explanation shown (the first frame's, or the one of a profile). */
export async function storyLines(page: Page, profile?: string): Promise<string[]> {
  const frame = profile === undefined ? page.locator(".frame").first() : page.locator(`.frame[data-profile="${profile}"]`);
  return frame.locator(".story .line").allTextContents();
}

/** The step shown, as `#position` says it: [step, length]. */
export async function position(page: Page): Promise<[number, number]> {
  const text = (await page.locator("#position").textContent()) ?? "";
  const m = /^Step (\d+) of (\d+)$/.exec(text);
  if (m === null) throw new Error(`#position says '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

/** Waits until the address records this step (it is written once stepping pauses). */
export async function addressAt(page: Page, step: number): Promise<string> {
  await page.waitForFunction((k) => new URLSearchParams(location.hash.slice(1)).get("step") === String(k), step);
  return page.url();
}
