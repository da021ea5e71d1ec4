import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMAND_TYPES } from "../command.js";
import { INTERNAL_EVENT_TYPES } from "../event.js";
import { MUTANT_NAMES } from "../mutants.js";
import { RULES } from "../rules.js";
import { EVENT_TYPES, MUTANTS } from "./registry.js";

const EVENTS_DIR = join("model", "events");
const sources = readdirSync(EVENTS_DIR).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
const text = (file: string): string => readFileSync(file, "utf8");

describe("one home per event (model/events)", () => {
  it("the registry knows every command, internal event and fault exactly once", () => {
    expect([...EVENT_TYPES].sort()).toEqual([...COMMAND_TYPES, ...INTERNAL_EVENT_TYPES, "actor.crashed", "node.died"].sort());
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
  });

  it("each event's module is named after it", () => {
    const modules = new Set(sources.map((f) => f.replace(/\.ts$/, "")));
    for (const type of EVENT_TYPES) {
      const special: Record<string, string> = { state: "state-query", cause: "death-cause" };
      const name = special[type] ?? type.replace(/\./g, "-").replace(/_/g, "-").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      expect(modules.has(name), `model/events/${name}.ts for ${type}`).toBe(true);
    }
  });

  it("no event's code asks which seeded bug is on: only the registry and the death policy read the state's mutant", () => {
    const readers: string[] = [];
    const files = [...sources.map((f) => join(EVENTS_DIR, f)), join("model", "mechanics.ts"), join("model", "ledger.ts"), join("model", "footprint.ts")];
    for (const file of files) {
      const uses = [...text(file).matchAll(/\.mutant\b/g)].length;
      if (uses > 0) readers.push(`${file}: ${uses}`);
    }
    expect(readers).toEqual(["model/events/registry.ts: 1", "model/mechanics.ts: 1"]);
  });

  it("every seeded bug is defined once, beside what it changes, with its summary and law", () => {
    expect(Object.keys(MUTANTS)).toEqual([...MUTANT_NAMES]);
    for (const name of MUTANT_NAMES) {
      const homes = [...sources.map((f) => join(EVENTS_DIR, f)), join("model", "mechanics.ts")].filter((file) => text(file).includes(`"${name}": {`));
      expect(homes, name).toHaveLength(1);
      expect(MUTANTS[name].summary.length).toBeGreaterThan(10);
    }
  });

  it("every rule is written in exactly one module", () => {
    for (const id of Object.keys(RULES)) {
      const homes = [...sources.map((f) => join(EVENTS_DIR, f)), join("model", "mechanics.ts")].filter((file) => text(file).includes(`  "${id}": [`));
      expect(homes, id).toHaveLength(1);
    }
  });
});
