/**
 * The catalogue of rules: every decision the reducer takes names one, so a
 * failing step, an explanation and a log record can say why. Each rule is one
 * plain sentence and the place in ray-semantics.md (or the seed) it comes from.
 */
export const RULES = {
  "init.namespace": ["A driver joins the namespace it names.", "ray-semantics §2.1"],
  "init.anonymous": ["A driver that names no namespace gets an anonymous namespace of its own, so other drivers cannot see its names.", "ray-semantics §2.1, test_namespace.py::test_default_namespace"],
  "init.default": ["A driver that names no namespace joins the shared `default` namespace.", "seed: Namespaces"],
  "validate.name": ["An actor name must be a non-empty string.", "ray-semantics §3.1"],
  "validate.namespace": ["A namespace must be a non-empty string.", "ray-semantics §2.2"],
  "validate.getIfExistsName": ["get_if_exists needs a name.", "ray-semantics §3.1, §6"],
  "validate.lifetime": ["lifetime must be 'detached' or 'non_detached'.", "ray-semantics §3.1, §7.1"],
  "validate.maxRestarts": ["max_restarts must be -1, 0 or a positive integer.", "ray_option_utils.py"],
  "validate.args": ["The constructor's arguments must fit its signature.", "scenario-format: Classes"],
  "validate.method": ["A call must name a method of the actor's class.", "scenario-format: Classes"],
  "validate.noHandle": ["A caller can only use an actor through a handle it holds.", "ray-semantics §8 (Failed to find a corresponding actor handle)"],
  "create.precheckTaken": ["Creating a named actor first looks the name up; a registered actor holding it makes the creation fail.", "ray-semantics §3.2 step 4"],
  "create.registerTaken": ["The GCS registers a name atomically; when another actor got there first, the creation fails.", "ray-semantics §3.2 step 7"],
  "create.registered": ["The GCS registered the actor (and its name); the creator holds the original, strong handle and owns a non-detached actor.", "ray-semantics §3.2, §7.2"],
  "create.detached": ["A detached actor has no owner; it lives until it is killed or dies for good.", "ray-semantics §7.3"],
  "getIfExists.existing": ["get_if_exists returns the existing actor, ignoring the new arguments and options; the handle is weak and does not own it.", "ray-semantics §6"],
  "getIfExists.lostRace": ["get_if_exists lost the registration race and looked the name up again, finding the winner.", "ray-semantics §6, test_get_or_create_actor.py"],
  "getIfExists.reraise": ["get_if_exists lost the race and the winner was already gone: the creation error is raised again.", "ray-semantics §6, PR #58628"],
  "getIfExists.lookupError": ["get_if_exists lost the race and the winner was already gone: the final lookup's NotFound surfaces.", "ray-semantics §6 (before PR #58628)"],
  "get.found": ["get_actor returns a handle to the actor registered under the name in the namespace (the caller's job's, unless one is given); it is weak.", "ray-semantics §5"],
  "get.dead": ["get_actor returns any registered actor, even a DEAD one still holding its name; calls on it fail.", "ray-semantics §3.3, §5, issue #44083"],
  "get.notFound": ["No registered actor holds the name in that namespace.", "ray-semantics §5"],
  "call.ok": ["The method ran on the actor the handle is bound to.", "scenario-format: Classes"],
  "call.raised": ["The method raised an exception inside the actor (for example incr on a Counter started with a string).", "Python semantics; the format has no error kind for it"],
  "call.sent": ["The call is sent to the actor's live process; it is answered when the actor has run it (the actor may restart, so the call is in flight until then).", "ray-semantics §4.2; fault_tolerance/actors.rst (at-most-once)"],
  "call.lostInFlight": ["The actor's process died while the call was in flight: at-most-once (max_task_retries=0), the call fails with RayActorError even if the actor restarts.", "ray-semantics §4.2; fault_tolerance/actors.rst (at-most-once)"],
  "call.dead": ["A call on a DEAD actor fails with ActorDiedError.", "ray-semantics §5, §8"],
  "caller.dead": ["Code cannot run inside an actor that is dead.", "ray-semantics §5"],
  "kill.sent": ["ray.kill sends the kill to the GCS and returns at once; the GCS acts later.", "ray-semantics §8"],
  "drop.ok": ["The caller let go of its handles to the actor.", "ray-semantics §7.2"],
  "exit.driver": ["The driver exited: its job is finished and every actor it owns will die.", "ray-semantics §7.2"],
  "exit.actor": ["exit_actor() is an intended exit: the actor is never restarted.", "ray-semantics §4.2"],
  "list.ok": ["list_named_actors lists the names of registered actors that are not DEAD, in the caller's job namespace or in all namespaces.", "ray-semantics §9"],
  "state.ok": ["The state API reports the actor's lifecycle state; destroyed actors are DEAD.", "ray-semantics §4.1"],
  "state.evicted": ["The state API finds no actor evicted from the GCS's cache of destroyed actors (Ray's GetActorInfo looks only in registered and cached destroyed actors): NotFound.", "ray: src/ray/gcs/actor/gcs_actor_manager.cc, GcsActorManager::HandleGetActorInfo"],
  "gcs.destroyedEvicted": ["The GCS caches at most maximum_gcs_destroyed_actor_cached_count (100,000) destroyed actors: one more evicts the one destroyed longest ago (FIFO) and deletes it from the actor table; callers holding a handle to it still know it died.", "ray: src/ray/gcs/actor/gcs_actor_manager.cc, GcsActorManager::AddDestroyedActorToCache; src/ray/common/ray_config_def.h"],
  "actor.scheduled": ["The owner resolved the constructor's arguments and the GCS scheduled the actor.", "ray-semantics §4.1 (1)"],
  "actor.created": ["The actor's constructor ran; it is ALIVE.", "ray-semantics §4.1 (2)"],
  "actor.restarted": ["A restart re-runs the constructor with the original arguments; the actor keeps its id and name.", "ray-semantics §4.2"],
  "kill.destroy": ["A processed ray.kill (no_restart=True) destroys the actor and frees its name.", "ray-semantics §3.3, §8"],
  "kill.restart": ["ray.kill(no_restart=False) kills the process; the actor restarts if it has a restart left, using it up, and keeps its name.", "ray-semantics §4.2, test_kill_pending_actor_with_no_restart_false"],
  "kill.noop": ["ray.kill(no_restart=False) on an actor not yet scheduled, or DEAD, does nothing.", "ray-semantics §4.2"],
  "kill.gone": ["ray.kill of an actor already destroyed does nothing.", "ray-semantics §8"],
  "crash.restart": ["A crashed actor with restarts left (and a live owner, or detached) restarts and keeps its name.", "ray-semantics §4.2"],
  "crash.dead": ["A crashed actor with no restarts left, or whose owner is dead, is DEAD for good.", "ray-semantics §4.2"],
  "crash.noop": ["Only a running actor process can crash.", "ray-semantics §4.1"],
  "death.detachedFreed": ["A detached actor that died for good is destroyed and its name freed.", "ray-semantics §3.3, §7.3"],
  "death.nameKept": ["A non-detached actor that died for good of a failure or its own exit stays registered, DEAD, holding its name, while its owner holds it.", "ray-semantics §3.3 (PR #54955)"],
  "death.nameReleased": ["A non-detached actor that died for good releases its name at death but stays registered until destroyed.", "ray-semantics §3.3 (Ray ≤ 2.49, issue #57690)"],
  "death.destroyed": ["An actor that died for good is destroyed and its name freed.", "seed: ray.kill frees the name"],
  "owner.died": ["A non-detached actor fate-shares with its owner: when the owner dies, the actor is destroyed (OWNER_DIED) and its name freed.", "ray-semantics §7.2"],
  "scope.destroy": ["When the owner holds no more strong handles, the actor goes out of scope and is destroyed, freeing its name.", "ray-semantics §3.3, §7.2, test_named_but_not_detached"],
  "scope.kept": ["An out-of-scope actor that could still restart stays registered, DEAD, holding its name, until its lineage is released.", "ray-semantics §3.3 (PR #47396)"],
  "lineage.destroy": ["With its lineage released the actor is destroyed (REF_DELETED) and its name freed.", "ray-semantics §3.3"],
} as const satisfies Record<string, readonly [string, string]>;

export type RuleId = keyof typeof RULES;

/** The plain sentence of a rule. */
export function ruleText(id: RuleId): string {
  return RULES[id][0];
}

/** Where a rule comes from. */
export function ruleSource(id: RuleId): string {
  return RULES[id][1];
}
