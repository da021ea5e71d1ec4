"""The adapter protocol, version 1, as the bridge speaks it (docs/adapter-protocol.md).

Requests arrive as JSON lines on stdin, replies leave as JSON lines on
stdout, and everything else (logs) goes to stderr. This module only parses
and formats lines: it imports nothing but the standard library, so it runs
(and is tested) without Ray.
"""

import json
import sys
import threading
import time

PROTOCOL = 1
REQUEST_TYPES = ("hello", "reset", "step", "settle", "shutdown")
STEP_KINDS = ("init", "create", "get", "call", "kill", "drop", "exit", "list", "state", "crash",
              "addNode", "killNode", "drainNode", "deathCause", "placement",  # format version 2
              "stopGcs", "startGcs", "restartGcs")  # format version 2, feature gcs
# Steps whose `actor` field names the actor operated on (a handle id).
ACTOR_STEPS = ("call", "kill", "drop", "state", "crash", "deathCause", "placement")
# Steps without a caller (the cluster's own events).
NO_CALLER_STEPS = ("crash", "addNode", "killNode", "drainNode", "stopGcs", "startGcs", "restartGcs")
GCS_STORAGES = ("redis", "none")
DRAIN_REASONS = ("preemption", "idle")
INIT_FAILURES = ("raise", "exit", "exit0")  # format version 2: create's initFails
ERROR_KINDS = ("NameTaken", "NotFound", "ActorDied", "InvalidArgument", "Internal", "ActorUnschedulable")


def log(msg):
    """One line on stderr (never stdout: that is the protocol's)."""
    try:
        sys.stderr.write(f"[ray-bridge {time.strftime('%H:%M:%S')}] {msg}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


class BridgeError(Exception):
    """An error reply of kind `kind` (Internal unless said otherwise)."""

    def __init__(self, message, kind="Internal"):
        super().__init__(message)
        self.kind = kind


class ProtocolError(BridgeError):
    """A request line that is not a request of this protocol.

    `rid` is the request's id when the line had a usable one (the error is
    then answered to that id), else None (nothing can be answered: the line
    is reported on stderr).
    """

    def __init__(self, message, rid=None):
        super().__init__(f"protocol error: {message}", "Internal")
        self.rid = rid


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _describe(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return "an object"


def parse_request(line):
    """The request on one line, None for a blank line, or ProtocolError.

    Checks what the bridge relies on: an object with a positive integer `id`
    and a known `type`; `reset` names its profile as a string; a `step` has a
    known `do`, a caller of the right shape (none for `crash`) and, for the
    steps that need one, an `actor` handle id. Every other field is passed on
    to Ray untouched, so that Ray itself judges the values.
    """
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    text = line.strip()
    if not text:
        return None
    try:
        req = json.loads(text)
    except RecursionError:
        raise ProtocolError("the line nests too deeply to be read") from None
    except ValueError as e:
        raise ProtocolError(f"not JSON ({e})") from None
    if not isinstance(req, dict):
        raise ProtocolError(f"a request must be a JSON object, got {_describe(req)}")
    rid = req.get("id")
    if not _is_int(rid) or rid < 1:
        raise ProtocolError(f"field 'id' must be a positive integer, got {json.dumps(rid)[:60] if 'id' in req else 'none'}")
    typ = req.get("type")
    if typ not in REQUEST_TYPES:
        raise ProtocolError(f"field 'type' must be one of {', '.join(REQUEST_TYPES)}, got {json.dumps(typ)[:60] if 'type' in req else 'none'}", rid)
    if typ == "hello" and "protocol" not in req:
        raise ProtocolError("hello needs field 'protocol'", rid)
    if typ == "reset" and not isinstance(req.get("profile"), str):
        raise ProtocolError(f"reset needs field 'profile' (a string), got {_describe(req.get('profile')) if 'profile' in req else 'none'}", rid)
    if typ == "reset" and "gcsStorage" in req and req["gcsStorage"] not in GCS_STORAGES:
        raise ProtocolError(f"field 'gcsStorage' must be one of {', '.join(GCS_STORAGES)}, got {_describe(req['gcsStorage'])}", rid)
    if typ == "step":
        check_step(req, rid)
    return req


def check_step(req, rid):
    do = req.get("do")
    if do not in STEP_KINDS:
        raise ProtocolError(f"field 'do' must be one of {', '.join(STEP_KINDS)}, got {json.dumps(do)[:60] if 'do' in req else 'none'}", rid)
    caller = req.get("caller")
    if do in NO_CALLER_STEPS:
        if caller is not None:
            raise ProtocolError(f"a {do} step has no caller", rid)
    else:
        if not isinstance(caller, dict) or len(caller) != 1 or not (
                isinstance(caller.get("driver"), str) or isinstance(caller.get("actor"), str)):
            raise ProtocolError(f"step {do!r} needs field 'caller': {{\"driver\": label}} or {{\"actor\": handle id}}", rid)
        if do == "init" and "driver" not in caller:
            raise ProtocolError("only a driver runs init", rid)
    if do in ACTOR_STEPS and not isinstance(req.get("actor"), str):
        raise ProtocolError(f"step {do!r} needs field 'actor' (a handle id)", rid)
    if do in ("killNode", "drainNode") and not isinstance(req.get("node"), str):
        raise ProtocolError(f"step {do!r} needs field 'node' (a node id)", rid)
    if do == "drainNode" and req.get("reason") not in DRAIN_REASONS:
        raise ProtocolError(f"step 'drainNode' needs field 'reason': one of {', '.join(DRAIN_REASONS)}", rid)
    if do in ("init", "create") and "node" in req and not isinstance(req["node"], str):
        raise ProtocolError(f"field 'node' must be a node id (a string), got {_describe(req['node'])}", rid)
    if "initFails" in req and req["initFails"] not in INIT_FAILURES:
        raise ProtocolError(f"field 'initFails' must be one of {', '.join(INIT_FAILURES)}, got {_describe(req['initFails'])}", rid)
    if "soft" in req and not isinstance(req["soft"], bool):
        raise ProtocolError(f"field 'soft' must be a boolean, got {_describe(req['soft'])}", rid)
    if do == "call" and not isinstance(req.get("method"), str):
        raise ProtocolError("step 'call' needs field 'method' (a string)", rid)
    if "args" in req and not isinstance(req["args"], list):
        raise ProtocolError(f"field 'args' must be an array, got {_describe(req['args'])}", rid)
    ns = req.get("namespace")
    if isinstance(ns, dict) and not (list(ns) == ["of"] and isinstance(ns["of"], str)):
        raise ProtocolError("field 'namespace' must be a string or {\"of\": driver label}", rid)


def check_hello(req):
    if req.get("protocol") != PROTOCOL:
        raise BridgeError(f"protocol {req.get('protocol')!r} is not supported (only {PROTOCOL})")


def format_reply(rid, result=None, error=None):
    """The reply line (without its newline): ok with `result`, or the error {kind, message}."""
    if error is not None:
        obj = {"id": rid, "ok": False, "error": error}
    else:
        obj = {"id": rid, "ok": True, "result": result if result is not None else {}}
    return json.dumps(obj)


def error_of(exc):
    """The protocol error object for a BridgeError."""
    kind = exc.kind if exc.kind in ERROR_KINDS else "Internal"
    return {"kind": kind, "message": str(exc)}


class ReplyWriter:
    """Writes whole reply lines to `stream` from any thread; a closed stream is ignored."""

    def __init__(self, stream):
        self.stream = stream
        self.lock = threading.Lock()

    def reply(self, rid, result=None, error=None):
        line = format_reply(rid, result, error)
        with self.lock:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass
