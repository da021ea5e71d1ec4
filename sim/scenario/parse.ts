import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isProfileName, MAX_JSON_DEPTH, tooDeep } from "../../model/index.js";
import { InvalidScenario, ScenarioError } from "./error.js";
import { PARALLEL_SCHEMA, STEP_SCHEMAS, TOP_SCHEMA, V2_ONLY } from "./schema.js";
import { checkLabels } from "./labels.js";
import type { Item, LoadedScenario, Scenario, StepPath } from "./types.js";

/*
 * Checking scenario text, without reading files: pure, so the web viewer
 * checks a scenario exactly as the command line does.
 */

/** The schemas' validators, compiled on first use (about 0.12 s of start-up: `rollcall check` never parses a scenario). */
let compiled: { top: ValidateFunction; parallel: ValidateFunction; step: Record<1 | 2, Record<string, ValidateFunction>> } | null = null;
function validators(): NonNullable<typeof compiled> {
  if (compiled !== null) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: true });
  compiled = {
    top: ajv.compile(TOP_SCHEMA),
    parallel: ajv.compile(PARALLEL_SCHEMA),
    step: {
      1: Object.fromEntries(Object.entries(STEP_SCHEMAS[1]).map(([op, schema]) => [op, ajv.compile(schema)])),
      2: Object.fromEntries(Object.entries(STEP_SCHEMAS[2]).map(([op, schema]) => [op, ajv.compile(schema)])),
    },
  };
  return compiled;
}
const V2_HINT = 'version 2 of the format has it: add "version": 2 at the top of the file (docs/scenario-format.md#version-2)';

/** Parses and checks scenario text; `file` names it in messages. */
export function parseScenario(file: string, text: string): LoadedScenario {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InvalidScenario(file, [new ScenarioError(file, `not valid JSON: ${(e as Error).message}`)]);
  }
  const deep = tooDeep(data);
  if (deep !== null) {
    const field = deep.replace(/^steps\.(\d+)(\.|$)/, "");
    const index = /^steps\.(\d+)/.exec(deep);
    throw new InvalidScenario(file, [new ScenarioError(file, `nests deeper than ${MAX_JSON_DEPTH} arrays and objects`, index === null ? undefined : { index: Number(index[1]) }, field === "" ? deep : field.split(".").slice(0, 3).join(".") + (field.split(".").length > 3 ? "…" : ""))]);
  }
  const problems = checkShape(file, data);
  if (problems.length === 0) {
    const scenario = data as Scenario;
    if (scenario.profile !== undefined && !isProfileName(scenario.profile)) {
      problems.push(new ScenarioError(file, `unknown profile '${scenario.profile}' (known: seed, ray, ray-2.49)`, undefined, "profile"));
    }
    problems.push(...checkLabels(file, scenario));
  }
  if (problems.length > 0) throw new InvalidScenario(file, problems.slice(0, 20));
  return { file, scenario: data as Scenario };
}

function checkShape(file: string, data: unknown): ScenarioError[] {
  const { top: validateTop, parallel: validateParallel } = validators();
  if (!validateTop(data)) return ajvProblems(file, validateTop.errors ?? [], undefined, 1);
  const version = (data as { version?: 2 }).version ?? 1;
  const problems: ScenarioError[] = [];
  if (version === 1 && (data as { gcsStorage?: unknown }).gcsStorage !== undefined) problems.push(new ScenarioError(file, `unknown field in version 1; ${V2_HINT}`, undefined, "gcsStorage"));
  (data as unknown as Scenario).steps.forEach((item: Item, index) => {
    if (item !== null && typeof item === "object" && "parallel" in item) {
      if (!validateParallel(item)) {
        problems.push(...ajvProblems(file, validateParallel.errors ?? [], { index }, version));
        return;
      }
      item.parallel.forEach((list, l) => list.forEach((step, p) => problems.push(...checkStep(file, step, { index, list: l, position: p }, version))));
    } else {
      problems.push(...checkStep(file, item, { index }, version));
    }
  });
  return problems;
}

function checkStep(file: string, step: unknown, path: StepPath, version: 1 | 2): ScenarioError[] {
  if (step === null || typeof step !== "object" || Array.isArray(step)) return [new ScenarioError(file, "a step must be an object", path)];
  const op = (step as { do?: unknown }).do;
  if (op === undefined) return [new ScenarioError(file, "missing the operation", path, "do")];
  const validateStep = validators().step;
  if (typeof op !== "string" || validateStep[version][op] === undefined) {
    const hint = version === 1 && (V2_ONLY.ops as readonly unknown[]).includes(op) ? `; ${V2_HINT}` : "";
    return [new ScenarioError(file, `unknown operation ${JSON.stringify(op)} (known: ${Object.keys(STEP_SCHEMAS[version]).join(", ")})${hint}`, path, "do")];
  }
  const validate = validateStep[version][op];
  return validate(step) ? [] : ajvProblems(file, validate.errors ?? [], path, version);
}

/** Turns Ajv's errors into messages naming the field; keeps the most specific of each field. */
function ajvProblems(file: string, errors: readonly ErrorObject[], path: StepPath | undefined, version: 1 | 2): ScenarioError[] {
  const byField = new Map<string, ScenarioError>();
  for (const err of errors) {
    const parts = err.instancePath.split("/").filter((s) => s !== "");
    let field = parts.join(".");
    let detail = err.message ?? "is invalid";
    if (err.keyword === "additionalProperties") {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      field = [...parts, extra].join(".");
      const v2 = parts.length === 0 ? (V2_ONLY.fields as readonly string[]).includes(extra) : parts[parts.length - 1] === "expect" && (V2_ONLY.expectations as readonly string[]).includes(extra);
      detail = version === 1 && v2 ? `unknown field in version 1; ${V2_HINT}` : "unknown field";
    } else if (err.keyword === "required") {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      field = [...parts, missing].join(".");
      detail = "missing required field";
    } else if (err.keyword === "enum") {
      detail = `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    } else if (err.keyword === "const" && field === "version") {
      detail = "must be 2 (a version-1 file has no version field)";
    } else if (err.keyword === "oneOf") {
      detail = /namespace$/.test(field) ? 'must be a string or { "of": <driver label> }' : "must be a string or an object of the documented form";
    }
    if (path === undefined && parts[0] === "steps" && parts.length >= 1) {
      // A top-level error about a step (for example steps is not an array) still names it.
      field = parts.join(".");
    }
    if (!byField.has(field) || ["additionalProperties", "required", "oneOf"].includes(err.keyword)) {
      byField.set(field, new ScenarioError(file, detail, path, field === "" ? undefined : field));
    }
  }
  return [...byField.values()];
}
