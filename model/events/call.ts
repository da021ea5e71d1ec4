import type { Command } from "../command.js";
import { CLASSES, type ClassData } from "../classes.js";
import { fail, reply, type D, type Effects } from "../effects.js";
import { deathMessage } from "../mechanics.js";
import type { MutantName } from "../mutants.js";
import { selectActor, selectRestartsLeft, type Actor, type Inflight, type State } from "../state.js";
import { callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys, holdsHandle, holdsHandleKeys, waiting } from "./common.js";
import { defineCommand, type BugDef, type Keys } from "./define.js";

/**
 * A method call through a handle: it runs on the actor the handle is bound
 * to, or fails if that actor is DEAD. It waits while that actor is being
 * created or restarted. To an actor that may restart, the call is in flight
 * until the actor runs it (`continue`).
 */
export const rules = {
  "validate.method": ["A call must name a method of the actor's class.", "docs/semantics.md#validate.method"],
  "call.ok": ["The method ran on the actor the handle is bound to.", "docs/semantics.md#call.ok"],
  "call.raised": ["The method raised an exception inside the actor (for example incr on a Counter started with a string).", "docs/semantics.md#call.raised"],
  "call.sent": ["The call is sent to the actor's live process; it is answered when the actor has run it (the actor may restart, so the call is in flight until then).", "docs/semantics.md#call.sent"],
  "call.lostInFlight": ["The actor's process died while the call was in flight: at-most-once (max_task_retries=0), the call fails with RayActorError even if the actor restarts.", "docs/semantics.md#call.lostInFlight"],
  "call.dead": ["A call on a DEAD actor fails with ActorDiedError.", "docs/semantics.md#call.dead"],
} as const;

type Call = Extract<Command, { type: "call" }>;

/** The seeded bug's change: the call goes to whichever live actor holds the handle's name now. */
function apply(d: D, cmd: Call, fx: Effects, followName = false): void {
  if (!callerCanRun(d, cmd.caller, fx) || !holdsHandle(d, cmd.caller, cmd.actor, fx)) return;
  let actor = selectActor(d, cmd.actor);
  if (followName && actor.name !== null) {
    const holder = d.names[actor.namespace]?.[actor.name];
    if (holder !== undefined && holder !== actor.id && d.actors[holder]!.lifecycle === "ALIVE") actor = d.actors[holder]!;
  }
  // The handle checks the method and its arguments before anything is sent,
  // so these fail the same way whether the actor is alive or DEAD (found by
  // rollcall fuzz on Ray: AttributeError, not ActorDiedError).
  const method = CLASSES[actor.cls].methods[cmd.method];
  if (method === undefined) {
    fail(fx, cmd.caller, "InvalidArgument", `'ActorHandle' object has no attribute '${cmd.method}'`, "validate.method");
    return;
  }
  if ((cmd.args ?? []).length > 0) {
    fail(fx, cmd.caller, "InvalidArgument", `${actor.cls}.${cmd.method}() takes no arguments`, "validate.method");
    return;
  }
  if (actor.lifecycle === "DEAD") {
    fail(fx, cmd.caller, actor.deathCause === "UNSCHEDULABLE" ? "ActorUnschedulable" : "ActorDied", deathMessage(actor as Actor), "call.dead");
    return;
  }
  if (actor.lifecycle === "ALIVE" && selectRestartsLeft(actor as Actor) > 0) {
    // At-most-once (max_task_retries=0): the call is in flight until the
    // actor answers; a death of its process in between fails it, restart or not.
    d.inflight[cmd.caller] = { op: "call", next: "execute", actor: actor.id, method: cmd.method, incarnation: actor.incarnation };
    fx.rules.push("call.sent");
    return;
  }
  execute(d, cmd.caller, actor.id, cmd.method, fx);
}

/** A call in flight reaches its actor: it runs if the process it was sent to still lives, else it fails. */
function continueCall(d: D, caller: string, inflight: Inflight, fx: Effects): void {
  if (inflight.op !== "call") throw new Error(`continue: ${caller}'s command in flight is a creation, not a call`);
  delete d.inflight[caller];
  const actor = selectActor(d, inflight.actor);
  if (actor.lifecycle === "ALIVE" && actor.incarnation === inflight.incarnation) {
    execute(d, caller, actor.id, inflight.method, fx);
    return;
  }
  fail(fx, caller, "ActorDied", deathMessage(actor as Actor), "call.lostInFlight");
}

/** Runs a validated method on a live (or about to be restarted) actor and replies with its value. */
function execute(d: D, caller: string, actorId: string, methodName: string, fx: Effects): void {
  const actor = selectActor(d, actorId);
  const method = CLASSES[actor.cls].methods[methodName]!;
  const result = method(actor.data as ClassData);
  if ("raised" in result) {
    // The format has no kind for an exception raised by a method; InvalidArgument is the nearest (REPORT.md).
    fail(fx, caller, "InvalidArgument", result.raised, "call.raised");
    return;
  }
  d.actors[actor.id].data = result.data as never; // not DEAD, so registered
  reply(fx, caller, { kind: "value", value: result.value }, "call.ok");
}

function footprint(s: State, e: Call, k: Keys, followName = false): void {
  if (!callerCanRunKeys(s, e.caller, k) || !holdsHandleKeys(s, e.caller, e.actor, k)) return;
  k.read(`actor:${e.actor}`);
  let actor = selectActor(s, e.actor);
  if (followName && actor.name !== null) {
    k.read(`name:${actor.namespace}/${actor.name}`);
    const holder = s.names[actor.namespace]?.[actor.name];
    if (holder !== undefined && holder !== actor.id) {
      k.read(`actor:${holder}`);
      if (s.actors[holder]!.lifecycle === "ALIVE") actor = s.actors[holder]!;
    }
  }
  if (actor.lifecycle === "DEAD") return;
  if (actor.lifecycle === "ALIVE" && selectRestartsLeft(actor) > 0) {
    k.write(`inflight:${e.caller}`);
    return;
  }
  k.write(`data:${actor.id}`);
}

export const call = defineCommand({
  type: "call",
  enabled: (state, cmd) => callerFree(state, cmd.caller) && !waiting(selectActor(state, cmd.actor)),
  enabling(_, cmd, k) {
    callerFreeKeys(cmd.caller, k);
    k.read(`actor:${cmd.actor}`);
  },
  apply: (d, cmd, fx) => apply(d, cmd, fx),
  footprint: (s, cmd, k) => footprint(s, cmd, k),
  continue: continueCall,
  continueFootprint(s, _caller, f, k) {
    if (f.op !== "call") return;
    k.read(`actor:${f.actor}`);
    const a = selectActor(s, f.actor);
    if (a.lifecycle === "ALIVE" && a.incarnation === f.incarnation) k.write(`data:${a.id}`);
  },
});

export const bugs = {
  "handle-follows-name": {
    summary: "a call through a handle goes to whichever actor holds the handle's name now",
    law: "handles-never-move",
    overrides: {
      call: {
        apply: (d, cmd, fx) => apply(d, cmd as Call, fx, true),
        footprint: (s, cmd, k) => footprint(s, cmd as Call, k, true),
      },
    },
  },
} as const satisfies Partial<Record<MutantName, BugDef>>;
