/**
 * The JSON Schema of scenario format version 1 (docs/scenario-format.md),
 * checked with Ajv. Each operation has its own schema (chosen by `do`), so an
 * error names the exact field that is wrong or unknown.
 */

const json = {};
const nonEmpty = { type: "string", minLength: 1 };
const namespaceRef = {
  oneOf: [
    { type: "string" },
    { type: "object", required: ["of"], additionalProperties: false, properties: { of: { type: "string" } } },
  ],
};
const expect = {
  type: "object",
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    actor: { type: "string" },
    value: json,
    error: { enum: ["NameTaken", "NotFound", "ActorDied", "InvalidArgument"] },
    names: {
      type: "array",
      items: {
        oneOf: [
          { type: "string" },
          {
            type: "object",
            required: ["name", "namespace"],
            additionalProperties: false,
            properties: { name: { type: "string" }, namespace: namespaceRef },
          },
        ],
      },
    },
    state: { enum: ["DEPENDENCIES_UNREADY", "PENDING_CREATION", "ALIVE", "RESTARTING", "DEAD"] },
  },
};

function op(name: string, required: string[], fields: Record<string, unknown>, byRequired = true) {
  return {
    type: "object",
    required: byRequired ? ["by", "do", ...required] : ["do", ...required],
    additionalProperties: false,
    properties: { by: nonEmpty, do: { const: name }, expect, ...fields },
  };
}

const lifetime = { type: "string" };

export const STEP_SCHEMAS: Record<string, object> = {
  init: op("init", [], { namespace: namespaceRef, defaultLifetime: lifetime }),
  create: op("create", ["class"], {
    class: { enum: ["Counter", "Greeter"] },
    args: { type: "array" },
    name: { type: "string" },
    namespace: namespaceRef,
    lifetime,
    getIfExists: { type: "boolean" },
    maxRestarts: { type: "integer" },
    as: nonEmpty,
  }),
  get: op("get", ["name"], { name: { type: "string" }, namespace: namespaceRef, as: nonEmpty }),
  call: op("call", ["actor", "method"], { actor: nonEmpty, method: { type: "string" }, args: { type: "array" } }),
  kill: op("kill", ["actor"], { actor: nonEmpty, noRestart: { type: "boolean" } }),
  drop: op("drop", ["actor"], { actor: nonEmpty }),
  exit: op("exit", [], {}),
  crash: op("crash", ["actor"], { actor: nonEmpty }, false),
  list: op("list", [], { allNamespaces: { type: "boolean" } }),
  state: op("state", ["actor"], { actor: nonEmpty }),
};

export const TOP_SCHEMA = {
  type: "object",
  required: ["title", "steps"],
  additionalProperties: false,
  properties: {
    title: { type: "string", minLength: 1 },
    about: { type: "string" },
    profile: { type: "string" },
    steps: { type: "array", minItems: 1 },
  },
};

export const PARALLEL_SCHEMA = {
  type: "object",
  required: ["parallel"],
  additionalProperties: false,
  properties: {
    parallel: { type: "array", minItems: 1, items: { type: "array", minItems: 1 } },
  },
};
