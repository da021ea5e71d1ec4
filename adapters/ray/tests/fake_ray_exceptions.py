"""Stand-ins for ray.exceptions, with Ray 2.60's class hierarchy (names and bases as in its MRO).

Checked against the real module by test_classify.py when Ray is importable.
"""


class RayError(Exception):
    pass


class RayTaskError(RayError):
    pass


class RayActorError(RayError):
    pass


class ActorDiedError(RayActorError):
    pass


class ActorUnavailableError(RayActorError):
    pass


class ActorUnschedulableError(RayError):  # not a RayActorError
    pass


class ActorAlreadyExistsError(ValueError, RayError):
    pass


class GetTimeoutError(RayError, TimeoutError):
    pass


class ObjectLostError(RayError):
    pass


class OwnerDiedError(ObjectLostError):
    pass


class RaySystemError(RayError):
    pass


class TaskCancelledError(RayError):
    pass


def task_error(cause_cls, message):
    """What ray.get raises when the task raised `cause_cls`: RayTaskError.as_instanceof_cause() subclasses both."""
    cls = type(f"RayTaskError({cause_cls.__name__})", (RayTaskError, cause_cls), {})
    return cls(message)


CLASSES = ["RayError", "RayTaskError", "RayActorError", "ActorDiedError", "ActorUnavailableError",
           "ActorAlreadyExistsError", "GetTimeoutError", "ObjectLostError", "OwnerDiedError",
           "RaySystemError", "TaskCancelledError"]
