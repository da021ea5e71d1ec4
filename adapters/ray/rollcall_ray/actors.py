"""The two classes of the scenario format, as real Ray actors.

Besides their own methods (Counter: incr, value; Greeter: say_hello) each has
the bridge's hidden methods:

- `_rollcall_step(step)` runs a step "by" this actor, inside it, with the
  handles this actor holds (a dict by ActorID hex, kept on the instance);
  `exit` calls `ray.actor.exit_actor()`.
- `_rollcall_local_states(ids)` reports what this process's core worker
  believes about those actors (for settle, see steps.local_states).

Reaching the actor without owning it: in `__init__` (so again after every
restart) the actor serializes its own self handle (a weak handle, as
`ray.get_runtime_context().current_actor` is) and writes the bytes to
`$ROLLCALL_RAY_HANDLE_DIR/<actor id hex>`. The bridge's controller process
turns those bytes into a handle with `weak_ref=True`, which adds no
reference count and no borrower, so the bridge keeps nothing alive.
"""

import os
import tempfile

import ray


def _publish_self_handle():
    directory = os.environ.get("ROLLCALL_RAY_HANDLE_DIR")
    if not directory:
        return
    ctx = ray.get_runtime_context()
    actor_id = ctx.get_actor_id()
    if not actor_id:
        return
    worker = ray._private.worker.global_worker
    handle = ctx.current_actor  # the self handle: weak
    serialized, handle_ref = worker.core_worker.serialize_actor_handle(handle._actor_id)
    del handle_ref, handle
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(serialized)
    os.replace(tmp, os.path.join(directory, actor_id))
    with open(os.path.join(directory, actor_id + ".pid"), "w") as f:
        f.write(str(os.getpid()))


def _fail_init(how):
    """A constructor that fails as format version 2's `initFails` says: it raises, or its process exits."""
    if how is None:
        return
    if how == "raise":
        raise ValueError("the constructor raised (initFails)")
    import sys

    sys.exit(0 if how == "exit0" else 1)


class _Bridged:
    def _rollcall_init(self):
        self._rollcall_handles = {}
        try:
            _publish_self_handle()
        except Exception as e:  # noqa: BLE001 - never fail the user's constructor
            import sys

            sys.stderr.write(f"[ray-bridge] could not publish the self handle: {e!r}\n")

    def _rollcall_step(self, step):
        from rollcall_ray import steps

        if step.get("do") == "exit":
            ray.actor.exit_actor()
        return steps.run(step, self._rollcall_handles)

    def _rollcall_local_states(self, actor_ids):
        from rollcall_ray import steps

        return steps.local_states(actor_ids)

    def _rollcall_pid(self):
        return os.getpid()


@ray.remote
class Counter(_Bridged):
    def __init__(self, start=0, *, _rollcall_init_fails=None):
        _fail_init(_rollcall_init_fails)
        self._rollcall_init()
        # Plain Python, as the model has it: any start is kept; incr() on one
        # that is not a number raises (the model's rule call.raised).
        self.count = start

    def incr(self):
        self.count += 1
        return self.count

    def value(self):
        return self.count


@ray.remote
class Greeter(_Bridged):
    def __init__(self, greeting, *, _rollcall_init_fails=None):
        _fail_init(_rollcall_init_fails)
        self._rollcall_init()
        self.greeting = greeting

    def say_hello(self):
        return self.greeting
