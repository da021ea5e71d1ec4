"""A scenario on the cluster: reset, its steps, crash, and the bookkeeping settle needs.

`Scenario` is what the bridge knows since the last reset (its drivers, jobs,
namespaces, and the kills, crashes, drops and exits since the last settle);
`Session` runs the protocol's reset, step and settle requests on a
`cluster.Cluster`. Standard library only: the Ray calls happen in the driver
processes (rpc.Sub) and the controller.
"""

import concurrent.futures
import os
import signal
import threading
import time

from rollcall_ray import settle as settling
from rollcall_ray.protocol import BridgeError, log
from rollcall_ray.rpc import unwrap
from rollcall_ray.settle import PENDING_STATES


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
        self.drops = []  # (caller worker id or None, actor id)
        self.actor_exits = []  # actor ids
        self.driver_exits = []  # labels
        self.destroyed = set()  # actors whose death must free their name (killed, dropped by owner)
        self.released = set()  # dead actors seen without their name
        self.propagated = set()  # dead actors every live process has seen die
        self.created = set()  # actors a create returned: settle waits until the GCS table has each
        # format version 2 (nodes)
        self.nodes = {}  # Ray node id -> {"dead": bool, "draining": bool}, the worker nodes addNode started
        self.worker_mode = False  # since the first addNode: actors go to worker nodes only
        self.node_kills = []  # nodes killed since the last settle
        self.node_table = None  # the GCS node table of the last settle poll (settle.py reads it)
        self.head = None  # the head's Ray node id, once asked for
        # format version 2 (feature gcs)
        self.storage = "none"  # the reset's gcsStorage
        self.gcs_down = False  # between stopGcs and startGcs
        self.last_table = {}  # the actor table when the GCS stopped
        self.reloading = set()  # actors the restarted GCS has not shown again yet
        # format version 2 (feature gcsLost): what a GCS restarted without persistence took with the cluster
        self.lost_drivers = {}  # label -> the GCS step that lost it (startGcs or restartGcs)
        self.lost_actors = set()

    def real_namespace(self, ns):
        """The namespace Ray sees for the scenario's `ns`."""
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
        """The scenario's name for Ray's namespace `ns` (the prefix stripped)."""
        if ns.startswith(self.prefix):
            return ns[len(self.prefix):]
        return ns

    def owns_namespace(self, ns):
        return ns.startswith(self.prefix) or ns in self.anon_namespaces

    def note_init(self, info):
        """Driver started: its job and, when anonymous, its namespace are the scenario's."""
        self.job_ids.add(info["jobId"])
        ns = info["namespace"]
        if not ns.startswith(self.prefix):
            self.anon_namespaces.add(ns)
        return {"namespace": self.visible_namespace(ns)}

    def note_after(self, do, step, before, caller_worker=None):
        """Records what a kill or a drop started, for settle."""
        if do == "kill":
            no_restart = step.get("noRestart", True)
            self.kills.append((step["actor"], no_restart, before))
            if no_restart:
                self.destroyed.add(step["actor"])
        elif do == "drop":
            self.drops.append((caller_worker, step["actor"]))

    def present(self, do, step, result):
        """The protocol's reply to a step from the Ray process's result."""
        if do in ("create", "get"):
            if do == "create":
                self.created.add(result["handle"])
                self.lost_actors.discard(result["handle"])  # a fresh cluster's actor, whatever its id
            return {"handle": result["handle"]}
        if do == "list" and step.get("allNamespaces"):
            return {"names": [
                {"name": n["name"], "namespace": self.visible_namespace(n["namespace"])}
                for n in result["names"] if self.owns_namespace(n["namespace"])
            ]}
        if do == "drop":
            return {}
        return result

    def lose_cluster(self, do):
        """A GCS restarted without persistence: every driver, job and actor of the cluster is gone.

        The worker nodes are gone too (a new cluster starts with its head only), as in
        the model: they stay on the books dead, so a scenario that placed its actors on
        worker nodes still does (and they wait for a node).
        """
        for label in self.drivers:
            self.lost_drivers.setdefault(label, do)
        self.lost_actors |= set(self.last_table) | self.created | self.destroyed
        self.drivers = {}
        self.job_ids = set()
        self.anon_namespaces = set()
        self.forget_events()
        self.destroyed = set()
        self.released = set()
        self.propagated = set()
        self.created = set()
        for node in self.nodes.values():
            node["dead"] = True
            node["draining"] = False
            node.pop("drain", None)
        self.node_table = None
        self.head = None
        self.gcs_down = False
        self.last_table = {}
        self.reloading = set()

    def forget_events(self):
        """After a settle: the kills, crashes, drops and exits are processed."""
        self.kills.clear()
        self.crashes.clear()
        self.drops.clear()
        self.actor_exits.clear()
        self.driver_exits.clear()
        self.node_kills.clear()


# What deathCause answers for each of Ray's ActorDiedErrorContext.Reason names.
DEATH_REASONS = ("RAY_KILL", "OWNER_DIED", "OUT_OF_SCOPE", "REF_DELETED", "WORKER_DIED", "NODE_DIED")


def death_cause(rec):
    """The format's death cause of an actor record (driver.py's _actor_record), None while it is not DEAD."""
    if rec is None or rec["state"] != "DEAD":
        return None
    context = rec.get("deathCause")
    if context == "actor_unschedulable_context":
        return "UNSCHEDULABLE"
    if context == "creation_task_failure_context":
        return "CREATION_TASK_ERROR"
    if context == "actor_died_error_context":
        reason = rec.get("deathReason")
        if reason == "WORKER_DIED" and "INTENDED_USER_EXIT" in (rec.get("deathMessage") or ""):
            return "INTENDED_USER_EXIT"
        if reason in DEATH_REASONS:
            return reason
    raise BridgeError(f"deathCause: Ray's death cause of actor {rec['id']} has no name in the format: "
                      f"{context} {rec.get('deathReason')} {rec.get('deathMessage', '')[:300]!r}")


def protocol_step(req):
    """The step of a step request, without the protocol's own fields."""
    return {k: v for k, v in req.items() if k not in ("id", "type", "caller")}


def worker_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class Session:
    """The scenarios run on one cluster, one after another."""

    def __init__(self, cluster, token):
        self.cluster = cluster
        self.token = token
        self.gen = 0
        self.scenario = None

    # ------------------------------------------------------------------ GCS

    def tables(self, with_jobs=False):
        return self.cluster.tables(self.scenario.job_ids, with_jobs)

    # ---------------------------------------------------------------- reset

    def reset(self, profile, profiles=("ray",), storage=None):
        if profile not in profiles:
            raise BridgeError(f"profile {profile!r} is not implemented by this Ray release (it implements {', '.join(profiles)})")
        t0 = time.time()
        self.cluster.ensure()
        if self.scenario is not None:
            self.clear()
        if storage == "redis" and self.cluster.storage != "redis":
            # GCS fault tolerance is chosen when the head starts: a new cluster, with a Redis of its own.
            # It stays (scenarios without GCS restarts run the same on it), so the switch happens once.
            from rollcall_ray.cluster import Cluster, redis_available

            if not redis_available():
                raise BridgeError("gcsStorage redis needs redis-server on PATH (Debian's package redis-server)")
            log("reset: starting a cluster with GCS fault tolerance (Redis)")
            self.cluster.shutdown("switching to a cluster with GCS fault tolerance")
            self.cluster = Cluster(storage="redis")
            self.cluster.start()
            self.cluster.ensure()
        self.cluster.kill_nodes()  # a reset throws the worker nodes away
        self.gen += 1
        self.scenario = Scenario(f"rc{self.token}-{self.gen}-")
        self.scenario.handle_dir = self.cluster.env.get("ROLLCALL_RAY_HANDLE_DIR")
        self.scenario.storage = storage or "none"
        log(f"reset #{self.gen} done in {time.time() - t0:.2f} s")

    def clear(self):
        """Kills what the last scenario left: its actors, its drivers, its jobs."""
        sc = self.scenario
        controller = self.cluster.controller
        actors, _ = self.tables() if sc.job_ids else ({}, {})
        alive = [a for a in actors.values() if a["state"] != "DEAD"]
        if alive:
            res = controller.result("kill", actors=[{"id": a["id"], "name": a["name"], "namespace": a["namespace"]} for a in alive])
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
            controller.result("forget", actors=list(actors))
        except BridgeError as e:
            log(f"reset: forget: {e}")
        hdir = self.cluster.env["ROLLCALL_RAY_HANDLE_DIR"]
        for actor_id in actors:
            for suffix in ("", ".pid"):
                try:
                    os.unlink(os.path.join(hdir, actor_id + suffix))
                except OSError:
                    pass
        self.scenario = None

    # ---------------------------------------------------------------- steps

    def step(self, req):
        sc = self.scenario
        if sc is None:
            raise BridgeError("step before reset")
        self.cluster.ensure()
        do = req.get("do")
        step = protocol_step(req)
        if "namespace" in step:
            step["namespace"] = sc.real_namespace(step["namespace"])
        if do in ("stopGcs", "startGcs", "restartGcs"):
            return self.gcs_step(do)
        by = (req.get("caller") or {}).get("driver")
        if by in sc.lost_drivers:
            raise BridgeError(f"{do}: driver {by!r} was lost with the cluster when the GCS restarted without "
                              f"persistence (at a {sc.lost_drivers[by]}): its process is gone")
        lost = [a for a in (step.get("actor"), (req.get("caller") or {}).get("actor")) if a in sc.lost_actors]
        if lost:
            raise BridgeError(f"{do}: actor {lost[0]} was lost with the cluster when the GCS restarted without persistence")
        if do == "crash":
            return self.crash(step["actor"])
        if do in ("addNode", "killNode", "drainNode"):
            return self.node_step(do, step)
        if do in ("deathCause", "placement"):
            rec = self.record(step["actor"])
            if rec is None:
                raise BridgeError(f"{do}: the GCS has no actor {step['actor']} in this scenario")
            if do == "deathCause":
                return {"cause": death_cause(rec)}
            return {"node": self.node_name(rec["nodeId"]) if rec["state"] == "ALIVE" and rec.get("nodeId") else None}
        if do == "create":
            if step.get("node"):
                step["node"] = self.ray_node(step["node"])
            if sc.worker_mode:
                from rollcall_ray.cluster import WORKER_RESOURCE

                step["_workerResource"] = WORKER_RESOURCE
        caller = req.get("caller") or {}
        if "driver" in caller:
            return self.driver_step(caller["driver"], do, step)
        if "actor" in caller:
            return self.actor_step(caller["actor"], do, step)
        raise BridgeError(f"step {do!r} without a caller")

    def driver_step(self, label, do, step):
        sc = self.scenario
        if do == "init":
            if label in sc.drivers:
                raise BridgeError(f"driver {label!r} already started")
            node = step.pop("node", None)
            temp_dir = None
            if node is not None and node != "head":
                node = self.ray_node(node)
                if node != self.head_id():
                    if sc.nodes[node]["dead"]:
                        # ray.init would look for that node's raylet among the live ones for a minute, then fail.
                        raise BridgeError(f"init: driver {label} cannot run on node {node}: the node is dead, and Ray "
                                          "connects a driver only to a live node's raylet (ray.init finds none with its temp dir)")
                    if sc.nodes[node]["draining"]:
                        # Seen on Ray 2.60.0: ray.init on a node being drained gives no answer (55 s and more).
                        raise BridgeError(f"init: driver {label} cannot run on node {node}: the node is being drained, and "
                                          "ray.init on a draining node's raylet does not return (Ray 2.60.0)")
                    temp_dir = self.cluster.nodes[node]["tempDir"]
            sub = self.cluster.new_driver(label)
            sub.node = node if temp_dir else None
            sc.drivers[label] = sub
            where = {"tempDir": temp_dir} if temp_dir else {}
            info = unwrap(sub.request("init", step=step, address=self.cluster.address, **where)) or {}
            if temp_dir and info.get("nodeId") != node:
                raise BridgeError(f"init: driver {label} should run on node {node} but Ray put it on {info.get('nodeId')}")
            sub.info = info
            return sc.note_init(info)
        sub = sc.drivers.get(label)
        if sub is None or sub.info is None:
            raise BridgeError(f"driver {label!r} has not been started")
        if sub.exited:
            raise BridgeError(f"driver {label!r} has exited")
        if do == "exit":
            sub.end(30)
            sc.driver_exits.append(label)
            return {}
        if do == "create" and getattr(sub, "node", None) is not None and sc.nodes.get(sub.node, {}).get("drain") == "idle":
            # Seen on Ray 2.60.0: the actor stays pending (its worker is leased through the creator's raylet).
            raise BridgeError(f"create: driver {label} runs on node {sub.node}, which is being drained for idle termination, "
                              "and Ray leaves an actor created from there pending (not modelled)")
        before = self.before(do, step)
        result = unwrap(sub.request("step", step=step)) or {}
        sc.note_after(do, step, before, caller_worker=sub.info["workerId"])
        return sc.present(do, step, result)

    def actor_step(self, actor_id, do, step):
        sc = self.scenario
        before = self.before(do, step)
        caller_rec = self.record(actor_id) if do == "drop" else None
        result = unwrap(self.cluster.controller.request("actor_step", actor=actor_id, step=step)) or {}
        if do == "exit":
            sc.actor_exits.append(actor_id)
            return {}
        sc.note_after(do, step, before, caller_worker=caller_rec["workerId"] if caller_rec else None)
        return sc.present(do, step, result)

    # ---------------------------------------------------------------- nodes

    def head_id(self):
        sc = self.scenario
        if sc.head is None:
            sc.head = self.cluster.head_node_id()
        return sc.head

    def ray_node(self, node):
        """The Ray node id of a protocol node id ("head" or an id addNode answered)."""
        if node == "head":
            return self.head_id()
        if node not in self.scenario.nodes:
            raise BridgeError(f"no node {node!r} in this scenario (node ids are those addNode answered, and \"head\")")
        return node

    def node_name(self, ray_node_id):
        """The protocol's id of a Ray node: "head", or the id addNode answered (the Ray node id)."""
        return "head" if ray_node_id == self.head_id() else ray_node_id

    def node_step(self, do, step):
        sc = self.scenario
        if do == "addNode":
            node_id = self.cluster.add_node()
            sc.nodes[node_id] = {"dead": False, "draining": False}
            sc.worker_mode = True
            return {"node": node_id}
        node_id = step.get("node")
        if node_id == "head" or (sc.head is not None and node_id == sc.head):
            raise BridgeError(f"{do}: the head node cannot be killed or drained")
        node_id = self.ray_node(node_id)
        if do == "killNode":
            if sc.nodes[node_id]["dead"]:
                return {}
            self.cluster.kill_node(node_id)
            sc.nodes[node_id]["dead"] = True
            sc.node_kills.append(node_id)
            # The node's death ends the drivers that run on it: their processes die with it.
            for label, d in sc.drivers.items():
                if getattr(d, "node", None) == node_id and not d.exited:
                    d.kill()
                    d.exited = True
                    log(f"killNode {node_id}: driver {label} (pid {d.proc.pid}) ran there: killed")
            return {}
        res = self.cluster.controller.result("drain", node=node_id, reason=step.get("reason"), timeout=60)
        if res["accepted"] and not sc.nodes[node_id]["dead"]:
            sc.nodes[node_id]["draining"] = True
            sc.nodes[node_id]["drain"] = step.get("reason")
        if not res["accepted"]:
            log(f"drainNode {node_id} ({step.get('reason')}): rejected: {res.get('rejection')}")
        return {"accepted": res["accepted"]}

    # ------------------------------------------------------------------ GCS

    def gcs_step(self, do):
        """stopGcs, startGcs, restartGcs (format version 2, features gcs and gcsLost)."""
        sc = self.scenario
        if do in ("stopGcs", "restartGcs"):
            if sc.gcs_down:
                raise BridgeError(f"{do}: the GCS is already stopped")
            # The last tables the GCS gave: what kills and crashes while it is down are measured against.
            sc.last_table, _ = self.tables() if sc.job_ids else ({}, {})
            self.cluster.stop_gcs()
            sc.gcs_down = True
        if do in ("startGcs", "restartGcs"):
            if not sc.gcs_down:
                raise BridgeError(f"{do}: the GCS is running")
            if sc.storage != "redis":
                self.lose_cluster(do)
                return {}
            self.cluster.start_gcs()
            sc.gcs_down = False
            sc.reloading = set(sc.last_table)
        return {}

    def lose_cluster(self, do):
        """A GCS started again without persistence (feature gcsLost): the cluster is lost, a fresh one starts.

        Ray's GCS comes back empty with a new cluster id, and every raylet (and with
        them every worker and driver) exits: seen on Ray 2.60.0 with the killed
        gcs_server started again, the head's raylet exited about 53 s later ("GCS
        returned an authentication error ... Local cluster ID"). Rather than wait for
        that, the bridge does not start the killed gcs_server again: it stops the
        whole cluster (every process the keeper has, the drivers, the controller, the
        pool) as at shutdown, and starts a fresh one as the first was started (same
        storage, the head only), on which the rest of the scenario runs.
        """
        sc = self.scenario
        t0 = time.time()
        old = self.cluster
        log(f"{do} without persistence: the cluster is lost (drivers {', '.join(sorted(sc.drivers)) or 'none'}); starting a fresh one")
        old.shutdown(f"{do} without gcsStorage redis: the GCS comes back empty, the cluster is lost", list(sc.drivers.values()))
        fresh = old.fresh()
        fresh.start()
        self.cluster = fresh
        fresh.ensure()
        sc.lose_cluster(do)
        sc.handle_dir = fresh.env.get("ROLLCALL_RAY_HANDLE_DIR")
        log(f"{do} without persistence: a fresh cluster at {fresh.address} in {time.time() - t0:.1f} s")

    def record(self, actor_id):
        sc = self.scenario
        if sc is not None and sc.gcs_down:
            # Asking the GCS would block until it is back: the last table it gave.
            return sc.last_table.get(actor_id)
        actors, _ = self.tables()
        return actors.get(actor_id)

    def before(self, do, step):
        if do == "kill":
            return self.record(step["actor"])
        return None

    def crash(self, actor_id):
        rec = self.record(actor_id)
        if rec is None:
            raise BridgeError(f"crash: the GCS has no actor {actor_id} in this scenario")
        if self.scenario.gcs_down:
            return self.crash_while_gcs_down(actor_id, rec)
        deadline = time.time() + 10
        while rec["state"] in PENDING_STATES and time.time() < deadline:
            time.sleep(0.05)
            rec = self.record(actor_id)
        if rec["state"] != "ALIVE":
            log(f"crash: actor {actor_id} is {rec['state']}: no process to kill")
            return {}
        return self.sigkill_actor(actor_id, rec["pid"], rec, f"restarts so far {rec['numRestarts']}")

    def sigkill_actor(self, actor_id, pid, rec, note):
        """SIGKILLs the actor's worker process (checked to be a Ray worker first) and notes the crash for settle."""
        cmdline = worker_cmdline(pid)
        if not cmdline.startswith("ray::"):
            raise BridgeError(f"crash: pid {pid} of actor {actor_id} is not a Ray worker ({cmdline[:80]!r})")
        os.kill(pid, signal.SIGKILL)
        self.scenario.crashes.append((actor_id, rec))
        log(f"crash: SIGKILL to pid {pid} (actor {actor_id}, {note})")
        return {}

    def crash_while_gcs_down(self, actor_id, rec):
        """SIGKILLs an actor's process while the GCS is down: its pid from the file its process wrote (actors.py)."""
        if rec["state"] != "ALIVE":
            log(f"crash: actor {actor_id} was {rec['state']} when the GCS stopped: no process to kill")
            return {}
        try:
            with open(os.path.join(self.scenario.handle_dir, actor_id + ".pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError) as e:
            raise BridgeError(f"crash: no pid file of actor {actor_id} ({e})")
        return self.sigkill_actor(actor_id, pid, rec, "while the GCS is down")

    # --------------------------------------------------------------- settle

    def settle(self):
        sc = self.scenario
        if sc is None:
            return
        self.cluster.ensure()
        if sc.gcs_down:
            # Nothing the GCS does happens while it is down: what is pending (a crash, a kill, a drop)
            # stays on the books for the settle after startGcs.
            return
        settling.settle(sc, self.unsettled)

    def unsettled(self):
        """One poll: what is not quiescent yet (empty list: settled)."""
        sc = self.scenario
        if not sc.job_ids and not sc.node_kills:
            return []
        actors, jobs = self.tables(with_jobs=bool(sc.driver_exits)) if sc.job_ids else ({}, {})
        if sc.worker_mode or sc.node_kills:
            sc.node_table = self.cluster.node_table()
        snap = settling.snapshot(sc, actors, jobs)
        if snap is None:
            return settling.unsettled(sc, actors, jobs, self.lookup, self.probe)
        lookups, states, probed = {}, {}, None

        def lookup(a):
            lookups[a["id"]] = self.lookup(a)
            return lookups[a["id"]]

        def probe(targets, dead_ids):
            nonlocal probed
            probed = list(dead_ids)
            answers = self.probe(targets, dead_ids)
            states.update(answers)
            return answers

        waits = settling.unsettled(sc, actors, jobs, lookup, probe)
        settling.record(snap, sc, waits, lookups, states, probed)
        return waits

    def lookup(self, a):
        return self.cluster.controller.result("lookup", name=a["name"], namespace=a["namespace"], expect=a["id"], timeout=30)

    def probe(self, targets, dead_ids):
        """Each live process's local states of `dead_ids`, asked for at once."""
        sc = self.scenario
        controller = self.cluster.controller

        def ask(kind, key):
            if kind == "driver":
                return sc.drivers[key].result("local_states", actors=dead_ids, timeout=20)
            return controller.result("actor_local_states", actor=key, actors=dead_ids, timeout=20)

        out = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(targets))) as ex:
            futures = [(f"{kind} {key}", ex.submit(ask, kind, key)) for kind, key in targets]
            for who, fut in futures:
                try:
                    out.append((who, fut.result()))
                except BridgeError as e:
                    log(f"settle: cannot probe {who}: {e}")
                    out.append((who, None))
        return out
