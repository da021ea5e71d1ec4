import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { ACTOR_STATES, DEATH_CAUSES, ERROR_KINDS, MAX_JSON_DEPTH } from "../model/index.js";
import { PROTOCOL_VERSION } from "./protocol.js";

/*
 * The JSON Schemas of the adapter protocol (docs/adapter-protocol.md), checked
 * with Ajv as scenarios are. Both sides use them: `rollcall serve-model`
 * checks every request it reads (and answers a malformed one with a BadRequest
 * error), and the harness checks `hello` and every reply, each against the
 * schema of the request it answers, so a verdict names the field.
 */

/** The error kind of a reply to a request the implementation cannot read or that breaks the protocol. */
export const BAD_REQUEST = "BadRequest";

/** Every error kind a reply may carry: the scenario format's, Internal, and BadRequest. */
export const REPLY_ERROR_KINDS: readonly string[] = [...ERROR_KINDS, "Internal", BAD_REQUEST];

/** How deep `args` may nest (deeper arrays or objects are refused rather than run out of stack). */
export const MAX_ARGS_DEPTH = MAX_JSON_DEPTH;

const id = { type: "integer", minimum: 1 };
const nonEmpty = { type: "string", minLength: 1 };
const namespace = {
  oneOf: [
    { type: "string" },
    { type: "object", required: ["of"], additionalProperties: false, properties: { of: nonEmpty } },
  ],
};
/** `{ "driver": label }` or `{ "actor": handle id }`, exactly one of them. */
const caller = {
  type: "object", minProperties: 1, maxProperties: 1, additionalProperties: false,
  properties: { driver: nonEmpty, actor: nonEmpty },
};
const driverOnly = { type: "object", required: ["driver"], additionalProperties: false, properties: { driver: nonEmpty } };

function step(name: string, required: string[], fields: Record<string, unknown>, withCaller = true): object {
  return {
    type: "object",
    required: ["id", "type", "do", ...(withCaller ? ["caller"] : []), ...required],
    additionalProperties: false,
    properties: { id, type: { const: "step" }, do: { const: name }, ...(withCaller ? { caller } : {}), ...fields },
  };
}

/** A `step` request, one schema per operation (chosen by `do`). */
export const STEP_REQUEST_SCHEMAS: Readonly<Record<string, object>> = {
  init: step("init", [], { caller: driverOnly, namespace, defaultLifetime: { type: "string" }, node: nonEmpty }),
  create: step("create", ["class"], {
    class: nonEmpty, args: { type: "array" }, name: { type: "string" }, namespace, lifetime: { type: "string" },
    getIfExists: { type: "boolean" }, maxRestarts: { type: "integer" }, node: nonEmpty, soft: { type: "boolean" }, initFails: { enum: ["raise", "exit", "exit0"] },
  }),
  get: step("get", ["name"], { name: { type: "string" }, namespace }),
  call: step("call", ["actor", "method"], { actor: nonEmpty, method: nonEmpty, args: { type: "array" } }),
  kill: step("kill", ["actor"], { actor: nonEmpty, noRestart: { type: "boolean" } }),
  drop: step("drop", ["actor"], { actor: nonEmpty }),
  exit: step("exit", [], {}),
  list: step("list", [], { allNamespaces: { type: "boolean" } }),
  state: step("state", ["actor"], { actor: nonEmpty }),
  crash: step("crash", ["actor"], { actor: nonEmpty }, false),
  // Format version 2 (nodes): node ids are those addNode returned, or "head".
  addNode: step("addNode", [], {}, false),
  killNode: step("killNode", ["node"], { node: nonEmpty }, false),
  drainNode: step("drainNode", ["node", "reason"], { node: nonEmpty, reason: { enum: ["preemption", "idle"] } }, false),
  deathCause: step("deathCause", ["actor"], { actor: nonEmpty }),
  placement: step("placement", ["actor"], { actor: nonEmpty }),
  // Format version 2 (feature gcs): the GCS stopped, started again, or both.
  stopGcs: step("stopGcs", [], {}, false),
  startGcs: step("startGcs", [], {}, false),
  restartGcs: step("restartGcs", [], {}, false),
};

/** The other requests, one schema per `type`. */
export const REQUEST_SCHEMAS: Readonly<Record<string, object>> = {
  hello: { type: "object", required: ["id", "type", "protocol"], additionalProperties: false, properties: { id, type: { const: "hello" }, protocol: { enum: [PROTOCOL_VERSION] } } },
  reset: { type: "object", required: ["id", "type", "profile"], additionalProperties: false, properties: { id, type: { const: "reset" }, profile: nonEmpty, gcsStorage: { enum: ["redis", "none"] } } },
  settle: { type: "object", required: ["id", "type"], additionalProperties: false, properties: { id, type: { const: "settle" } } },
  shutdown: { type: "object", required: ["id", "type"], additionalProperties: false, properties: { id, type: { const: "shutdown" } } },
};

/**
 * A reply's envelope: `ok` with a `result` object, or not `ok` with an
 * `error`. The id is the request's; it is null only in a BadRequest reply to
 * a line that had no usable id.
 */
export const REPLY_SCHEMA = {
  oneOf: [
    {
      type: "object", required: ["id", "ok", "result"], additionalProperties: false,
      properties: { id, ok: { const: true }, result: { type: "object" } },
    },
    {
      type: "object", required: ["id", "ok", "error"], additionalProperties: false,
      properties: {
        id: { anyOf: [id, { type: "null" }] },
        ok: { const: false },
        error: { type: "object", required: ["kind", "message"], properties: { kind: { enum: REPLY_ERROR_KINDS }, message: { type: "string" } } },
      },
    },
  ],
};

const result = (required: string[], properties: Record<string, unknown>) => ({ type: "object", required, properties });
const anyJson = {};

/**
 * What a successful reply's `result` holds, by the request it answers:
 * `hello`, `reset`, `settle`, `shutdown`, and a step by its `do` (`list` with
 * `allNamespaces` is `list-all`). Fields not listed here are allowed and ignored.
 */
export const RESULT_SCHEMAS: Readonly<Record<string, object>> = {
  hello: result(["name", "version", "profiles"], { name: nonEmpty, version: { type: "string" }, profiles: { type: "array", items: nonEmpty }, formats: { type: "array", items: { enum: [1, 2] } }, features: { type: "array", items: nonEmpty } }),
  reset: result([], {}),
  settle: result([], {}),
  shutdown: result([], {}),
  init: result(["namespace"], { namespace: { type: "string" } }),
  create: result(["handle"], { handle: nonEmpty }),
  get: result(["handle"], { handle: nonEmpty }),
  call: result(["value"], { value: anyJson }),
  list: result(["names"], { names: { type: "array", items: { type: "string" } } }),
  "list-all": result(["names"], {
    names: { type: "array", items: { type: "object", required: ["name", "namespace"], properties: { name: { type: "string" }, namespace: { type: "string" } } } },
  }),
  state: result(["state"], { state: { enum: [...ACTOR_STATES] } }),
  kill: result([], {}),
  drop: result([], {}),
  exit: result([], {}),
  crash: result([], {}),
  addNode: result(["node"], { node: nonEmpty }),
  killNode: result([], {}),
  drainNode: result(["accepted"], { accepted: { type: "boolean" } }),
  deathCause: result(["cause"], { cause: { anyOf: [{ enum: [...DEATH_CAUSES] }, { type: "null" }] } }),
  placement: result(["node"], { node: { anyOf: [nonEmpty, { type: "null" }] } }),
};

// Compiled on first use, each schema once: compiling them all costs about 0.4 s, which a command that
// never speaks the protocol (check, simulate, …) should not pay just because cli/main imports adapters/process.
let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();
function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (v === undefined) {
    ajv ??= new Ajv({ allErrors: true, strict: true });
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}
const schemaOf = (schemas: Readonly<Record<string, object>>, key: unknown): object | undefined =>
  typeof key === "string" && Object.hasOwn(schemas, key) ? schemas[key] : undefined;

const list = (keys: Iterable<string>) => [...keys].map((k) => JSON.stringify(k)).join(", ");
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** A request's problem: the id to answer (null when it has none usable) and what is wrong, naming the field. */
export interface RequestProblem {
  readonly id: number | null;
  readonly message: string;
}

/** Why a value read from a line is not a request of the protocol, or null when it is one. */
export function requestProblem(value: unknown): RequestProblem | null {
  if (!isObject(value)) return { id: null, message: `a request must be a JSON object, got ${describe(value)}` };
  const rid = Number.isInteger(value.id) && (value.id as number) >= 1 ? (value.id as number) : null;
  const fail = (message: string): RequestProblem => ({ id: rid, message });
  if (rid === null) return fail(value.id === undefined ? "id: missing required field" : `id: must be a positive integer, got ${describe(value.id)}`);
  const type = value.type;
  if (type === undefined) return fail("type: missing required field");
  if (type === "step") {
    const op = value.do;
    if (op === undefined) return fail("do: missing required field");
    const schema = schemaOf(STEP_REQUEST_SCHEMAS, op);
    if (schema === undefined) return fail(`do: unknown operation ${describe(op)} (known: ${list(Object.keys(STEP_REQUEST_SCHEMAS))})`);
    const validate = validator(schema);
    if (!validate(value)) return fail(ajvMessage(validate.errors ?? [], ""));
    const depth = argsTooDeep(value.args);
    return depth ? fail(`args: nested deeper than ${MAX_ARGS_DEPTH} levels`) : null;
  }
  const schema = schemaOf(REQUEST_SCHEMAS, type);
  if (schema === undefined) return fail(`type: unknown request type ${describe(type)} (known: ${list([...Object.keys(REQUEST_SCHEMAS), "step"])})`);
  const validate = validator(schema);
  return validate(value) ? null : fail(ajvMessage(validate.errors ?? [], ""));
}

/**
 * Why a value read from a line is not a reply of the protocol, or null when
 * it is one. Checks the envelope only: `resultProblem` checks what the result
 * holds, once the request it answers is known.
 */
export function replyProblem(value: unknown): string | null {
  if (!isObject(value)) return `a reply must be a JSON object, got ${describe(value)}`;
  const validateReply = validator(REPLY_SCHEMA);
  if (validateReply(value) as boolean) return null; // (not as a type guard: the branch below still reads the object)
  // oneOf reports both branches: keep the branch the reply meant (by its ok).
  const branch = value.ok === true ? "/oneOf/0/" : value.ok === false ? "/oneOf/1/" : null;
  if (branch === null) return value.ok === undefined ? "reply.ok: missing required field" : `reply.ok: must be true or false, got ${describe(value.ok)}`;
  const errors = (validateReply.errors ?? []).filter((e) => e.schemaPath.includes(branch));
  return ajvMessage(errors, "reply");
}

/**
 * The key of RESULT_SCHEMAS for a request: its type, or for a step its
 * operation (`list-all` for a list with allNamespaces).
 */
export function resultKind(request: { readonly type: string; readonly do?: string; readonly allNamespaces?: boolean }): string {
  if (request.type !== "step") return request.type;
  return request.do === "list" && request.allNamespaces === true ? "list-all" : String(request.do);
}

/** Why a successful reply's result does not fit the request it answers (`kind` from resultKind), or null. Fields are named `<request>.<field>`. */
export function resultProblem(kind: string, result: unknown): string | null {
  const schema = schemaOf(RESULT_SCHEMAS, kind);
  if (schema === undefined) return null;
  const validate = validator(schema);
  const prefix = kind === "list-all" ? "list" : kind;
  return validate(result) ? null : ajvMessage(validate.errors ?? [], prefix);
}

/** A short description of a JSON value for messages. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Ajv's errors as `field: problem` (most specific first, at most three), the field under `prefix`. */
function ajvMessage(errors: readonly ErrorObject[], prefix: string): string {
  const byField = new Map<string, string>();
  for (const err of errors) {
    const parts = err.instancePath.split("/").filter((s) => s !== "");
    let field = parts;
    let detail = err.message ?? "is invalid";
    switch (err.keyword) {
      case "additionalProperties":
        field = [...parts, (err.params as { additionalProperty: string }).additionalProperty];
        detail = "unknown field";
        break;
      case "required":
        field = [...parts, (err.params as { missingProperty: string }).missingProperty];
        detail = "missing required field";
        break;
      case "enum":
        {
          const allowed = (err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v));
          detail = allowed.length === 1 ? `must be ${allowed[0]}` : `must be one of ${allowed.join(", ")}`;
        }
        break;
      case "const":
        detail = `must be ${JSON.stringify((err.params as { allowedValue: unknown }).allowedValue)}`;
        break;
      case "minProperties":
      case "maxProperties":
        detail = parts.at(-1) === "caller" ? 'must be { "driver": <label> } or { "actor": <handle id> }' : detail;
        break;
      case "oneOf":
      case "anyOf":
        detail = parts.at(-1) === "namespace" ? 'must be a string or { "of": <driver label> }' : parts.at(-1) === "id" ? "must be a positive integer or null" : "does not fit any documented form";
        break;
    }
    const name = [prefix, ...field].filter((s) => s !== "").join(".") || prefix || "request";
    // The most telling error of a field wins: unknown, missing, either-or; otherwise the first.
    if (!byField.has(name) || ["additionalProperties", "required", "oneOf", "anyOf"].includes(err.keyword)) byField.set(name, detail);
  }
  // A oneOf's branch errors (namespace: must be string, must be object) are covered by its own message.
  const entries = [...byField].filter(([name], _, all) => !all.some(([other]) => other !== name && name.startsWith(`${other}.`) && byField.get(other)?.startsWith("must be a string or")));
  return entries.slice(0, 3).map(([name, detail]) => `${name}: ${detail}`).join("; ") || `${prefix || "request"}: is invalid`;
}

/** True when `args` nests deeper than MAX_ARGS_DEPTH (checked without recursion). */
function argsTooDeep(args: unknown): boolean {
  const stack: [unknown, number][] = [[args, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (depth >= MAX_ARGS_DEPTH) return true;
    for (const child of Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return false;
}
