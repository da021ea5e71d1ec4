/**
 * The JSON Schemas of scenario format versions 1 and 2
 * (docs/scenario-format.md), checked with Ajv. Each operation has its own
 * schema (chosen by `do`), so an error names the exact field that is wrong or
 * unknown. Version 2 is version 1 with nodes: more operations, more fields
 * and expectations, never a change of what a version-1 field means.
 */

import { DEATH_CAUSES, INIT_FAILURES } from "../../model/state.js";

const json = {};
const nonEmpty = { type: "string", minLength: 1 };
const namespaceRef = {
  oneOf: [
    { type: "string" },
    { type: "object", required: ["of"], additionalProperties: false, properties: { of: { type: "string" } } },
  ],
};
const V1_ERRORS = ["NameTaken", "NotFound", "ActorDied", "InvalidArgument"];

const expectOf = (version: 1 | 2) => ({
  type: "object",
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    actor: { type: "string" },
    value: json,
    error: { enum: version === 1 ? V1_ERRORS : [...V1_ERRORS, "ActorUnschedulable"] },
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
    ...(version === 1 ? {} : {
      node: nonEmpty,
      drain: { enum: ["accepted", "rejected"] },
      cause: { enum: [...DEATH_CAUSES, null] },
    }),
  },
});

function opOf(version: 1 | 2) {
  const expect = expectOf(version);
  return (name: string, required: string[], fields: Record<string, unknown>, byRequired = true) => ({
    type: "object",
    required: byRequired ? ["by", "do", ...required] : ["do", ...required],
    additionalProperties: false,
    properties: { by: nonEmpty, do: { const: name }, expect, ...fields },
  });
}

const lifetime = { type: "string" };

function stepSchemas(version: 1 | 2): Record<string, object> {
  const op = opOf(version);
  const node = version === 1 ? {} : { node: nonEmpty };
  const v1: Record<string, object> = {
  init: op("init", [], { namespace: namespaceRef, defaultLifetime: lifetime, ...node }),
  create: op("create", ["class"], {
    class: { enum: ["Counter", "Greeter"] },
    args: { type: "array" },
    name: { type: "string" },
    namespace: namespaceRef,
    lifetime,
    getIfExists: { type: "boolean" },
    maxRestarts: { type: "integer" },
    as: nonEmpty,
    ...node,
    ...(version === 1 ? {} : { soft: { type: "boolean" }, initFails: { enum: [...INIT_FAILURES] } }),
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
  if (version === 1) return v1;
  return {
    ...v1,
    addNode: op("addNode", ["node"], { node: nonEmpty }, false),
    killNode: op("killNode", ["node"], { node: nonEmpty }, false),
    drainNode: op("drainNode", ["node", "reason"], { node: nonEmpty, reason: { enum: ["preemption", "idle"] } }, false),
    deathCause: op("deathCause", ["actor"], { actor: nonEmpty }),
    placement: op("placement", ["actor"], { actor: nonEmpty }),
    stopGcs: op("stopGcs", [], {}, false),
    startGcs: op("startGcs", [], {}, false),
    restartGcs: op("restartGcs", [], {}, false),
  };
}

/** Each version's operations' schemas. */
export const STEP_SCHEMAS: Record<1 | 2, Record<string, object>> = { 1: stepSchemas(1), 2: stepSchemas(2) };

/** The operations, fields and expectations version 2 adds (for the hint a version-1 file that uses one gets). */
export const V2_ONLY = {
  ops: ["addNode", "killNode", "drainNode", "deathCause", "placement", "stopGcs", "startGcs", "restartGcs"],
  fields: ["node", "soft", "initFails"],
  expectations: ["node", "drain", "cause"],
} as const;

export const TOP_SCHEMA = {
  type: "object",
  required: ["title", "steps"],
  additionalProperties: false,
  properties: {
    version: { const: 2 },
    title: { type: "string", minLength: 1 },
    about: { type: "string" },
    profile: { type: "string" },
    gcsStorage: { enum: ["redis", "none"] },
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
