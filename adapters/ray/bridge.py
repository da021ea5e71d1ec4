#!/usr/bin/env python3
"""rollcall's Ray bridge: the adapter protocol (version 1) over real Ray, scenario formats 1 and 2.

Reads JSON-line requests on stdin and writes JSON-line replies on stdout
(docs/adapter-protocol.md); logs go to stderr only. See README.md beside this
file for how it works and why. The work is in rollcall_ray/:

- protocol.py: reading requests and writing replies (no Ray);
- rpc.py: the Ray processes the bridge talks to over pipes (no Ray);
- cluster.py: the local cluster (keeper, controller, driver pool) and where
  Ray is installed (no Ray);
- scenario.py: reset, the steps, crash (no Ray);
- settle.py: the predicates over the GCS tables that decide settle (no Ray);
- keeper.py, driver.py, steps.py, actors.py: the processes that run Ray.

Processes:
- the keeper (rollcall_ray/keeper.py, a session of its own) runs
  `ray start --head` (without --block, so the GCS can be killed) and
  SIGKILLs the whole cluster when told to stop or when this bridge
  disappears (its stdin closes);
- the controller (rollcall_ray/driver.py controller): the bridge's own
  driver, holding weak handles only;
- one driver process per scenario driver (rollcall_ray/driver.py driver).

The bridge itself does not import Ray. It runs under any Python 3.8+; the
Ray processes use RAY_BRIDGE_PYTHON, else the virtual environment
ROLLCALL_RAY_VENV, else ${XDG_CACHE_HOME:-~/.cache}/rollcall/ray-<version>.
"""

import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rollcall_ray.cluster import Cluster, find_ray_python, ray_version  # noqa: E402
from rollcall_ray.protocol import BridgeError, ProtocolError, ReplyWriter, check_hello, error_of, log, parse_request  # noqa: E402
from rollcall_ray.scenario import Session  # noqa: E402


# The model's profiles this Ray release implements: rollcall says which, from
# the model's table of releases (model/profile.ts), in ROLLCALL_RAY_PROFILES
# (comma-separated); without it, `ray` (the pinned release's).
PROFILES = tuple(p for p in os.environ.get("ROLLCALL_RAY_PROFILES", "ray").split(",") if p) or ("ray",)

# The Ray releases on which the bridge has run every scenario of format version 2
# (scenarios/14-nodes, worker nodes on this machine) and seen them pass: hello lists
# format 2 for these only (and only with the bridge's own cluster: worker nodes are
# processes it starts). Every other release runs version 1 only, and rollcall SKIPs
# the version-2 files on it.
NODE_RELEASES = ("2.60.0",)


def formats(version, environ=os.environ):
    """The scenario format versions the bridge runs on Ray `version`."""
    if version in NODE_RELEASES and not environ.get("ROLLCALL_RAY_CLUSTER"):
        return [1, 2]
    return [1]


# The parts of format version 2 after nodes (rollcall's sim/scenario/features.ts) the bridge
# runs, on the releases where scenarios/16-constructor-failures was seen to pass.
INIT_FAILS_RELEASES = ("2.60.0",)
# ... and scenarios/15-gcs (with Redis), and its file of a GCS restarted without persistence.
GCS_RELEASES = ("2.60.0",)
GCS_LOST_RELEASES = ("2.60.0",)


def features(version, environ=os.environ):
    """The features of format version 2 the bridge runs on Ray `version` (its hello's `features`)."""
    from rollcall_ray.cluster import redis_available

    out = []
    if 2 in formats(version, environ) and version in INIT_FAILS_RELEASES:
        out.append("initFails")
    # GCS restarts with Redis: the bridge's own cluster, with redis-server on PATH.
    if 2 in formats(version, environ) and version in GCS_RELEASES and redis_available():
        out.append("gcs")
    # A GCS restarted without persistence: the cluster lost, a fresh one started (no Redis needed).
    if 2 in formats(version, environ) and version in GCS_LOST_RELEASES:
        out.append("gcsLost")
    return out


class Bridge:
    def __init__(self, out=None):
        self.out = ReplyWriter(out or sys.stdout)
        self.admin_lock = threading.Lock()
        self.session = Session(Cluster(), "%04x" % random.randrange(1 << 16))
        self.version = None
        self.running = []  # threads of requests being handled

    def handle(self, req):
        rid = req.get("id")
        typ = req.get("type")
        try:
            if typ == "hello":
                check_hello(req)
                if self.version is None:
                    self.version = ray_version(self.cluster.python or find_ray_python())
                self.out.reply(rid, {"name": "ray-bridge", "version": self.version, "profiles": list(PROFILES), "formats": formats(self.version),
                                     "features": features(self.version)})
            elif typ == "reset":
                with self.admin_lock:
                    self.session.reset(req.get("profile"), PROFILES, req.get("gcsStorage"))
                self.out.reply(rid, {})
            elif typ == "step":
                self.out.reply(rid, self.session.step(req))
            elif typ == "settle":
                with self.admin_lock:
                    self.session.settle()
                self.out.reply(rid, {})
            elif typ == "shutdown":
                self.shutdown_all("shutdown request")
                self.out.reply(rid, {})
                os._exit(0)
            else:
                raise BridgeError(f"unknown request type {typ!r}")
        except BridgeError as e:
            self.out.reply(rid, error=error_of(e))
        except Exception as e:  # noqa: BLE001
            log(f"request {rid} failed: {e!r}")
            self.out.reply(rid, error={"kind": "Internal", "message": f"bridge error: {e!r}"})

    @property
    def cluster(self):
        """The session's cluster (a reset may start another: GCS fault tolerance)."""
        return self.session.cluster

    def shutdown_all(self, why):
        sc = self.session.scenario
        self.cluster.shutdown(why, list(sc.drivers.values()) if sc is not None else [])

    def read_requests(self):
        for line in sys.stdin:
            try:
                req = parse_request(line)
            except ProtocolError as e:
                if e.rid is None:
                    log(f"{e}, in the line {line.strip()[:200]!r} (no id to answer)")
                else:
                    self.out.reply(e.rid, error=error_of(e))
                continue
            if req is None:
                continue
            if req["type"] == "shutdown":
                self.finish_running()
                self.handle(req)
            elif req["type"] == "hello":
                self.handle(req)
            else:
                t = threading.Thread(target=self.handle, args=(req,), daemon=True)
                self.running = [r for r in self.running if r.is_alive()] + [t]
                t.start()
        self.finish_running()
        self.shutdown_all("stdin closed")
        os._exit(0)

    def finish_running(self, seconds=10):
        """Lets the requests still running answer first (at most `seconds`), so no reply is lost."""
        deadline = time.monotonic() + seconds
        for t in list(self.running):
            t.join(max(0.0, deadline - time.monotonic()))

    def serve(self):
        """Reads requests on a thread; the main thread only waits, so signals are handled at once."""
        threading.Thread(target=self.cluster.start, daemon=True, name="cluster").start()
        threading.Thread(target=self.read_requests, daemon=True, name="stdin").start()
        while True:
            time.sleep(3600)


def main():
    import faulthandler

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # kill -USR1 <pid>: stacks on stderr
    bridge = Bridge()

    def on_signal(signum, _frame):
        bridge.shutdown_all(f"signal {signum}")
        os._exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        bridge.serve()
    finally:
        bridge.shutdown_all("exit")
    os._exit(0)


if __name__ == "__main__":
    main()
