"""A Ray driver process, talking to the bridge over its stdin/stdout.

Two roles:

- `driver`: one scenario driver. Its `init` request calls
  `ray.init(address=..., namespace=..., job_config=JobConfig(default_actor_lifetime=...))`;
  `step` requests run steps with the handles this driver holds; `exit` calls
  `ray.shutdown()` and ends the process so that its job finishes.
- `controller`: the bridge's own connection to the cluster (one for the
  whole session, in an anonymous namespace; it never creates an actor and
  holds only weak handles). It runs steps "by" actors (by calling their
  `_rollcall_step`), reads the GCS actor and job tables, looks names up for
  settle, kills what a scenario left behind at reset, and finds the pid of
  an actor's worker for `crash`.

Requests are JSON lines {"rid": n, "op": ..., ...}; replies are JSON lines
{"rid": n, "ok": ..., "result"|"error": ...}. Each request runs in a thread
of its own, so a parallel block's steps (and settle's probes) run at once.
The protocol uses a private copy of the original stdout; file descriptor 1
is pointed at stderr so that nothing Ray prints can corrupt it.
"""

import json
import os
import sys
import threading
import time
import traceback

def _die_with_parent():
    """SIGKILL this process when the bridge dies (even if the bridge is SIGKILLed)."""
    import ctypes
    import signal

    parent = int(os.environ.get("ROLLCALL_RAY_BRIDGE_PID", "0"))
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    if parent and os.getppid() != parent:
        os._exit(3)  # the bridge is already gone


_die_with_parent()
_proto_out = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

import ray  # noqa: E402

from rollcall_ray import compat, steps  # noqa: E402

ROLE = sys.argv[1] if len(sys.argv) > 1 else "driver"
ADDRESS = os.environ.get("ROLLCALL_RAY_ADDRESS")  # or given by the init/connect request
HANDLE_DIR = os.environ.get("ROLLCALL_RAY_HANDLE_DIR", "")
_write_lock = threading.Lock()
holder = {}  # this driver's handles: ActorID hex -> [ActorHandle]
_weak = {}  # controller only: ActorID hex -> weak ActorHandle


def log(msg):
    sys.stderr.write(f"[ray-bridge {ROLE} {os.getpid()}] {msg}\n")
    sys.stderr.flush()


def send(obj):
    line = json.dumps(obj)
    with _write_lock:
        _proto_out.write(line + "\n")
        _proto_out.flush()


def connect(namespace=None, default_lifetime=None, address=None, temp_dir=None):
    from ray.job_config import JobConfig

    kwargs = {}
    if temp_dir is not None:
        # On one machine every node is 127.0.0.1: ray.init picks the node whose temp dir
        # this is (get_node_to_connect_for_driver filters by temp_dir), so the driver's
        # core worker joins that node's raylet and Ray sees the driver on that node.
        kwargs["_temp_dir"] = temp_dir
    if default_lifetime is not None:
        kwargs["job_config"] = JobConfig(default_actor_lifetime=default_lifetime)
    if os.environ.get("ROLLCALL_RAY_CLUSTER"):
        # A user's cluster: its raylets did not start with the bridge's environment, so the
        # actors' workers get it from the job's runtime environment (the bridge's modules, where handles go).
        env_vars = {"PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ROLLCALL_RAY_HANDLE_DIR": HANDLE_DIR}
        kwargs["runtime_env"] = {"env_vars": env_vars}
    ray.init(
        address=address or ADDRESS,
        namespace=namespace,
        log_to_driver=False,
        logging_level="WARNING",
        configure_logging=True,
        **kwargs,
    )
    compat.accessor()  # connected now, in one thread (releases up to 2.49 connect lazily without a lock)
    ctx = ray.get_runtime_context()
    return {
        "namespace": ctx.namespace,
        "jobId": ctx.get_job_id(),
        "workerId": compat.worker_id(ctx),
        "pid": os.getpid(),
        "nodeId": ctx.get_node_id(),
    }


# ---------------------------------------------------------------- driver ops


def op_init(req):
    step = req["step"]
    try:
        info = connect(step.get("namespace"), step.get("defaultLifetime"), req.get("address"), req.get("tempDir"))
    except Exception as e:  # noqa: BLE001
        return steps.error_reply(e)
    return {"ok": True, "result": info}


def op_step(req):
    return steps.run(req["step"], holder)


def op_local_states(req):
    if not ray.is_initialized():
        return {"ok": True, "result": {}}
    return {"ok": True, "result": steps.local_states(req["actors"])}


# ------------------------------------------------------------ controller ops


def weak_handle(actor_id, wait_s=0.0):
    """A handle to the actor that neither owns nor borrows it (weak_ref=True).

    Made from the bytes the actor published in its constructor; waits up to
    `wait_s` for them (an actor created a moment ago may not have run its
    constructor yet).
    """
    h = _weak.get(actor_id)
    if h is not None:
        return h
    path = os.path.join(HANDLE_DIR, actor_id)
    deadline = time.time() + wait_s
    while True:
        try:
            with open(path, "rb") as f:
                serialized = f.read()
            break
        except OSError:
            if time.time() >= deadline:
                raise LookupError(f"actor {actor_id} has not published its handle (its constructor never ran)")
            time.sleep(0.02)
    h = compat.deserialize_handle(serialized)
    if compat.HAS_WEAK_HANDLES:
        _weak[actor_id] = h  # a borrowed handle (older releases) is dropped after its call
    return h


def op_actor_step(req):
    step = req["step"]
    try:
        h = weak_handle(req["actor"], wait_s=30)
    except LookupError as e:
        return steps.err(steps.KIND_INTERNAL, str(e))
    ref = h._rollcall_step.remote(step)
    try:
        return ray.get(ref, timeout=steps.CALL_TIMEOUT_S)
    except ray.exceptions.RayActorError as e:
        if step.get("do") == "exit":
            # exit_actor(): the caller of that task sees the actor die.
            return {"ok": True, "result": {}}
        return steps.err(steps.KIND_INTERNAL, f"the actor could not run the step: {e}")
    except Exception as e:  # noqa: BLE001
        return steps.err(steps.KIND_INTERNAL, f"the actor could not run the step: {e!r}")


def op_actor_local_states(req):
    try:
        h = weak_handle(req["actor"])
        return {"ok": True, "result": ray.get(h._rollcall_local_states.remote(req["actors"]), timeout=20)}
    except Exception as e:  # noqa: BLE001
        return steps.err(steps.KIND_INTERNAL, f"{type(e).__name__}: {e}")


def _actor_record(data):
    from ray.core.generated import gcs_pb2

    def binary_to_hex(b):
        return bytes(b).hex()

    dc = data.death_cause
    cause = dc.WhichOneof("context") if dc is not None else None
    reason = None
    message = ""
    if cause == "actor_died_error_context":
        reason = compat.death_reason(dc.actor_died_error_context)
        message = dc.actor_died_error_context.error_message
    elif cause is not None:
        message = getattr(getattr(dc, cause), "error_message", "")
    return {
        "id": binary_to_hex(data.actor_id),
        "state": gcs_pb2.ActorTableData.ActorState.Name(data.state),
        "name": data.name,
        "namespace": data.ray_namespace,
        "detached": data.is_detached,
        "jobId": binary_to_hex(data.job_id),
        "ownerWorkerId": binary_to_hex(data.owner_address.worker_id),
        "workerId": binary_to_hex(data.address.worker_id),
        "pid": data.pid,
        "numRestarts": data.num_restarts,
        "maxRestarts": data.max_restarts,
        "deathCause": cause,
        "deathReason": reason,
        "deathMessage": message[:2000],
        "className": data.class_name,
        "nodeId": compat.address_node_id(data.address),
        "preempted": bool(getattr(data, "preempted", False)),
    }


def op_tables(req):
    """The GCS actor table for the given jobs, and (if asked) their job table entries."""
    from ray.core.generated import gcs_pb2

    jobs_wanted = list(req.get("jobs", []))
    accessor = compat.accessor()
    actors = []
    for job in jobs_wanted:
        for raw in compat.actor_table_raw(accessor, job):
            rec = _actor_record(gcs_pb2.ActorTableData.FromString(raw))
            if rec["jobId"] == job:
                actors.append(rec)
    jobs = {}
    if req.get("withJobs"):
        wanted = set(jobs_wanted)
        for raw in compat.job_table_raw(accessor):
            entry = gcs_pb2.JobTableData.FromString(raw)
            jid = entry.job_id.hex()
            if jid in wanted:
                jobs[jid] = {"isDead": entry.is_dead, "driverPid": entry.driver_pid}
    return {"ok": True, "result": {"actors": actors, "jobs": jobs}}


def op_lookup(req):
    """Which actor holds (namespace, name) in the GCS name registry.

    Used by settle to see whether a dead actor `expect` still holds its name.
    It goes through ray.get_actor, i.e. this process's named-actor cache
    first; that cache can hold `expect` only while this process has not yet
    handled its DEAD notification, so the answer is "lagging" until the
    controller's own core worker has seen `expect` die.
    Result: {"holder": <actor id hex> | None} or {"lagging": True}.
    """
    expect = req.get("expect")
    if expect:
        st = steps.local_states([expect]).get(expect)
        if st in steps.LIVE_LOCAL_STATES:
            return {"ok": True, "result": {"lagging": True}}
    try:
        h = ray.get_actor(req["name"], namespace=req["namespace"])
    except ValueError:
        return {"ok": True, "result": {"holder": None}}
    actor_id = h._actor_id.hex()
    del h
    return {"ok": True, "result": {"holder": actor_id}}


def op_kill(req):
    """ray.kill(no_restart=True) of every actor given (reset).

    `actors`: [{"id", "name", "namespace"}]. The handle is the weak one made
    from the bytes the actor published; an actor that never ran its
    constructor has none, so a named one is reached by ray.get_actor.
    """
    done, failed = [], {}
    for rec in req["actors"]:
        actor_id = rec["id"]
        try:
            try:
                h = weak_handle(actor_id)
            except LookupError:
                if not rec.get("name"):
                    raise
                h = ray.get_actor(rec["name"], namespace=rec["namespace"])
                if h._actor_id.hex() != actor_id:
                    raise LookupError(f"the name {rec['name']!r} is held by another actor")
            ray.kill(h, no_restart=True)
            done.append(actor_id)
        except Exception as e:  # noqa: BLE001
            failed[actor_id] = repr(e)
    return {"ok": True, "result": {"killed": done, "failed": failed}}


def op_nodes(req):
    """The GCS node table: [{"id", "alive", "isHead", "port", "resources", "deathReason", "deathMessage"}]."""
    out = []
    for n in ray.nodes():
        res = n.get("Resources") or {}
        out.append({
            "id": n["NodeID"],
            "alive": bool(n["Alive"]),
            "isHead": "node:__internal_head__" in res or bool(n.get("is_head_node")),
            "port": n.get("NodeManagerPort"),
            "resources": res,
            "deathReason": n.get("DeathReason"),
            "deathMessage": n.get("DeathReasonMessage"),
        })
    return {"ok": True, "result": {"nodes": out}}


_gcs_client = []


def op_drain(req):
    """GcsClient.drain_node, as Ray's test_draining.py calls it: {"accepted", "rejection"}."""
    try:
        reason, message = compat.drain_reason(req["reason"])
        if not _gcs_client:
            from ray._raylet import GcsClient

            _gcs_client.append(GcsClient(address=ray.get_runtime_context().gcs_address))
        deadline_ms = int(time.time() * 1000) if req.get("deadlineNow", True) else 0
        accepted, rejection = _gcs_client[0].drain_node(req["node"], reason, message, deadline_ms)
        return {"ok": True, "result": {"accepted": bool(accepted), "rejection": rejection}}
    except Exception as e:  # noqa: BLE001
        return steps.err(steps.KIND_INTERNAL, f"drain_node failed: {type(e).__name__}: {e}")


def op_forget(req):
    for actor_id in req.get("actors", []):
        _weak.pop(actor_id, None)
    return {"ok": True, "result": {}}


def op_ping(req):
    return {"ok": True, "result": {"pid": os.getpid(), "connected": ray.is_initialized()}}


def op_connect(req):
    try:
        return {"ok": True, "result": connect(None, None, req.get("address"))}
    except Exception as e:  # noqa: BLE001
        return steps.error_reply(e)


OPS = {
    "init": op_init,
    "step": op_step,
    "local_states": op_local_states,
    "actor_step": op_actor_step,
    "actor_local_states": op_actor_local_states,
    "tables": op_tables,
    "lookup": op_lookup,
    "kill": op_kill,
    "forget": op_forget,
    "nodes": op_nodes,
    "drain": op_drain,
    "ping": op_ping,
    "connect": op_connect,
}


def handle(req):
    rid = req.get("rid")
    try:
        fn = OPS.get(req.get("op"))
        if fn is None:
            reply = steps.err(steps.KIND_INTERNAL, f"unknown op {req.get('op')!r}")
        else:
            reply = fn(req)
    except BaseException as e:  # noqa: BLE001
        reply = steps.err(steps.KIND_INTERNAL, "".join(traceback.format_exception(type(e), e, e.__traceback__))[-4000:])
    reply["rid"] = rid
    try:
        send(reply)
    except (TypeError, ValueError) as e:
        send({"rid": rid, "ok": False, "error": {"kind": "Internal", "message": f"reply not JSON: {e}"}})


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        if req.get("op") == "exit":
            # Finish the driver: its job ends, the actors it owns die.
            try:
                if ray.is_initialized():
                    ray.shutdown()
                send({"rid": req.get("rid"), "ok": True, "result": {}})
            except BaseException as e:  # noqa: BLE001
                send({"rid": req.get("rid"), "ok": False, "error": {"kind": "Internal", "message": repr(e)}})
            _proto_out.close()
            os._exit(0)
        threading.Thread(target=handle, args=(req,), daemon=True).start()
    # stdin closed: the bridge is gone or wants us gone.
    try:
        if ray.is_initialized():
            ray.shutdown()
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
