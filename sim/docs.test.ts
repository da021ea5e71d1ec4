import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES, ruleSource, type RuleId } from "../model/index.js";
import { InvalidScenario } from "./scenario/error.js";
import { loadScenarioFile } from "./scenario/load.js";
import { runScenario } from "./scenario/run.js";
import { STEP_SCHEMAS, TOP_SCHEMA } from "./scenario/schema.js";

/*
 * The project's own documents: docs/semantics.md gives every rule its sources,
 * docs/scenario-format.md describes the format as implemented, and nothing in
 * the repository points at notes that are not in it.
 */

const ROOT = process.cwd();
const CLI = join(ROOT, "dist", "cli", "main.js");
const semantics = readFileSync(join(ROOT, "docs", "semantics.md"), "utf8");
const format = readFileSync(join(ROOT, "docs", "scenario-format.md"), "utf8");
const RULE_IDS = Object.keys(RULES) as RuleId[];

/** The anchors of docs/semantics.md (`<a id="…"></a>`), in order, with where each starts. */
function anchors(text: string): { id: string; at: number }[] {
  return [...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => ({ id: m[1], at: m.index }));
}

/** The text of a rule's entry: from its anchor to the next anchor. */
function entry(id: string): string | null {
  const all = anchors(semantics);
  const i = all.findIndex((a) => a.id === id);
  if (i < 0) return null;
  return semantics.slice(all[i].at, i + 1 < all.length ? all[i + 1].at : undefined);
}

/** Every file of the repository (tracked by git), with its text; binary files left out. */
function repositoryFiles(): { path: string; text: string }[] {
  const paths = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter((p) => p !== "");
  return paths
    .filter((p) => !p.startsWith("node_modules/") && !p.startsWith("dist/"))
    .flatMap((path) => {
      let text: string;
      try {
        text = readFileSync(join(ROOT, path), "utf8");
      } catch {
        return []; // deleted in the work tree but not yet in the index
      }
      return text.includes("\0") ? [] : [{ path, text }];
    });
}

describe("docs/semantics.md", () => {
  it("has an entry for every rule of model/rules.ts, with the rule's sentence and at least one link a reader can open", () => {
    expect(RULE_IDS.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const id of RULE_IDS) {
      const text = entry(id);
      if (text === null) {
        problems.push(`${id}: no <a id="${id}"></a> entry`);
        continue;
      }
      if (!text.includes(`### \`${id}\``)) problems.push(`${id}: the entry has no heading naming the rule`);
      if (!text.includes(RULES[id][0])) problems.push(`${id}: the entry does not give the rule's sentence the model has (model/rules.ts)`);
      if (!/\]\(https?:\/\/[^)\s]+\)/.test(text)) problems.push(`${id}: the entry has no http(s) link`);
    }
    expect(problems).toEqual([]);
  });

  it("gives each anchor once", () => {
    const ids = anchors(semantics).map((a) => a.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("is what every rule cites, so explain and the viewer lead a reader there", () => {
    for (const id of RULE_IDS) expect(ruleSource(id)).toBe(`docs/semantics.md#${id}`);
  });

  it("has every anchor that a file of the repository (or the page itself) links to", () => {
    const known = new Set(anchors(semantics).map((a) => a.id));
    const broken: string[] = [];
    for (const { path, text } of repositoryFiles()) {
      for (const m of text.matchAll(/docs\/semantics\.md#([A-Za-z0-9._-]+)/g)) {
        const id = m[1].replace(/\.+$/, ""); // a citation at the end of a sentence
        if (!known.has(id)) broken.push(`${path}: docs/semantics.md#${id}`);
      }
    }
    for (const m of semantics.matchAll(/\]\(#([^)]+)\)/g)) if (!known.has(m[1])) broken.push(`docs/semantics.md: #${m[1]}`);
    for (const m of format.matchAll(/\]\(semantics\.md#([^)]+)\)/g)) if (!known.has(m[1])) broken.push(`docs/scenario-format.md: semantics.md#${m[1]}`);
    expect(broken).toEqual([]);
  });
});

describe("docs/semantics.md's corpus lines", () => {
  it("list scenarios that exist and in which the model applies the rule", () => {
    const wrong: string[] = [];
    const rulesOf = new Map<string, Set<string>>();
    for (const id of RULE_IDS) {
      const line = /\*In the corpus:\* (.*)/.exec(entry(id) ?? "")?.[1];
      if (line === undefined) {
        wrong.push(`${id}: no "In the corpus" line`);
        continue;
      }
      for (const m of line.matchAll(/\]\(\.\.\/(scenarios\/[^)]+\.json)\)/g)) {
        const file = m[1];
        if (!rulesOf.has(file)) {
          let applied: Set<string>;
          try {
            const result = runScenario(loadScenarioFile(join(ROOT, file)));
            applied = new Set(result.final.flatMap((w) => w.store.records.flatMap((r) => ("rules" in r ? r.rules : r.type === "observation" ? [r.observation.rule] : []))));
          } catch (e) {
            applied = new Set();
            wrong.push(`${id}: ${file}: ${(e as Error).message}`);
          }
          rulesOf.set(file, applied);
        }
        if (!rulesOf.get(file)?.has(id)) wrong.push(`${id}: ${file} does not apply it`);
      }
    }
    expect(rulesOf.size).toBeGreaterThan(30);
    expect(wrong).toEqual([]);
  });
});

describe("docs/scenario-format.md", () => {
  it("names every operation, field, error kind and state of the schema", () => {
    const missing: string[] = [];
    const props = (schema: object): Record<string, unknown> => (schema as { properties: Record<string, unknown> }).properties;
    for (const field of Object.keys(props(TOP_SCHEMA))) if (!format.includes(`| \`${field}\` |`)) missing.push(`top-level field ${field}`);
    for (const [op, schema] of Object.entries(STEP_SCHEMAS[2])) {
      if (!format.includes(`| \`${op}\` |`)) missing.push(`operation ${op}`);
      for (const field of Object.keys(props(schema))) if (!format.includes(`\`${field}\``)) missing.push(`field ${op}.${field}`);
    }
    const expect_ = props(STEP_SCHEMAS[2].init).expect as { properties: Record<string, { enum?: string[] }> };
    for (const kind of Object.keys(expect_.properties)) if (!format.includes(`{ "${kind}":`)) missing.push(`expectation ${kind}`);
    for (const kind of expect_.properties.error.enum ?? []) if (!format.includes(`| \`${kind}\` |`)) missing.push(`error kind ${kind}`);
    for (const state of expect_.properties.state.enum ?? []) if (!format.includes(`\`${state}\``)) missing.push(`state ${state}`);
    expect(missing).toEqual([]);
  });

  const examples = join(ROOT, "docs", "examples", "format");
  const jsonIn = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => join(dir, f));

  it("has examples that load and pass on the model, each under its own profile", () => {
    const files = jsonIn(examples);
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const result = runScenario(loadScenarioFile(file));
      expect({ file, passed: result.passed, failure: result.failure }).toEqual({ file, passed: true, failure: undefined });
    }
  });

  it("has invalid examples that the loader refuses", () => {
    const files = jsonIn(join(ROOT, "docs", "examples", "invalid"));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(() => loadScenarioFile(file), file).toThrow(InvalidScenario);
  });

  it("shows what `rollcall` really prints: every console example runs as written", async () => {
    // Every `$ rollcall …` line of a console block, the lines shown after it, and the status an `$ echo $?` after it shows.
    const examples: { command: string; shown: string[]; status?: string }[] = [];
    for (const m of format.matchAll(/```console\n([\s\S]*?)```/g)) {
      const lines = m[1].split("\n");
      if (lines.at(-1) === "") lines.pop();
      for (let i = 0; i < lines.length; ) {
        const command = lines[i];
        expect(command.startsWith("$ "), `a console example starts with a command: ${command}`).toBe(true);
        const shown: string[] = [];
        for (i++; i < lines.length && !lines[i].startsWith("$ "); i++) shown.push(lines[i]);
        if (command === "$ echo $?") {
          expect(examples.length, "echo $? follows a command").toBeGreaterThan(0);
          examples[examples.length - 1].status = shown.join("\n");
        } else {
          examples.push({ command, shown });
        }
      }
    }
    expect(examples.length).toBeGreaterThanOrEqual(6);
    const ran = await Promise.all(examples.map(({ command }) => {
      const [program, ...args] = command.slice(2).split(" ");
      expect(program).toBe("rollcall");
      return new Promise<{ out: string; status: number | null }>((resolve) => {
        const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("close", (status) => resolve({ out: out + err, status }));
      });
    }));
    examples.forEach(({ command, shown, status }, i) => {
      const lines = ran[i].out.split("\n");
      if (lines.at(-1) === "") lines.pop();
      expect(lines, command).toEqual(shown);
      if (status !== undefined) expect(String(ran[i].status), `${command}; echo $?`).toBe(status);
    });
  });
});

describe("the repository", () => {
  // Spelled in two halves so that this file does not name them itself.
  const FORBIDDEN = ["../" + "shared", "ray-" + "semantics"];

  it("names no document outside it: every citation is to a file a clone has or to a link a reader can open", () => {
    const found: string[] = [];
    for (const { path, text } of repositoryFiles()) {
      text.split("\n").forEach((line, i) => {
        for (const word of FORBIDDEN) if (line.includes(word)) found.push(`${path}:${i + 1}: ${word}`);
      });
    }
    expect(found).toEqual([]);
  });
});
