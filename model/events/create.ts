import { castDraft } from "immer";
import type { Command } from "../command.js";
import { CLASSES, isClassName } from "../classes.js";
import { fail, reply, type D, type Effects } from "../effects.js";
import { ACTOR_INITIAL } from "../lifecycle.js";
import { PROFILES } from "../profile.js";
import type { MutantName } from "../mutants.js";
import type { CreateRequest, Inflight, State } from "../state.js";
import { isJobId, ownerRef, selectCallerJob } from "../state.js";
import { addHandle, callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys, lookup } from "./common.js";
import { defineCommand, type BugDef, type Keys } from "./define.js";

/**
 * `Class.options(...).remote(...)`. Split into Ray's atomic steps:
 * - named: a lookup (the Python pre-check), then the GCS registration;
 * - get-or-create: a lookup, then a registration, then (on a lost race) a lookup again;
 * - unnamed: the registration alone.
 * `apply` runs the first step; `continue` (the `continue` command) the rest.
 */
export const rules = {
  "validate.name": ["An actor name must be a non-empty string.", "docs/semantics.md#validate.name"],
  "validate.namespace": ["A namespace must be a non-empty string.", "docs/semantics.md#validate.namespace"],
  "validate.getIfExistsName": ["get_if_exists needs a name.", "docs/semantics.md#validate.getIfExistsName"],
  "validate.lifetime": ["lifetime must be 'detached' or 'non_detached'.", "docs/semantics.md#validate.lifetime"],
  "validate.maxRestarts": ["max_restarts must be -1, 0 or a positive integer.", "docs/semantics.md#validate.maxRestarts"],
  "validate.args": ["The constructor's arguments must fit its signature.", "docs/semantics.md#validate.args"],
  "create.precheckTaken": ["Creating a named actor first looks the name up; a registered actor holding it makes the creation fail.", "docs/semantics.md#create.precheckTaken"],
  "create.registerTaken": ["The GCS registers a name atomically; when another actor got there first, the creation fails.", "docs/semantics.md#create.registerTaken"],
  "create.registered": ["The GCS registered the actor (and its name); the creator holds the original, strong handle and owns a non-detached actor.", "docs/semantics.md#create.registered"],
  "create.detached": ["A detached actor has no owner; it lives until it is killed or dies for good.", "docs/semantics.md#create.detached"],
  "getIfExists.existing": ["get_if_exists returns the existing actor, ignoring the new arguments and options; the handle is weak and does not own it.", "docs/semantics.md#getIfExists.existing"],
  "getIfExists.lostRace": ["get_if_exists lost the registration race and looked the name up again, finding the winner.", "docs/semantics.md#getIfExists.lostRace"],
  "getIfExists.reraise": ["get_if_exists lost the race and the winner was already gone: the creation error is raised again.", "docs/semantics.md#getIfExists.reraise"],
  "getIfExists.lookupError": ["get_if_exists lost the race and the winner was already gone: the final lookup's NotFound surfaces.", "docs/semantics.md#getIfExists.lookupError"],
} as const;

type Create = Extract<Command, { type: "create" }>;

/** Where the seeded bugs of get-or-create change it. */
interface Variant {
  /** get_if_exists that finds the actor re-runs its constructor with the new arguments. */
  readonly rerunConstructor: boolean;
  /** get_if_exists that loses the registration race raises NotFound instead of looking again. */
  readonly lostRaceNotFound: boolean;
}
const RAY: Variant = { rerunConstructor: false, lostRaceNotFound: false };

function apply(d: D, cmd: Create, fx: Effects, variant: Variant = RAY): void {
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
    if (variant.rerunConstructor && argsProblem === null) {
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

/** The next atomic step of a creation the caller has begun. */
function continueCreate(d: D, caller: string, inflight: Inflight, fx: Effects, variant: Variant = RAY): void {
  if (inflight.op === "call") throw new Error(`continue: ${caller}'s command in flight is a call, not a creation`);
  delete d.inflight[caller];
  const { request } = inflight;
  const name = request.name as string;
  if (inflight.next === "register") {
    if (register(d, caller, request, fx)) return;
    const message = `Actor with name '${name}' already exists in the namespace ${request.namespace}`;
    if (inflight.op === "create") fail(fx, caller, "NameTaken", message, "create.registerTaken");
    else if (variant.lostRaceNotFound) fail(fx, caller, "NotFound", notFoundMessage(name), "getIfExists.lookupError");
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

/** What is wrong with the class or the constructor's arguments, or null. */
function classAndArgsProblem(cmd: Create): string | null {
  if (!isClassName(cmd.cls)) return `Unknown actor class ${cmd.cls}`;
  return CLASSES[cmd.cls].checkArgs(cmd.args ?? []);
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
    ...(cmd.node === undefined ? {} : { affinity: { node: cmd.node, soft: cmd.soft ?? false } }),
    ...(cmd.initFails === undefined ? {} : { initFails: cmd.initFails }),
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
    ...(request.affinity === undefined ? {} : { affinity: request.affinity }),
    ...(request.initFails === undefined ? {} : { initFails: request.initFails }),
  };
  if (request.name !== null) (d.names[request.namespace] ??= {})[request.name] = id;
  addHandle(d, caller, id, "strong");
  reply(fx, caller, { kind: "handle", actor: id }, request.detached ? "create.detached" : "create.registered");
  return true;
}

/** The footprint of `apply`: which branch it takes decides what it touches. */
function footprint(s: State, e: Create, k: Keys, variant: Variant = RAY): void {
  if (!callerCanRunKeys(s, e.caller, k)) return;
  // Option checks read only the command and the caller's job's immutable fields; a failed one touches nothing.
  if (e.getIfExists === true && e.name === undefined) return;
  if (e.lifetime !== undefined && e.lifetime !== "detached" && e.lifetime !== "non_detached") return;
  if (e.maxRestarts !== undefined && (!Number.isInteger(e.maxRestarts) || e.maxRestarts < -1)) return;
  if (e.name === "" || e.namespace === "") return;
  const ns = e.namespace ?? selectCallerJob(s, e.caller).namespace;
  if (e.name === undefined) {
    registerKeys(s, e.caller, ns, null, k);
    return;
  }
  k.read(`name:${ns}/${e.name}`);
  const existing = s.names[ns]?.[e.name];
  if (e.getIfExists === true && existing !== undefined) {
    if (variant.rerunConstructor) {
      k.write(`args:${existing}`);
      k.write(`data:${existing}`);
    }
    k.write(`handles:${e.caller}:${existing}`);
    return;
  }
  if (existing !== undefined) return;
  k.write(`inflight:${e.caller}`);
}

/** The footprint of `continue` for a creation (the `inflight:` key is the continue command's). */
function continueFootprint(s: State, caller: string, f: Inflight, k: Keys): void {
  if (f.op === "call") return;
  const request = f.request;
  const name = request.name as string;
  k.read(`name:${request.namespace}/${name}`);
  const holder = s.names[request.namespace]?.[name];
  if (f.next === "register") {
    if (holder === undefined) registerKeys(s, caller, request.namespace, name, k);
    return;
  }
  if (holder !== undefined) k.write(`handles:${caller}:${holder}`);
}

/** The footprint of `register` once the name is known free: a new actor, its name, the creator's handle. */
function registerKeys(s: State, caller: string, ns: string, name: string | null, k: Keys): void {
  k.write("counter:actor");
  const id = `a${s.counters.actor + 1}`;
  k.write(`actor:${id}`);
  k.write(`dead:${id}`);
  k.write(`data:${id}`);
  k.write(`args:${id}`);
  if (!isJobId(caller)) k.read(`actor:${caller}`);
  if (name !== null) k.write(`name:${ns}/${name}`);
  k.write(`handles:${caller}:${id}`);
}

export const create = defineCommand({
  type: "create",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply: (d, cmd, fx) => apply(d, cmd, fx),
  footprint: (s, cmd, k) => footprint(s, cmd, k),
  continue: (d, caller, inflight, fx) => continueCreate(d, caller, inflight, fx),
  continueFootprint,
});

/** The seeded bugs of get-or-create. */
export const bugs = {
  "get-or-create-new-args": {
    summary: "get_if_exists that finds the actor re-runs its constructor with the new arguments",
    law: "get-if-exists-ignores-arguments",
    overrides: {
      create: {
        apply: (d, cmd, fx) => apply(d, cmd as Create, fx, { ...RAY, rerunConstructor: true }),
        footprint: (s, cmd, k) => footprint(s, cmd as Create, k, { ...RAY, rerunConstructor: true }),
      },
    },
  },
  "get-or-create-not-found": {
    summary: "get_if_exists that loses the registration race raises NotFound instead of looking the winner up (Ray issue #48856)",
    law: "get-if-exists-finds-or-creates",
    overrides: {
      create: { continue: (d, caller, inflight, fx) => continueCreate(d, caller, inflight, fx, { ...RAY, lostRaceNotFound: true }) },
    },
  },
} as const satisfies Partial<Record<MutantName, BugDef>>;
