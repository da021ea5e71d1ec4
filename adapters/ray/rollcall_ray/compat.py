"""The few Ray internals the bridge reads, across Ray releases (2.5 to the newest).

The bridge reads Ray's own tables (the GCS actor and job tables), makes weak
handles for the controller and asks a core worker what it believes about an
actor. Those are private APIs, and they moved between releases; each function
here tries the newest form first and falls back to the older ones, and says
(`HAS_*`) what a release cannot do at all. Measured on 2.5.1, 2.9.3, 2.20.0,
2.30.0, 2.38.0, 2.44.1, 2.49.2 and 2.60.0.
"""

import threading

import ray


def job_id(hex_id):
    """A ray JobID from hex (JobID.from_hex is 2.38+)."""
    from ray._raylet import JobID

    from_hex = getattr(JobID, "from_hex", None)
    return from_hex(hex_id) if from_hex is not None else JobID(bytes.fromhex(hex_id))


def actor_id(hex_id):
    """A ray ActorID from hex."""
    from ray._raylet import ActorID

    from_hex = getattr(ActorID, "from_hex", None)
    return from_hex(hex_id) if from_hex is not None else ActorID(bytes.fromhex(hex_id))


_accessor_lock = threading.Lock()


def accessor():
    """The GCS global state accessor of this process (connected on first use).

    Up to 2.49 the lazy connection in `GlobalState._check_connected` takes no
    lock (2.50 added `_init_lock`): the controller answers requests in threads
    of their own, and two at once could both connect, one accessor replacing
    the other under the first's feet. The likely cause of the hangs seen on
    2.38 and 2.44 in race fuzzing (`no answer to tables within 30 s`), so the
    first connection is made under a lock of ours.
    """
    import ray._private.state as state

    gs = state.state
    connect = getattr(gs, "_connect_and_get_accessor", None)  # 2.50+
    if connect is not None:
        return connect()
    with _accessor_lock:
        gs._check_connected()  # up to 2.49: connects lazily and keeps it on the object
        return gs.global_state_accessor


def actor_table_raw(acc, job_hex):
    """Serialized ActorTableData of a job's actors (every actor where the release cannot filter by job)."""
    try:
        return acc.get_actor_table(job_id(job_hex), None)
    except TypeError:
        return acc.get_actor_table()  # 2.5: no filters; the caller filters by job


def job_table_raw(acc):
    """Serialized JobTableData of every job."""
    try:
        return acc.get_job_table(skip_submission_job_info_field=True, skip_is_running_tasks_field=True)
    except TypeError:
        return acc.get_job_table()  # before 2.30: no keyword arguments


def worker_id(ctx):
    """This process's worker id, hex."""
    get = getattr(ctx, "get_worker_id", None)  # 2.9+
    if get is not None:
        return get()
    return ray._private.worker.global_worker.worker_id.hex()


def _has_weak_handles():
    import inspect

    from ray.actor import ActorHandle

    try:
        return "weak_ref" in inspect.signature(ActorHandle._deserialization_helper).parameters
    except (TypeError, ValueError):
        return False


# Weak handles (weak_ref=True: no reference count, no borrower) came with the
# weak get_actor handles (seen in 2.38, not in 2.30). Before, deserializing a
# handle makes the controller a borrower, so it keeps a handle only for the
# call it makes (driver.py).
HAS_WEAK_HANDLES = _has_weak_handles()


def deserialize_handle(serialized):
    """An ActorHandle from the bytes an actor published: weak where the release can."""
    from ray.actor import ActorHandle

    if HAS_WEAK_HANDLES:
        return ActorHandle._deserialization_helper(serialized, True, None)
    return ActorHandle._deserialization_helper(serialized, None)


def has_local_actor_state():
    """True when a core worker can say what it believes about an actor (2.38+)."""
    core_worker = ray._private.worker.global_worker.core_worker
    return hasattr(core_worker, "get_local_actor_state")


def death_reason(ctx):
    """ActorDiedErrorContext.reason by name (the field is 2.38+), or None."""
    if "reason" not in type(ctx).DESCRIPTOR.fields_by_name:
        return None
    try:
        return ctx.Reason.Name(ctx.reason)
    except Exception:  # noqa: BLE001
        return str(ctx.reason)


def address_node_id(address):
    """The node id (hex) of an rpc Address: `node_id` (2.5x+) or `raylet_id` (before); "" when unset."""
    fields = type(address).DESCRIPTOR.fields_by_name
    for name in ("node_id", "raylet_id"):
        if name in fields:
            value = getattr(address, name)
            return bytes(value).hex() if value else ""
    return ""


def drain_reason(reason):
    """The DrainNodeReason value and message for the format's "preemption" / "idle"."""
    from ray.core.generated import autoscaler_pb2

    names = {"preemption": "DRAIN_NODE_REASON_PREEMPTION", "idle": "DRAIN_NODE_REASON_IDLE_TERMINATION"}
    if reason not in names:
        raise ValueError(f"unknown drain reason {reason!r}")
    return autoscaler_pb2.DrainNodeReason.Value(names[reason]), reason
