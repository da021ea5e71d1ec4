#!/usr/bin/env python3
"""rollcall's Ray bridge: the adapter protocol (version 1) over real Ray.

Reads JSON-line requests on stdin and writes JSON-line replies on stdout
(docs/adapter-protocol.md); logs go to stderr only. See README.md beside this
file for how it works and why.

Processes:
- the keeper (rollcall_ray/keeper.py, a session of its own) runs
  `ray start --head --block` and SIGKILLs the whole cluster when told to
  stop or when this bridge disappears (its stdin closes);
- the controller (rollcall_ray/driver.py controller): the bridge's own
  driver, holding weak handles only;
- one driver process per scenario driver (rollcall_ray/driver.py driver).

The bridge itself does not import Ray. It runs under any Python 3.8+; the
Ray processes use RAY_BRIDGE_PYTHON, else adapters/ray/.venv/bin/python.
"""

import concurrent.futures
import glob
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOCOL = 1
STEP_TIMEOUT_S = float(os.environ.get("RAY_BRIDGE_STEP_TIMEOUT", "55"))
SETTLE_DEADLINE_S = float(os.environ.get("RAY_BRIDGE_SETTLE_DEADLINE", "30"))
SETTLE_POLL_S = 0.02
NUM_CPUS = int(os.environ.get("RAY_BRIDGE_NUM_CPUS", "16"))
POOL_SIZE = int(os.environ.get("RAY_BRIDGE_DRIVER_POOL", "2"))
DEBUG = os.environ.get("RAY_BRIDGE_DEBUG", "") not in ("", "0")
PENDING_STATES = ("DEPENDENCIES_UNREADY", "PENDING_CREATION", "RESTARTING")
LIVE_LOCAL_STATES = ("ALIVE", "RESTARTING", "PENDING_CREATION")


def log(msg):
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


def ray_python():
    explicit = os.environ.get("RAY_BRIDGE_PYTHON")
    if explicit:
        return explicit
    venv = os.path.join(HERE, ".venv", "bin", "python")
    if os.path.exists(venv):
        return venv
    raise BridgeError(f"no Ray environment: run {os.path.join(HERE, 'install.sh')} (or set RAY_BRIDGE_PYTHON)")


def ray_version(python):
    site = glob.glob(os.path.join(os.path.dirname(os.path.dirname(python)), "lib", "python*", "site-packages", "ray-*.dist-info"))
    for path in site:
        m = re.match(r"ray-(.+)\.dist-info$", os.path.basename(path))
        if m:
            return m.group(1)
    out = subprocess.run([python, "-c", "import ray; print(ray.__version__)"], capture_output=True, text=True, timeout=120, cwd="/")
    return out.stdout.strip() or "unknown"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A single long-lived thread starts every child process: PR_SET_PDEATHSIG
# fires when the *thread* that forked a child ends, so children must not be
# forked from short-lived request threads.
_spawner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")


def spawn(*args, **kwargs):
    return _spawner.submit(subprocess.Popen, *args, **kwargs).result()


class Sub:
    """A Ray driver subprocess (scenario driver or controller) and its pipe protocol."""

    def __init__(self, role, env, label=None):
        self.role = role
        self.label = label or role
        self.proc = spawn(
            [env["RAY_BRIDGE_PY"], "-u", "-m", "rollcall_ray.driver", role],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
            env=env, cwd=HERE, text=True, bufsize=1,
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

    def request(self, op, timeout=STEP_TIMEOUT_S, **payload):
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
            raise BridgeError(f"{self.label}: process exited (status {self.proc.poll()}) during {op}")
        return slot[1]

    def result(self, op, timeout=STEP_TIMEOUT_S, **payload):
        reply = self.request(op, timeout=timeout, **payload)
        if not reply.get("ok"):
            e = reply.get("error") or {}
            raise BridgeError(e.get("message", "?"), e.get("kind", "Internal"))
        return reply.get("result")

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


class Scenario:
    """What the bridge knows about the scenario since the last reset."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.drivers = {}  # label -> Sub
        self.job_ids = set()
        self.anon_namespaces = set()
        # settle bookkeeping
        self.kills = []  # (actor id, no_restart, record before or None)
        self.crashes = []  # (actor id, record before)
        self.drops = []  # (caller worker id or None, caller actor id or None, actor id)
        self.actor_exits = []  # actor ids
        self.driver_exits = []  # labels
        self.destroyed = set()  # actors whose death must free their name (killed, dropped by owner)
        self.released = set()  # dead actors seen without their name
        self.propagated = set()  # dead actors every live process has seen die

    def real_namespace(self, ns):
        if isinstance(ns, dict):
            label = ns.get("of")
            d = self.drivers.get(label)
            if d is None or d.info is None:
                raise BridgeError(f"namespace of unknown driver {label!r}")
            return d.info["namespace"]
        if isinstance(ns, str) and ns != "":
            return self.prefix + ns
        return ns  # "" (invalid: Ray says so) or a non-string (Ray says so)

    def visible_namespace(self, ns):
        if ns.startswith(self.prefix):
            return ns[len(self.prefix):]
        return ns

    def owns_namespace(self, ns):
        return ns.startswith(self.prefix) or ns in self.anon_namespaces


class Bridge:
    def __init__(self):
        self.out_lock = threading.Lock()
        self.admin_lock = threading.Lock()
        self.stop_lock = threading.Lock()
        self.stopped = False
        self.stop_done = threading.Event()
        self.token = "%04x" % random.randrange(1 << 16)
        self.gen = 0
        self.python = None
        self.version = None
        self.keeper = None
        self.address = None
        self.controller = None
        self.env = None
        self.tmp = None
        self.scenario = None
        self.pool = []
        self.pool_lock = threading.Lock()
        self.cluster_error = None
        self.cluster_ready = threading.Event()

    # ---------------------------------------------------------------- output

    def reply(self, rid, result=None, error=None):
        if error is not None:
            obj = {"id": rid, "ok": False, "error": error}
        else:
            obj = {"id": rid, "ok": True, "result": result if result is not None else {}}
        line = json.dumps(obj)
        with self.out_lock:
            try:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
            except (OSError, ValueError):
                pass

    # --------------------------------------------------------------- cluster

    def start_cluster(self):
        """Starts the head node, the controller and the driver pool (once)."""
        try:
            self.python = ray_python()
            self.tmp = tempfile.mkdtemp(prefix="rcb-", dir="/tmp")  # short: Ray's socket paths
            handles = os.path.join(self.tmp, "handles")
            os.makedirs(handles)
            port = free_port()
            env = dict(os.environ)
            env.update(
                PYTHONPATH=HERE + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
                ROLLCALL_RAY_HANDLE_DIR=handles,
                RAY_BRIDGE_PY=self.python,
                ROLLCALL_RAY_BRIDGE_PID=str(os.getpid()),
                RAY_USAGE_STATS_ENABLED="0",
                PYTHONUNBUFFERED="1",
            )
            ray_exe = os.path.join(os.path.dirname(self.python), "ray")
            t0 = time.time()
            self.env = env
            self.controller = Sub("controller", env)  # imports Ray while the head node starts
            self.keeper = spawn(
                [self.python, os.path.join(HERE, "rollcall_ray", "keeper.py"), ray_exe, os.path.join(self.tmp, "r"), str(port), str(NUM_CPUS), self.tmp],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, env=env, cwd="/",
                text=True, start_new_session=True,
            )
            line = self.keeper.stdout.readline().strip()
            if not line.startswith("READY "):
                raise BridgeError(f"the Ray head node did not start ({line or 'no answer'}); see stderr")
            self.address = line.split()[1]
            log(f"Ray head node up at {self.address} in {time.time() - t0:.1f} s (temp dir {self.tmp})")
            self.controller.info = self.controller.result("connect", address=self.address, timeout=120)
            log(f"controller connected (job {self.controller.info['jobId']}) after {time.time() - t0:.1f} s")
            self.fill_pool()
        except Exception as e:  # noqa: BLE001
            self.cluster_error = e if isinstance(e, BridgeError) else BridgeError(f"cannot start the cluster: {e!r}")
            log(str(self.cluster_error))
        finally:
            self.cluster_ready.set()

    def ensure_cluster(self):
        self.cluster_ready.wait()
        if self.cluster_error is not None:
            raise self.cluster_error
        if self.keeper.poll() is not None or not self.controller.alive():
            raise BridgeError("the Ray cluster or the bridge's controller died; restart the bridge")

    def fill_pool(self):
        """Keeps POOL_SIZE spare driver processes with Ray already imported."""
        def fill():
            with self.pool_lock:
                missing = POOL_SIZE - len(self.pool)
            for _ in range(max(0, missing)):
                if self.stopped:
                    return
                sub = Sub("driver", self.env)
                with self.pool_lock:
                    self.pool.append(sub)
        threading.Thread(target=fill, daemon=True, name="pool").start()

    def new_driver(self, label):
        with self.pool_lock:
            while self.pool:
                sub = self.pool.pop(0)
                if sub.alive():
                    break
            else:
                sub = None
        if sub is None:
            sub = Sub("driver", self.env, label)
        sub.label = label
        self.fill_pool()
        return sub

    def shutdown_all(self, why):
        with self.stop_lock:
            if self.stopped:
                self.stop_done.wait(60)  # another thread is stopping: let it finish
                return
            self.stopped = True
        log(f"shutting down ({why})")
        subs = []
        if self.scenario is not None:
            subs += list(self.scenario.drivers.values())
        with self.pool_lock:
            subs += self.pool
            self.pool = []
        if self.controller is not None:
            subs.append(self.controller)
        for s in subs:
            if s.proc.poll() is None:
                s.kill()
        if self.keeper is not None and self.keeper.poll() is None:
            try:
                self.keeper.stdin.write("stop\n")
                self.keeper.stdin.flush()
            except (OSError, ValueError):
                pass
            try:
                self.keeper.wait(30)
            except subprocess.TimeoutExpired:
                log("the keeper did not finish; killing its process group")
                try:
                    os.killpg(self.keeper.pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.tmp:
            subprocess.run(["rm", "-rf", self.tmp], check=False)
        log("stopped")
        self.stop_done.set()

    # ----------------------------------------------------------------- GCS

    def tables(self, with_jobs=False):
        """The GCS actor table of this scenario's jobs (and their job table entries)."""
        sc = self.scenario
        res = self.controller.result("tables", jobs=sorted(sc.job_ids), withJobs=with_jobs, timeout=30)
        return {a["id"]: a for a in res["actors"]}, res["jobs"]

    def record(self, actor_id):
        actors, _ = self.tables()
        return actors.get(actor_id)

    # --------------------------------------------------------------- requests

    def handle(self, req):
        rid = req.get("id")
        typ = req.get("type")
        try:
            if typ == "hello":
                if req.get("protocol") != PROTOCOL:
                    raise BridgeError(f"protocol {req.get('protocol')!r} is not supported (only {PROTOCOL})")
                if self.version is None:
                    self.version = ray_version(self.python or ray_python())
                self.reply(rid, {"name": "ray-bridge", "version": self.version, "profiles": ["ray"]})
            elif typ == "reset":
                with self.admin_lock:
                    self.reset(req.get("profile"))
                self.reply(rid, {})
            elif typ == "step":
                self.reply(rid, self.step(req))
            elif typ == "settle":
                with self.admin_lock:
                    self.settle()
                self.reply(rid, {})
            elif typ == "shutdown":
                self.shutdown_all("shutdown request")
                self.reply(rid, {})
                os._exit(0)
            else:
                raise BridgeError(f"unknown request type {typ!r}")
        except BridgeError as e:
            self.reply(rid, error={"kind": e.kind, "message": str(e)})
        except Exception as e:  # noqa: BLE001
            log(f"request {rid} failed: {e!r}")
            self.reply(rid, error={"kind": "Internal", "message": f"bridge error: {e!r}"})

    # ------------------------------------------------------------------ reset

    def reset(self, profile):
        if profile != "ray":
            raise BridgeError(f"profile {profile!r} is not implemented by real Ray (only 'ray')")
        t0 = time.time()
        self.ensure_cluster()
        if self.scenario is not None:
            self.clear_scenario()
        self.gen += 1
        self.scenario = Scenario(f"rc{self.token}-{self.gen}-")
        log(f"reset #{self.gen} done in {time.time() - t0:.2f} s")

    def clear_scenario(self):
        """Kills what the last scenario left: its actors, its drivers, its jobs."""
        sc = self.scenario
        actors, _ = self.tables() if sc.job_ids else ({}, {})
        alive = [a for a in actors.values() if a["state"] != "DEAD"]
        if alive:
            res = self.controller.result("kill", actors=[{"id": a["id"], "name": a["name"], "namespace": a["namespace"]} for a in alive])
            if res["failed"]:
                log(f"reset: could not kill {res['failed']}")
        threads = [threading.Thread(target=d.end, args=(5,)) for d in sc.drivers.values() if not d.exited]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deadline = time.time() + 20
        while sc.job_ids and time.time() < deadline:
            actors, jobs = self.tables(with_jobs=True)
            left = [a["id"] for a in actors.values() if a["state"] != "DEAD"]
            running = [j for j, info in jobs.items() if not info["isDead"]]
            if not left and not running:
                break
            time.sleep(0.05)
        else:
            if sc.job_ids:
                log(f"reset: still not DEAD after 20 s: actors {left}, jobs {running}")
        try:
            self.controller.result("forget", actors=list(actors))
        except BridgeError as e:
            log(f"reset: forget: {e}")
        hdir = self.env["ROLLCALL_RAY_HANDLE_DIR"]
        for actor_id in actors:
            for suffix in ("", ".pid"):
                try:
                    os.unlink(os.path.join(hdir, actor_id + suffix))
                except OSError:
                    pass
        self.scenario = None

    # ------------------------------------------------------------------ steps

    def step(self, req):
        sc = self.scenario
        if sc is None:
            raise BridgeError("step before reset")
        self.ensure_cluster()
        do = req.get("do")
        step = {k: v for k, v in req.items() if k not in ("id", "type", "caller")}
        if "namespace" in step:
            step["namespace"] = sc.real_namespace(step["namespace"])
        if do == "crash":
            return self.crash(step["actor"])
        caller = req.get("caller") or {}
        if "driver" in caller:
            return self.driver_step(caller["driver"], do, step)
        if "actor" in caller:
            return self.actor_step(caller["actor"], do, step)
        raise BridgeError(f"step {do!r} without a caller")

    def check(self, reply):
        if reply.get("ok"):
            return reply.get("result") or {}
        e = reply.get("error") or {}
        raise BridgeError(e.get("message", "?"), e.get("kind", "Internal"))

    def driver_step(self, label, do, step):
        sc = self.scenario
        if do == "init":
            if label in sc.drivers:
                raise BridgeError(f"driver {label!r} already started")
            sub = self.new_driver(label)
            sc.drivers[label] = sub
            reply = sub.request("init", step=step, address=self.address)
            info = self.check(reply)
            sub.info = info
            sc.job_ids.add(info["jobId"])
            ns = info["namespace"]
            if not ns.startswith(sc.prefix):
                sc.anon_namespaces.add(ns)
            return {"namespace": sc.visible_namespace(ns)}
        sub = sc.drivers.get(label)
        if sub is None or sub.info is None:
            raise BridgeError(f"driver {label!r} has not been started")
        if sub.exited:
            raise BridgeError(f"driver {label!r} has exited")
        if do == "exit":
            sub.end(30)
            sc.driver_exits.append(label)
            return {}
        before = self.before(do, step)
        result = self.check(sub.request("step", step=step))
        self.after(do, step, before, caller_worker=sub.info["workerId"])
        return self.present(do, step, result)

    def actor_step(self, actor_id, do, step):
        before = self.before(do, step)
        caller_rec = self.record(actor_id) if do == "drop" else None
        result = self.check(self.controller.request("actor_step", actor=actor_id, step=step))
        if do == "exit":
            self.scenario.actor_exits.append(actor_id)
            return {}
        self.after(do, step, before, caller_worker=caller_rec["workerId"] if caller_rec else None)
        return self.present(do, step, result)

    def before(self, do, step):
        if do == "kill":
            return self.record(step["actor"])
        return None

    def after(self, do, step, before, caller_worker=None):
        sc = self.scenario
        if do == "kill":
            no_restart = step.get("noRestart", True)
            sc.kills.append((step["actor"], no_restart, before))
            if no_restart:
                sc.destroyed.add(step["actor"])
        elif do == "drop":
            sc.drops.append((caller_worker, step["actor"]))

    def present(self, do, step, result):
        sc = self.scenario
        if do in ("create", "get"):
            return {"handle": result["handle"]}
        if do == "list" and step.get("allNamespaces"):
            return {"names": [
                {"name": n["name"], "namespace": sc.visible_namespace(n["namespace"])}
                for n in result["names"] if sc.owns_namespace(n["namespace"])
            ]}
        if do == "drop":
            return {}
        return result

    def crash(self, actor_id):
        rec = self.record(actor_id)
        if rec is None:
            raise BridgeError(f"crash: the GCS has no actor {actor_id} in this scenario")
        deadline = time.time() + 10
        while rec["state"] in PENDING_STATES and time.time() < deadline:
            time.sleep(0.05)
            rec = self.record(actor_id)
        if rec["state"] != "ALIVE":
            log(f"crash: actor {actor_id} is {rec['state']}: no process to kill")
            return {}
        pid = rec["pid"]
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
        except OSError:
            cmdline = ""
        if not cmdline.startswith("ray::"):
            raise BridgeError(f"crash: pid {pid} of actor {actor_id} is not a Ray worker ({cmdline[:80]!r})")
        os.kill(pid, signal.SIGKILL)
        self.scenario.crashes.append((actor_id, rec))
        log(f"crash: SIGKILL to pid {pid} (actor {actor_id}, restarts so far {rec['numRestarts']})")
        return {}

    # ----------------------------------------------------------------- settle

    def settle(self):
        sc = self.scenario
        if sc is None:
            return
        self.ensure_cluster()
        t0 = time.time()
        deadline = t0 + SETTLE_DEADLINE_S
        polls = 0
        seen = {}
        while True:
            polls += 1
            waiting = self.unsettled()
            for w in waiting:
                seen.setdefault(re.sub(r"[0-9a-f]{32}", "<id>", w), (polls, time.time() - t0))
            if not waiting:
                break
            if time.time() > deadline:
                log(f"settle: deadline ({SETTLE_DEADLINE_S:.0f} s) passed; not settled: " + "; ".join(waiting))
                break
            time.sleep(SETTLE_POLL_S)
        sc.kills.clear()
        sc.crashes.clear()
        sc.drops.clear()
        sc.actor_exits.clear()
        sc.driver_exits.clear()
        dt = time.time() - t0
        if dt > 1 or (DEBUG and seen):
            log(f"settle took {dt:.3f} s ({polls} polls)" + "".join(
                f"\n    waited for: {w} (first at poll {p}, {t:.3f} s)" for w, (p, t) in seen.items()))

    def unsettled(self):
        """What is not quiescent yet (empty list: settled)."""
        sc = self.scenario
        if not sc.job_ids:
            return []
        actors, jobs = self.tables(with_jobs=bool(sc.driver_exits))
        waiting = []
        live_drivers = {d.info["workerId"]: label for label, d in sc.drivers.items()
                        if d.info is not None and not d.exited}
        live_actor_workers = {a["workerId"] for a in actors.values() if a["state"] == "ALIVE"}

        # Creations and restarts done.
        for a in actors.values():
            if a["state"] in PENDING_STATES:
                waiting.append(f"actor {a['id']} ({a['name'] or 'unnamed'}) is {a['state']}")
        # Exited drivers: process gone, job finished.
        for label in sc.driver_exits:
            d = sc.drivers[label]
            if d.proc.poll() is None:
                waiting.append(f"driver {label} process still running")
            job = jobs.get(d.info["jobId"])
            if job is not None and not job["isDead"]:
                waiting.append(f"job of driver {label} not finished")
        # Owned actors of dead owners are dead.
        for a in actors.values():
            if a["state"] != "DEAD" and not a["detached"]:
                owner = a["ownerWorkerId"]
                if owner not in live_drivers and owner not in live_actor_workers:
                    waiting.append(f"actor {a['id']} ({a['name'] or 'unnamed'}) outlives its owner")
        # Kills processed.
        for actor_id, no_restart, before in sc.kills:
            a = actors.get(actor_id)
            if a is None or before is None or before["state"] == "DEAD":
                continue
            if no_restart:
                if a["state"] != "DEAD":
                    waiting.append(f"killed actor {actor_id} is {a['state']}")
            elif a["state"] != "DEAD" and a["numRestarts"] <= before["numRestarts"]:
                waiting.append(f"actor {actor_id} killed with no_restart=False neither restarted nor dead")
        # Crashes resolved.
        for actor_id, before in sc.crashes:
            a = actors.get(actor_id)
            if a is not None and a["state"] != "DEAD" and a["numRestarts"] <= before["numRestarts"]:
                waiting.append(f"crashed actor {actor_id} neither restarted nor dead")
        # Intentional exits processed.
        for actor_id in sc.actor_exits:
            a = actors.get(actor_id)
            if a is not None and a["state"] != "DEAD":
                waiting.append(f"exited actor {actor_id} is {a['state']}")
        # Owner drops: an owned actor whose owner let go of every handle ends.
        for caller_worker, actor_id in sc.drops:
            a = actors.get(actor_id)
            if a is None or a["detached"] or caller_worker is None or a["ownerWorkerId"] != caller_worker:
                continue
            sc.destroyed.add(actor_id)
            if a["state"] != "DEAD":
                waiting.append(f"actor {actor_id} dropped by its owner is {a['state']}")
        if waiting:
            return waiting

        # Names of destroyed actors released (GCS lookups, controller side).
        for a in actors.values():
            if a["state"] != "DEAD" or not a["name"] or a["id"] in sc.released:
                continue
            owner_dead = (not a["detached"]) and a["ownerWorkerId"] not in live_drivers and a["ownerWorkerId"] not in live_actor_workers
            if not (a["detached"] or owner_dead or a["id"] in sc.destroyed):
                continue  # e.g. a crashed owned actor: Ray keeps its name while the owner holds it
            res = self.controller.result("lookup", name=a["name"], namespace=a["namespace"], expect=a["id"], timeout=30)
            if res.get("lagging"):
                waiting.append(f"controller has not seen {a['id']} die yet")
            elif res.get("holder") == a["id"]:
                waiting.append(f"dead actor {a['id']} still holds the name {a['name']!r}")
            else:
                sc.released.add(a["id"])
        if waiting:
            return waiting

        # Every live process has seen every death (named-actor caches, handles).
        fresh = [a["id"] for a in actors.values() if a["state"] == "DEAD" and a["id"] not in sc.propagated]
        if fresh:
            lagging = self.lagging_processes(fresh, actors, live_drivers)
            if lagging:
                return lagging
            sc.propagated.update(fresh)
        return []

    def lagging_processes(self, dead_ids, actors, live_drivers):
        sc = self.scenario
        probes = []
        for label, d in sc.drivers.items():
            if d.info is not None and not d.exited:
                probes.append((f"driver {label}", lambda d=d: d.result("local_states", actors=dead_ids, timeout=20)))
        for a in actors.values():
            if a["state"] == "ALIVE":
                probes.append((f"actor {a['id']}", lambda a=a: self.controller.result(
                    "actor_local_states", actor=a["id"], actors=dead_ids, timeout=20)))
        out = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(probes))) as ex:
            futures = [(who, ex.submit(fn)) for who, fn in probes]
            for who, fut in futures:
                try:
                    states = fut.result()
                except BridgeError as e:
                    log(f"settle: cannot probe {who}: {e}")
                    continue
                for actor_id, st in states.items():
                    if st in LIVE_LOCAL_STATES:
                        out.append(f"{who} still sees {actor_id} as {st}")
        return out

    # ------------------------------------------------------------------- main

    def read_requests(self):
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line)
            except ValueError:
                log(f"not JSON: {line!r}")
                continue
            if not isinstance(req, dict):
                log(f"not a request: {line!r}")
                continue
            if req.get("type") in ("hello", "shutdown"):
                self.handle(req)
            else:
                threading.Thread(target=self.handle, args=(req,), daemon=True).start()
        self.shutdown_all("stdin closed")
        os._exit(0)

    def serve(self):
        """Reads requests on a thread; the main thread only waits, so signals are handled at once."""
        threading.Thread(target=self.start_cluster, daemon=True, name="cluster").start()
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
