"""Runs one scenario step with the real Ray API, in a driver or inside an actor.

Shared by the driver processes (rollcall_ray.driver) and the actors
(rollcall_ray.actors). `holder` is the caller's table of the handles it
holds: ActorID hex -> list of ActorHandle objects (the strong handle from
`.remote()` and/or weak ones from `ray.get_actor`). Nothing else in the
process keeps a handle, so `drop` really lets go of every reference.

Every step returns a reply body: {"ok": True, "result": {...}} or
{"ok": False, "error": {"kind": K, "message": M}}.
"""

import gc
import os

import ray

from rollcall_ray.classify import (  # noqa: F401 - driver.py uses them through this module
    KIND_ACTOR_DIED,
    KIND_INTERNAL,
    KIND_INVALID,
    KIND_NAME_TAKEN,
    KIND_NOT_FOUND,
    classify,
    err,
    error_reply,
    ok,
)
from rollcall_ray.settle import LIVE_LOCAL_STATES, UNKNOWN_LOCAL_STATE  # noqa: F401

CALL_TIMEOUT_S = float(os.environ.get("ROLLCALL_RAY_CALL_TIMEOUT", "45"))


def _classes():
    from rollcall_ray import actors

    return {"Counter": actors.Counter, "Greeter": actors.Greeter}


def _handle(holder, actor_id):
    handles = holder.get(actor_id)
    if not handles:
        raise LookupError(f"the caller holds no handle to actor {actor_id}")
    return handles[-1]


def _keep(holder, handle):
    actor_id = handle._actor_id.hex()
    holder.setdefault(actor_id, []).append(handle)
    return actor_id


def actor_state(actor_id):
    """The actor's state as the GCS actor table reports it (ray._private.state)."""
    import ray._private.state as state

    info = state.actors(actor_id)
    if not info:
        raise LookupError(f"the GCS actor table has no actor {actor_id}")
    return info["State"]


def run(step, holder):
    """Runs `step` (a translated protocol step) for a caller holding `holder`."""
    do = step.get("do")
    try:
        if do == "create":
            classes = _classes()
            cls_name = step.get("class")
            if cls_name not in classes:
                return err(KIND_INTERNAL, f"unknown class {cls_name!r}")
            opts = {}
            if "name" in step:
                opts["name"] = step["name"]
            if "namespace" in step:
                opts["namespace"] = step["namespace"]
            if "lifetime" in step:
                opts["lifetime"] = step["lifetime"]
            if "getIfExists" in step:
                opts["get_if_exists"] = step["getIfExists"]
            if "maxRestarts" in step:
                opts["max_restarts"] = step["maxRestarts"]
            if step.get("node"):
                from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

                opts["scheduling_strategy"] = NodeAffinitySchedulingStrategy(node_id=step["node"], soft=bool(step.get("soft", False)))
            if step.get("_workerResource"):
                # Format version 2, once the scenario has a worker node: only worker nodes have
                # this resource (the bridge's cluster.WORKER_RESOURCE), so the actor goes to one.
                opts["resources"] = {step["_workerResource"]: 1}
            args = step.get("args", [])
            cls = classes[cls_name]
            # Format version 2's initFails: a keyword the constructor takes besides its own
            # arguments (so their count is checked as before); a restart passes it again.
            kwargs = {"_rollcall_init_fails": step["initFails"]} if step.get("initFails") else {}
            handle = (cls.options(**opts) if opts else cls).remote(*args, **kwargs)
            actor_id = _keep(holder, handle)
            del handle
            return ok({"handle": actor_id})
        if do == "get":
            kwargs = {}
            if "namespace" in step:
                kwargs["namespace"] = step["namespace"]
            handle = ray.get_actor(step.get("name"), **kwargs)
            actor_id = _keep(holder, handle)
            del handle
            return ok({"handle": actor_id})
        if do == "call":
            handle = _handle(holder, step["actor"])
            try:
                method = getattr(handle, step["method"])
            except AttributeError as e:
                # A method the actor's class lacks (get-or-create may hand back
                # an actor of another class): InvalidArgument, as in the model.
                return err(KIND_INVALID, f"{type(e).__name__}: {e}")
            ref = method.remote(*step.get("args", []))
            del handle, method
            value = ray.get(ref, timeout=CALL_TIMEOUT_S)
            return ok({"value": value})
        if do == "kill":
            handle = _handle(holder, step["actor"])
            ray.kill(handle, no_restart=step.get("noRestart", True))
            del handle
            return ok({})
        if do == "drop":
            handles = holder.pop(step["actor"], [])
            n = len(handles)
            handles.clear()
            del handles
            gc.collect()
            return ok({"dropped": n})
        if do == "list":
            all_ns = bool(step.get("allNamespaces", False))
            names = ray.util.list_named_actors(all_namespaces=all_ns)
            if all_ns:
                names = [{"name": n["name"], "namespace": n["namespace"]} for n in names]
            return ok({"names": list(names)})
        if do == "state":
            return ok({"state": actor_state(step["actor"])})
        return err(KIND_INTERNAL, f"step {do!r} cannot run here")
    except LookupError as e:
        return err(KIND_INTERNAL, str(e))
    except Exception as e:  # noqa: BLE001 - every Ray error becomes a reply
        return error_reply(e)


def local_states(actor_ids):
    """What this process's core worker believes about each actor.

    `get_local_actor_state` reads the state the core worker's actor task
    submitter keeps from the GCS pub/sub notifications; the DEAD notification
    updates it in the same handler that erases the actor's entry from the
    per-process named-actor cache (ActorManager::HandleActorStateNotification),
    so "DEAD" here means this process can no longer return a cached handle to
    it. None: this process never registered a handle to that actor.
    """
    from rollcall_ray import compat

    core_worker = ray._private.worker.global_worker.core_worker
    if not compat.has_local_actor_state():
        # Before 2.38 a core worker cannot say: settle waits a grace period instead (settle.py).
        return {actor_id: UNKNOWN_LOCAL_STATE for actor_id in actor_ids}
    out = {}
    for actor_id in actor_ids:
        try:
            st = core_worker.get_local_actor_state(compat.actor_id(actor_id))
        except Exception as e:  # noqa: BLE001
            out[actor_id] = f"error: {e}"
            continue
        if st is None:
            out[actor_id] = None
        else:
            from ray.core.generated import gcs_pb2

            try:
                out[actor_id] = gcs_pb2.ActorTableData.ActorState.Name(st)
            except Exception:  # noqa: BLE001
                out[actor_id] = str(st)
    return out
