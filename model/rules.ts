/**
 * The catalogue of rules: every decision the reducer takes names one, so a
 * failing step, an explanation and a log record can say why. Each rule is one
 * plain sentence and its citation: the rule's entry in docs/semantics.md, which
 * gives its sources (Ray's docs, source, tests, issues) as links.
 */
export const RULES = {
  "init.namespace": ["A driver joins the namespace it names.", "docs/semantics.md#init.namespace"],
  "init.anonymous": ["A driver that names no namespace gets an anonymous namespace of its own, so other drivers cannot see its names.", "docs/semantics.md#init.anonymous"],
  "init.default": ["A driver that names no namespace joins the shared `default` namespace.", "docs/semantics.md#init.default"],
  "validate.name": ["An actor name must be a non-empty string.", "docs/semantics.md#validate.name"],
  "validate.namespace": ["A namespace must be a non-empty string.", "docs/semantics.md#validate.namespace"],
  "validate.getIfExistsName": ["get_if_exists needs a name.", "docs/semantics.md#validate.getIfExistsName"],
  "validate.lifetime": ["lifetime must be 'detached' or 'non_detached'.", "docs/semantics.md#validate.lifetime"],
  "validate.maxRestarts": ["max_restarts must be -1, 0 or a positive integer.", "docs/semantics.md#validate.maxRestarts"],
  "validate.args": ["The constructor's arguments must fit its signature.", "docs/semantics.md#validate.args"],
  "validate.method": ["A call must name a method of the actor's class.", "docs/semantics.md#validate.method"],
  "validate.noHandle": ["A caller can only use an actor through a handle it holds.", "docs/semantics.md#validate.noHandle"],
  "create.precheckTaken": ["Creating a named actor first looks the name up; a registered actor holding it makes the creation fail.", "docs/semantics.md#create.precheckTaken"],
  "create.registerTaken": ["The GCS registers a name atomically; when another actor got there first, the creation fails.", "docs/semantics.md#create.registerTaken"],
  "create.registered": ["The GCS registered the actor (and its name); the creator holds the original, strong handle and owns a non-detached actor.", "docs/semantics.md#create.registered"],
  "create.detached": ["A detached actor has no owner; it lives until it is killed or dies for good.", "docs/semantics.md#create.detached"],
  "getIfExists.existing": ["get_if_exists returns the existing actor, ignoring the new arguments and options; the handle is weak and does not own it.", "docs/semantics.md#getIfExists.existing"],
  "getIfExists.lostRace": ["get_if_exists lost the registration race and looked the name up again, finding the winner.", "docs/semantics.md#getIfExists.lostRace"],
  "getIfExists.reraise": ["get_if_exists lost the race and the winner was already gone: the creation error is raised again.", "docs/semantics.md#getIfExists.reraise"],
  "getIfExists.lookupError": ["get_if_exists lost the race and the winner was already gone: the final lookup's NotFound surfaces.", "docs/semantics.md#getIfExists.lookupError"],
  "get.found": ["get_actor returns a handle to the actor registered under the name in the namespace (the caller's job's, unless one is given); it is weak.", "docs/semantics.md#get.found"],
  "get.dead": ["get_actor returns any registered actor, even a DEAD one still holding its name; calls on it fail.", "docs/semantics.md#get.dead"],
  "get.notFound": ["No registered actor holds the name in that namespace.", "docs/semantics.md#get.notFound"],
  "call.ok": ["The method ran on the actor the handle is bound to.", "docs/semantics.md#call.ok"],
  "call.raised": ["The method raised an exception inside the actor (for example incr on a Counter started with a string).", "docs/semantics.md#call.raised"],
  "call.sent": ["The call is sent to the actor's live process; it is answered when the actor has run it (the actor may restart, so the call is in flight until then).", "docs/semantics.md#call.sent"],
  "call.lostInFlight": ["The actor's process died while the call was in flight: at-most-once (max_task_retries=0), the call fails with RayActorError even if the actor restarts.", "docs/semantics.md#call.lostInFlight"],
  "call.dead": ["A call on a DEAD actor fails with ActorDiedError.", "docs/semantics.md#call.dead"],
  "caller.dead": ["Code cannot run inside an actor that is dead.", "docs/semantics.md#caller.dead"],
  "kill.sent": ["ray.kill sends the kill to the GCS and returns at once; the GCS acts later.", "docs/semantics.md#kill.sent"],
  "drop.ok": ["The caller let go of its handles to the actor.", "docs/semantics.md#drop.ok"],
  "exit.driver": ["The driver exited: its job is finished and every actor it owns will die.", "docs/semantics.md#exit.driver"],
  "exit.actor": ["exit_actor() is an intended exit: the actor is never restarted.", "docs/semantics.md#exit.actor"],
  "list.ok": ["list_named_actors lists the names of registered actors that are not DEAD, in the caller's job namespace or in all namespaces.", "docs/semantics.md#list.ok"],
  "state.ok": ["The state API reports the actor's lifecycle state; destroyed actors are DEAD.", "docs/semantics.md#state.ok"],
  "state.evicted": ["The state API finds no actor evicted from the GCS's cache of destroyed actors (Ray's GetActorInfo looks only in registered and cached destroyed actors): NotFound.", "docs/semantics.md#state.evicted"],
  "gcs.destroyedEvicted": ["The GCS caches at most maximum_gcs_destroyed_actor_cached_count (100,000) destroyed actors: one more evicts the one destroyed longest ago (FIFO) and deletes it from the actor table; callers holding a handle to it still know it died.", "docs/semantics.md#gcs.destroyedEvicted"],
  "actor.scheduled": ["The owner resolved the constructor's arguments and the GCS scheduled the actor.", "docs/semantics.md#actor.scheduled"],
  "actor.created": ["The actor's constructor ran; it is ALIVE.", "docs/semantics.md#actor.created"],
  "actor.restarted": ["A restart re-runs the constructor with the original arguments; the actor keeps its id and name.", "docs/semantics.md#actor.restarted"],
  "kill.destroy": ["A processed ray.kill (no_restart=True) destroys the actor and frees its name.", "docs/semantics.md#kill.destroy"],
  "kill.restart": ["ray.kill(no_restart=False) kills the process; the actor restarts if it has a restart left, using it up, and keeps its name.", "docs/semantics.md#kill.restart"],
  "kill.noop": ["ray.kill(no_restart=False) on an actor not yet scheduled, or DEAD, does nothing.", "docs/semantics.md#kill.noop"],
  "kill.gone": ["ray.kill of an actor already destroyed does nothing.", "docs/semantics.md#kill.gone"],
  "crash.restart": ["A crashed actor with restarts left (and a live owner, or detached) restarts and keeps its name.", "docs/semantics.md#crash.restart"],
  "crash.dead": ["A crashed actor with no restarts left, or whose owner is dead, is DEAD for good.", "docs/semantics.md#crash.dead"],
  "crash.noop": ["Only a running actor process can crash.", "docs/semantics.md#crash.noop"],
  "death.detachedFreed": ["A detached actor that died for good is destroyed and its name freed.", "docs/semantics.md#death.detachedFreed"],
  "death.nameKept": ["A non-detached actor that died for good of a failure or its own exit stays registered, DEAD, holding its name, while its owner holds it.", "docs/semantics.md#death.nameKept"],
  "death.nameReleased": ["A non-detached actor that died for good releases its name at death but stays registered until destroyed.", "docs/semantics.md#death.nameReleased"],
  "death.destroyed": ["An actor that died for good is destroyed and its name freed.", "docs/semantics.md#death.destroyed"],
  "owner.died": ["A non-detached actor fate-shares with its owner: when the owner dies, the actor is destroyed (OWNER_DIED) and its name freed.", "docs/semantics.md#owner.died"],
  "scope.destroy": ["When the owner holds no more strong handles, the actor goes out of scope and is destroyed, freeing its name.", "docs/semantics.md#scope.destroy"],
  "scope.kept": ["An out-of-scope actor that could still restart stays registered, DEAD, holding its name, until its lineage is released.", "docs/semantics.md#scope.kept"],
  "lineage.destroy": ["With its lineage released the actor is destroyed (REF_DELETED) and its name freed.", "docs/semantics.md#lineage.destroy"],
} as const satisfies Record<string, readonly [string, string]>;

export type RuleId = keyof typeof RULES;

/** The plain sentence of a rule. */
export function ruleText(id: RuleId): string {
  return RULES[id][0];
}

/** Where a rule comes from: its entry in docs/semantics.md, as `docs/semantics.md#<id>`. */
export function ruleSource(id: RuleId): string {
  return RULES[id][1];
}
