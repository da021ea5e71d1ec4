"""The bridge's side of its Ray processes: the controller and the scenario drivers.

Each one is a `python -m rollcall_ray.driver <role>` child (driver.py)
talking JSON lines over its stdin/stdout: requests {"rid": n, "op": ..., ...},
replies {"rid": n, "ok": ..., "result"|"error": ...}, in any order (the
child runs each request in a thread of its own). `Sub` matches replies to
requests by rid, waits with a deadline and turns a child that died into an
error instead of a hang. Standard library only: no Ray here.
"""

import concurrent.futures
import json
import os
import subprocess
import threading

from rollcall_ray.protocol import BridgeError, log

ADAPTER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP_TIMEOUT_S = float(os.environ.get("RAY_BRIDGE_STEP_TIMEOUT", "55"))

# A single long-lived thread starts every child process: PR_SET_PDEATHSIG
# fires when the *thread* that forked a child ends, so children must not be
# forked from short-lived request threads.
_spawner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")


def spawn(*args, **kwargs):
    return _spawner.submit(subprocess.Popen, *args, **kwargs).result()


def unwrap(reply):
    """The result of a child's reply, or its error as a BridgeError of the same kind."""
    if reply.get("ok"):
        return reply.get("result")
    e = reply.get("error") or {}
    raise BridgeError(e.get("message", "?"), e.get("kind", "Internal"))


class Sub:
    """A Ray driver subprocess (scenario driver or controller) and its pipe protocol.

    `argv` replaces the command (tests run a stand-in child); by default it is
    the Ray Python of `env["RAY_BRIDGE_PY"]` running rollcall_ray.driver.
    """

    def __init__(self, role, env, label=None, argv=None, cwd=ADAPTER_DIR):
        self.role = role
        self.label = label or role
        self.proc = spawn(
            argv or [env["RAY_BRIDGE_PY"], "-u", "-m", "rollcall_ray.driver", role],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
            env=env, cwd=cwd, text=True, bufsize=1,
        )
        self.lock = threading.Lock()
        self.rid = 0
        self.waiting = {}
        self.closed = False
        self.info = None  # init result: namespace, jobId, workerId, pid
        self.exited = False
        threading.Thread(target=self._read, daemon=True, name=f"read-{self.label}").start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                reply = json.loads(line)
            except ValueError:
                log(f"{self.label}: bad line from subprocess: {line!r}")
                continue
            if not isinstance(reply, dict):
                log(f"{self.label}: bad line from subprocess: {line!r}")
                continue
            with self.lock:
                slot = self.waiting.pop(reply.get("rid"), None)
            if slot is not None:
                slot[1] = reply
                slot[0].set()
        with self.lock:
            self.closed = True
            pending = list(self.waiting.values())
            self.waiting.clear()
        for slot in pending:
            slot[0].set()

    def request(self, op, timeout=None, **payload):
        if timeout is None:
            timeout = STEP_TIMEOUT_S
        with self.lock:
            if self.closed:
                raise BridgeError(f"{self.label}: process is gone (status {self.proc.poll()})")
            self.rid += 1
            rid = self.rid
            slot = [threading.Event(), None]
            self.waiting[rid] = slot
            payload.update(rid=rid, op=op)
            try:
                self.proc.stdin.write(json.dumps(payload) + "\n")
                self.proc.stdin.flush()
            except (OSError, ValueError) as e:
                self.waiting.pop(rid, None)
                raise BridgeError(f"{self.label}: cannot write to process: {e}")
        if not slot[0].wait(timeout):
            with self.lock:
                self.waiting.pop(rid, None)
            raise BridgeError(f"{self.label}: no answer to {op} within {timeout:.0f} s")
        if slot[1] is None:
            raise BridgeError(f"{self.label}: process exited (status {self.status()}) during {op}")
        return slot[1]

    def result(self, op, timeout=None, **payload):
        return unwrap(self.request(op, timeout=timeout, **payload))

    def status(self):
        """The exit status, waiting a moment for it once the pipe has closed (None: still running)."""
        try:
            return self.proc.wait(1)
        except subprocess.TimeoutExpired:
            return None

    def running(self):
        """Whether the process has not exited (whatever its pipe)."""
        return self.proc.poll() is None

    def alive(self):
        return self.proc.poll() is None and not self.closed

    def kill(self):
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            log(f"{self.label}: pid {self.proc.pid} did not die")

    def end(self, timeout=10):
        """Graceful exit (ray.shutdown, then the process ends), else SIGKILL."""
        if self.proc.poll() is None and not self.closed:
            try:
                self.request("exit", timeout=timeout)
            except BridgeError as e:
                log(f"{self.label}: exit: {e}")
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.exited = True
