"""Which error kind of the scenario format an exception from Ray's API is.

Pure: `classify` takes the module of Ray's exception classes as an argument
(by default it imports `ray.exceptions`), so it is tested without Ray with
classes shaped as Ray 2.60's are.
"""

import traceback

KIND_NAME_TAKEN = "NameTaken"
KIND_NOT_FOUND = "NotFound"
KIND_ACTOR_DIED = "ActorDied"
KIND_INVALID = "InvalidArgument"
KIND_INTERNAL = "Internal"
KIND_UNSCHEDULABLE = "ActorUnschedulable"  # format version 2


def ok(result):
    return {"ok": True, "result": result}


def err(kind, message):
    return {"ok": False, "error": {"kind": kind, "message": message}}


def classify(exc, rex=None):
    """Maps an exception raised by Ray's API to one of the format's error kinds.

    `rex`: the module holding Ray's exception classes (ray.exceptions).
    """
    if rex is None:
        from ray import exceptions as rex

    msg = str(exc)
    already = getattr(rex, "ActorAlreadyExistsError", None)
    if already is not None and isinstance(exc, already):
        return KIND_NAME_TAKEN
    unschedulable = getattr(rex, "ActorUnschedulableError", None)
    if unschedulable is not None and isinstance(exc, unschedulable):
        # Not a RayActorError: hard node affinity that cannot be met (format version 2).
        return KIND_UNSCHEDULABLE
    if isinstance(exc, rex.GetTimeoutError):
        return KIND_INTERNAL
    if isinstance(exc, rex.RayActorError):  # ActorDiedError, ActorUnavailableError
        return KIND_ACTOR_DIED
    if isinstance(exc, rex.RayTaskError):
        # The method itself raised (incr on a Counter started with a string):
        # the model's rule call.raised, InvalidArgument as the nearest kind.
        return KIND_INVALID
    if isinstance(exc, ValueError):
        if "is already taken" in msg or "already exists" in msg:
            return KIND_NAME_TAKEN
        if "Failed to look up actor" in msg:
            return KIND_NOT_FOUND
        return KIND_INVALID
    if isinstance(exc, TypeError):
        return KIND_INVALID
    return KIND_INTERNAL


def error_reply(exc, rex=None):
    """The reply body for an exception: its kind and message (with the traceback's end when Internal)."""
    kind = classify(exc, rex)
    message = f"{type(exc).__name__}: {exc}"
    if kind == KIND_INTERNAL:
        message += "\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
    return err(kind, message)
