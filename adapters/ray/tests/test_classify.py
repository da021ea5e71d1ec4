"""Which Ray exception is which error kind of the format (rollcall_ray.classify)."""

import types

import pytest

import fake_ray_exceptions as rex
from rollcall_ray.classify import classify, error_reply

CASES = [
    # Names: Ray's own exception, its Python pre-check, the GCS's answer.
    (rex.ActorAlreadyExistsError("Actor with name 'foo' already exists in the namespace rc1-1-ns"), "NameTaken"),
    (ValueError("The name foo (namespace=rc1-1-ns) is already taken. Please use a different name"), "NameTaken"),
    (ValueError("Actor with name 'foo' already exists in the namespace"), "NameTaken"),
    (ValueError("Failed to look up actor with name 'foo'. This could because 1. You are trying to look up a named actor you didn't create."), "NotFound"),
    # Dead or restarting actors.
    (rex.ActorDiedError("The actor died unexpectedly before finishing this task."), "ActorDied"),
    (rex.ActorUnavailableError("The actor is temporarily unavailable: RpcError"), "ActorDied"),
    (rex.RayActorError("The actor died"), "ActorDied"),
    # Hard node affinity that cannot be met (format version 2).
    (rex.ActorUnschedulableError("The actor is not schedulable: The node specified via NodeAffinitySchedulingStrategy doesn't exist any more or is infeasible, and soft=False was specified."), "ActorUnschedulable"),
    # Invalid options and arguments.
    (ValueError("Actor name cannot be an empty string."), "InvalidArgument"),
    (ValueError("get_if_exists=True requires the actor to be named."), "InvalidArgument"),
    (ValueError("lifetime must be either `None` or 'detached'"), "InvalidArgument"),
    (TypeError("missing a required argument: 'greeting'"), "InvalidArgument"),
    (TypeError("namespace must be None or a string."), "InvalidArgument"),
    # A method that raised, whatever its cause: the model's call.raised.
    (rex.task_error(TypeError, "unsupported operand type(s) for +=: 'str' and 'int'"), "InvalidArgument"),
    (rex.task_error(ZeroDivisionError, "division by zero"), "InvalidArgument"),
    # Failures the format has no kind for.
    (rex.GetTimeoutError("Get timed out: some object(s) not ready."), "Internal"),
    (rex.OwnerDiedError("owner died"), "Internal"),
    (rex.RaySystemError("System error"), "Internal"),
    (RuntimeError("something else"), "Internal"),
    (KeyError("actor"), "Internal"),
]


@pytest.mark.parametrize("exc, kind", CASES, ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else v)
def test_each_ray_exception_maps_to_its_kind(exc, kind):
    assert classify(exc, rex) == kind


def test_a_method_that_raised_a_name_error_text_is_still_invalid_argument():
    # RayTaskError is checked before ValueError's message: a method raising
    # ValueError("... already exists") is call.raised, not a taken name.
    exc = rex.task_error(ValueError, "key already exists")
    assert isinstance(exc, ValueError)
    assert classify(exc, rex) == "InvalidArgument"


def test_a_timeout_is_internal_although_it_is_a_timeout_error_and_an_os_error():
    exc = rex.GetTimeoutError("Get timed out")
    assert isinstance(exc, TimeoutError) and isinstance(exc, OSError)
    assert classify(exc, rex) == "Internal"


def test_without_actor_already_exists_error_the_message_decides():
    # An older ray.exceptions without ActorAlreadyExistsError.
    old = types.SimpleNamespace(**{n: getattr(rex, n) for n in rex.CLASSES if n != "ActorAlreadyExistsError"})
    assert classify(ValueError("The name foo (namespace=x) is already taken"), old) == "NameTaken"
    assert classify(rex.ActorDiedError("gone"), old) == "ActorDied"


def test_error_replies_carry_the_kind_and_rays_message():
    reply = error_reply(ValueError("Failed to look up actor with name 'x'"), rex)
    assert reply == {"ok": False, "error": {"kind": "NotFound", "message": "ValueError: Failed to look up actor with name 'x'"}}


def test_internal_error_replies_carry_the_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError as e:
        reply = error_reply(e, rex)
    assert reply["error"]["kind"] == "Internal"
    assert reply["error"]["message"].startswith("RuntimeError: boom\n")
    assert "Traceback (most recent call last)" in reply["error"]["message"]
    assert "test_internal_error_replies_carry_the_traceback" in reply["error"]["message"]


def test_the_stand_ins_have_rays_hierarchy():
    ray_exceptions = pytest.importorskip("ray.exceptions")  # only where Ray is installed
    for name in rex.CLASSES:
        real = [c.__name__ for c in getattr(ray_exceptions, name).__mro__]
        fake = [c.__name__ for c in getattr(rex, name).__mro__]
        assert fake == real, name
