import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

/** The libraries the page may bundle: the model's and the scenario checker's. */
const LIBRARIES = new Set(["immer", "xstate", "ajv"]);

/** Every source file the page's entry reaches, following relative imports. */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\s+["']([^"']+)["']/g)) {
      const target = m[1] ?? m[2];
      if (target.startsWith(".") && !target.endsWith(".css")) visit(normalize(join(dirname(file), target.replace(/\.js$/, ".ts"))));
    }
  };
  visit(entry);
  return [...seen];
}

describe("the page is browser-safe", () => {
  const files = reachable("web/main.ts");

  it("reaches the model and the simulator's core, and nothing of the command line, adapters, checker or runtime", () => {
    expect(files.some((f) => f.startsWith("model/"))).toBe(true);
    expect(files).toContain("sim/explain.ts");
    for (const f of files) expect(f, f).toMatch(/^(web|model|sim)\//);
    for (const f of ["sim/scenario/load.ts", "cli/main.ts"]) expect(files).not.toContain(f);
  });

  it.each(reachable("web/main.ts"))("%s imports no Node API and no library but immer, xstate and ajv", (file) => {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)) {
      const target = m[1];
      if (!target.startsWith(".")) expect(LIBRARIES.has(target), `${file} imports ${target}`).toBe(true);
    }
    expect(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")).not.toMatch(/\bprocess\.|\brequire\(|["']node:[a-z_/]+["']/);
  });
});
