import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/** Every source file of model/ (tests excluded): the pure specification. */
function modelSources(dir = "model"): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return modelSources(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [full] : [];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [/\bMath\.random\b/, "randomness (Math.random)"],
  [/\bDate\b/, "clocks (Date)"],
  [/\bperformance\b/, "clocks (performance)"],
  [/\bset(Timeout|Interval|Immediate)\b/, "timers"],
  [/\bprocess\./, "the Node process"],
  [/\brequire\(/, "require"],
  [/\bcreateActor\b/, "XState's createActor (its scheduler reads clocks)"],
  [/\bcrypto\b/, "crypto"],
  [/\bfetch\(/, "I/O (fetch)"],
];

describe("model/ is pure", () => {
  const files = modelSources();

  it("has source files to check", () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)("%s imports nothing but immer, xstate and model/ itself", (file) => {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)) {
      const target = m[1];
      if (target === "immer" || target === "xstate") continue;
      expect(target.startsWith("."), `${file} imports ${target}`).toBe(true);
      const resolved = relative(".", join(file, "..", target));
      expect(resolved.startsWith("model"), `${file} imports ${target}, outside model/`).toBe(true);
    }
    expect(text).not.toMatch(/import\(/);
  });

  it.each(files)("%s uses no clocks, randomness, timers or Node APIs", (file) => {
    const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""); // comments may mention them
    for (const [pattern, what] of FORBIDDEN) expect(pattern.test(code), `${file} uses ${what}`).toBe(false);
  });

  it("the checker itself catches a forbidden use", () => {
    const sample = "const t = Date.now(); setTimeout(f, 1);";
    expect(FORBIDDEN.filter(([p]) => p.test(sample)).map(([, w]) => w)).toEqual(["clocks (Date)", "timers"]);
  });
});
