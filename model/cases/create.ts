import { castDraft } from "immer";
import type { Command } from "../command.js";
import { CLASSES, isClassName } from "../classes.js";
import { fail, reply, type D, type Effects } from "../effects.js";
import { ACTOR_INITIAL } from "../lifecycle.js";
import { PROFILES } from "../profile.js";
import { bug } from "../mutants.js";
import type { CreateRequest, Inflight } from "../state.js";
import { isJobId, ownerRef, selectCallerJob } from "../state.js";
import { addHandle, callerCanRun, lookup } from "./common.js";

type Create = Extract<Command, { type: "create" }>;

/**
 * `Class.options(...).remote(...)`. Split into Ray's atomic steps:
 * - named: a lookup (the Python pre-check), then the GCS registration;
 * - get-or-create: a lookup, then a registration, then (on a lost race) a lookup again;
 * - unnamed: the registration alone.
 * This case runs the first step; `continueCommand` runs the rest.
 */
export function create(d: D, cmd: Create, fx: Effects): void {
  const caller = cmd.caller;
  if (!callerCanRun(d, caller, fx)) return;
  const request = validateOptions(d, cmd, fx);
  if (request === null) return;
  // The constructor's arguments are only bound when a creation goes ahead:
  // an existing actor found by get-or-create, or a name already taken, wins.
  const argsProblem = classAndArgsProblem(cmd);
  const badArgs = (): void => fail(fx, caller, "InvalidArgument", argsProblem as string, "validate.args");
  if (request.name === null) {
    if (argsProblem !== null) badArgs();
    else register(d, caller, request, fx);
    return;
  }
  const existing = lookup(d, request.namespace, request.name);
  if (cmd.getIfExists === true && existing !== undefined) {
    if (bug(d, "get-or-create-new-args") && argsProblem === null) {
      const actor = d.actors[existing]!;
      actor.args = request.args as never;
      if (actor.data !== null) actor.data = CLASSES[actor.cls].construct(request.args) as never;
    }
    addHandle(d, caller, existing, "weak");
    reply(fx, caller, { kind: "handle", actor: existing }, "getIfExists.existing");
    return;
  }
  if (existing !== undefined) {
    fail(fx, caller, "NameTaken", precheckMessage(request.name, cmd.namespace), "create.precheckTaken");
    return;
  }
  if (argsProblem !== null) {
    badArgs();
    return;
  }
  d.inflight[caller] = castDraft({ op: cmd.getIfExists === true ? "getIfExists" : "create", next: "register", request } as const);
}

/** What is wrong with the class or the constructor's arguments, or null. */
function classAndArgsProblem(cmd: Create): string | null {
  if (!isClassName(cmd.cls)) return `Unknown actor class ${cmd.cls}`;
  return CLASSES[cmd.cls].checkArgs(cmd.args ?? []);
}

/** The next atomic step of a creation the caller has begun. */
export function continueCreate(d: D, caller: string, inflight: Exclude<Inflight, { op: "call" }>, fx: Effects): void {
  delete d.inflight[caller];
  const { request } = inflight;
  const name = request.name as string;
  if (inflight.next === "register") {
    if (register(d, caller, request, fx)) return;
    const message = `Actor with name '${name}' already exists in the namespace ${request.namespace}`;
    if (inflight.op === "create") fail(fx, caller, "NameTaken", message, "create.registerTaken");
    else if (bug(d, "get-or-create-not-found")) fail(fx, caller, "NotFound", notFoundMessage(name), "getIfExists.lookupError");
    else d.inflight[caller] = castDraft({ op: "getIfExists", next: "lookupAgain", request, createError: message } as const);
    return;
  }
  const existing = lookup(d, request.namespace, name);
  if (existing !== undefined) {
    addHandle(d, caller, existing, "weak");
    reply(fx, caller, { kind: "handle", actor: existing }, "getIfExists.lostRace");
  } else if (PROFILES[d.profile].getIfExistsReraisesCreateError) {
    fail(fx, caller, "NameTaken", inflight.createError, "getIfExists.reraise");
  } else {
    fail(fx, caller, "NotFound", notFoundMessage(name), "getIfExists.lookupError");
  }
}

/** Ray's message when a lookup misses. */
export function notFoundMessage(name: string): string {
  return `Failed to look up actor with name '${name}'. This could because 1. You are trying to look up a named actor you didn't create. 2. The named actor died. 3. You did not use a namespace matching the namespace of the actor.`;
}

function precheckMessage(name: string, namespaceOption: string | undefined): string {
  const ns = namespaceOption ?? "None";
  return `The name ${name} (namespace=${ns}) is already taken. Please use a different name or get the existing actor using ray.get_actor('${name}', namespace='${ns}')`;
}

/**
 * Ray's option checks (docs/semantics.md#option-validation: at `.options()`, before any
 * lookup), then the request with namespace and lifetime resolved. The class
 * and arguments are checked later, only if a creation goes ahead.
 */
function validateOptions(d: D, cmd: Create, fx: Effects): CreateRequest | null {
  const bad = (message: string, rule: Parameters<typeof fail>[4]): null => {
    fail(fx, cmd.caller, "InvalidArgument", message, rule);
    return null;
  };
  if (cmd.getIfExists === true && cmd.name === undefined) return bad("The actor name must be specified to use `get_if_exists`.", "validate.getIfExistsName");
  if (cmd.lifetime !== undefined && cmd.lifetime !== "detached" && cmd.lifetime !== "non_detached") {
    return bad("actor `lifetime` argument must be one of 'detached', 'non_detached' and 'None'.", "validate.lifetime");
  }
  if (cmd.maxRestarts !== undefined && (!Number.isInteger(cmd.maxRestarts) || cmd.maxRestarts < -1)) {
    return bad("The keyword 'max_restarts' only accepts -1, 0 or a positive integer.", "validate.maxRestarts");
  }
  if (cmd.name === "") return bad("Actor name cannot be an empty string.", "validate.name");
  if (cmd.namespace === "") return bad('"" is not a valid namespace. Pass None to not specify a namespace.', "validate.namespace");
  const job = selectCallerJob(d, cmd.caller);
  const lifetime = cmd.lifetime ?? job.defaultLifetime;
  return {
    cls: cmd.cls as CreateRequest["cls"], // checked before registration
    args: cmd.args ?? [],
    name: cmd.name ?? null,
    namespace: cmd.namespace ?? job.namespace,
    detached: lifetime === "detached",
    maxRestarts: cmd.maxRestarts ?? 0,
  };
}

/**
 * GCS `RegisterActor`: atomically claims the name (if any) and records the
 * actor; the creator gets the original, strong handle. Returns false when the
 * name is taken.
 */
function register(d: D, caller: string, request: CreateRequest, fx: Effects): boolean {
  if (request.name !== null && lookup(d, request.namespace, request.name) !== undefined) return false;
  d.counters.actor += 1;
  const id = `a${d.counters.actor}`;
  const creator = ownerRef(d, caller);
  const callerActor = isJobId(caller) ? undefined : d.actors[caller];
  d.actors[id] = {
    id,
    cls: request.cls,
    args: request.args as never,
    name: request.name,
    namespace: request.namespace,
    detached: request.detached,
    owner: request.detached ? null : creator,
    creator,
    job: callerActor === undefined ? caller : callerActor.job,
    root: request.detached ? id : (callerActor?.root ?? null),
    lifecycle: ACTOR_INITIAL,
    maxRestarts: request.maxRestarts,
    numRestarts: 0,
    incarnation: 0,
    deathCause: null,
    outOfScope: false,
    data: null,
  };
  if (request.name !== null) (d.names[request.namespace] ??= {})[request.name] = id;
  addHandle(d, caller, id, "strong");
  reply(fx, caller, { kind: "handle", actor: id }, request.detached ? "create.detached" : "create.registered");
  return true;
}
