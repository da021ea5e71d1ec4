import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";

/*
 * The README's console examples run as written and print what the README
 * shows. Each ```console block is a list of `$ command` lines, each followed
 * by the output it shows; the commands run in order (a block shares one
 * folder, as a reader's terminal would) in a fresh folder that holds the
 * repository's scenarios/ and docs/ (what a fresh clone has), with `npx
 * rollcall` meaning the built command line. A block right after a line
 * `<!-- README test: skip (why) -->` is not run (it needs Ray, a long run or
 * a terminal). In what is shown, a line `...` stands for any lines; times,
 * rates and memory figures may differ.
 */

const ROOT = process.cwd();
const CLI = join(ROOT, "dist", "cli", "main.js");

export interface Example {
  readonly line: number;
  readonly command: string;
  readonly shown: readonly string[];
}

export interface Block {
  readonly line: number;
  readonly skip: string | null;
  readonly examples: readonly Example[];
}

/** The console blocks of a Markdown text. */
export function consoleBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```console") continue;
    let skip: string | null = null;
    const before = lines.slice(Math.max(0, i - 3), i).reverse().find((l) => l.trim() !== "");
    const m = before === undefined ? null : /<!-- README test: skip \((.+)\) -->/.exec(before);
    if (m !== null) skip = m[1]!;
    const examples: Example[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trim() !== "```"; j++) {
      const l = lines[j]!;
      if (l.startsWith("$ ")) examples.push({ line: j + 1, command: l.slice(2), shown: [] });
      else if (examples.length > 0) (examples[examples.length - 1]!.shown as string[]).push(l);
    }
    blocks.push({ line: i + 1, skip, examples });
    i = j;
  }
  return blocks;
}

/** Figures that differ from run to run: durations, rates, memory. */
export function normalise(line: string): string {
  return line
    .replace(/\d[\d,]*(\.\d+)? ?(s|ms|MB|kB)\b/g, "<n> $2")
    .replace(/\b(seconds|states\/s)(\s+)[\d,.]+/g, "$1$2<n>")
    .replace(/\(\d[\d,]* (programs|races)\/min\)/g, "(<n> $1/min)")
    // A target's log is named by the time and pid it was opened at.
    .replace(/\(its log: (\S*\/)?[^\s/]+-\d{8}-\d{6}-\d+-\d+\.log\)/g, "(its log: $1<log>)")
    .trimEnd();
}

/** True when `actual` shows `shown` in order: `...` skips any lines, other lines follow one another. */
export function matches(shown: readonly string[], actual: readonly string[]): { ok: true } | { ok: false; missing: string } {
  const want = shown.map(normalise);
  const got = actual.map(normalise);
  let at = 0;
  let gap = false;
  for (const w of want) {
    if (w.trim() === "...") {
      gap = true;
      continue;
    }
    if (gap) {
      while (at < got.length && got[at] !== w) at++;
      if (at >= got.length) return { ok: false, missing: w };
    } else if (got[at] !== w) {
      return { ok: false, missing: w };
    }
    at++;
    gap = false;
  }
  return { ok: true };
}

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const blocks = consoleBlocks(readme);

describe("the README's examples", () => {
  it("has console examples, and names why any is not run", () => {
    expect(blocks.length).toBeGreaterThan(5);
    expect(blocks.filter((b) => b.skip === null).length).toBeGreaterThan(3);
    for (const b of blocks) expect(b.examples.length, `the block at README.md:${b.line} has no $ command`).toBeGreaterThan(0);
  });

  for (const block of blocks.filter((b) => b.skip === null)) {
    it(`README.md:${block.line}: ${block.examples.map((e) => e.command).join("; ").slice(0, 100)}`, () => {
      const folder = mkdtempSync(join(tmpdir(), "rollcall-readme-"));
      for (const entry of ["scenarios", "docs"]) symlinkSync(join(ROOT, entry), join(folder, entry));
      const env = { ...process.env, PATH: `${join(folder, ".bin")}:${process.env.PATH ?? ""}` };
      // `rollcall` and `npx rollcall` are the built command line (other npx commands go to npx).
      mkdirSync(join(folder, ".bin"));
      writeFileSync(join(folder, ".bin", "rollcall"), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
      const npx = spawnSync("sh", ["-c", "command -v npx"], { encoding: "utf8" }).stdout.trim();
      writeFileSync(join(folder, ".bin", "npx"), `#!/bin/sh\nif [ "$1" = rollcall ]; then shift; exec '${process.execPath}' '${CLI}' "$@"; fi\nexec '${npx}' "$@"\n`, { mode: 0o755 });
      onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
      for (const example of block.examples) {
        const command = example.command;
        // stderr joins stdout, in the order printed, as on a terminal.
        const r = spawnSync("sh", ["-c", `exec 2>&1\n${command}`], { cwd: folder, env, encoding: "utf8", timeout: 300_000 });
        // Progress lines (stderr, every few seconds of a long run) are left out.
        const actual = r.stdout.replace(/\n$/, "").split("\n").filter((l) => !/^\s+… [\d,]+ states/.test(l));
        const result = matches(example.shown, actual);
        expect(result.ok ? "" : `README.md:${example.line}: \`${example.command}\` does not print\n  ${(result as { missing: string }).missing}\nit printed:\n${actual.join("\n")}`).toBe("");
      }
    });
  }
});
