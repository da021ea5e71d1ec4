"""Scenario format version 2 (nodes) in the bridge, without Ray: the protocol's node steps,
the Session's node bookkeeping against a stand-in cluster, the settle predicates over node
tables, death causes, hello's formats, and the keeper's killing of a node's processes
(a stand-in `ray start` whose children leave its process group, as Ray's workers do)."""

import json
import os
import subprocess
import sys
import time
import types

import pytest

from rollcall_ray import keeper, settle
from rollcall_ray.protocol import BridgeError, ProtocolError, parse_request
from rollcall_ray.scenario import Scenario, Session, death_cause
from test_session import A1, FakeCluster, FakeSub

HEAD = "h0" * 28
N1 = "n1" * 28
N2 = "n2" * 28


# ------------------------------------------------------------------ protocol


@pytest.mark.parametrize("req", [
    {"id": 1, "type": "step", "do": "addNode"},
    {"id": 2, "type": "step", "do": "killNode", "node": N1},
    {"id": 3, "type": "step", "do": "drainNode", "node": N1, "reason": "preemption"},
    {"id": 4, "type": "step", "do": "drainNode", "node": N1, "reason": "idle"},
    {"id": 5, "type": "step", "caller": {"driver": "d1"}, "do": "deathCause", "actor": A1},
    {"id": 6, "type": "step", "caller": {"actor": A1}, "do": "placement", "actor": A1},
    {"id": 7, "type": "step", "caller": {"driver": "d1"}, "do": "init", "node": N1},
    {"id": 8, "type": "step", "caller": {"driver": "d1"}, "do": "create", "class": "Counter", "node": N1, "soft": True},
])
def test_the_node_steps_are_valid_requests(req):
    assert parse_request(json.dumps(req) + "\n") == req


@pytest.mark.parametrize("req, message", [
    ({"id": 1, "type": "step", "caller": {"driver": "d1"}, "do": "addNode"}, "a addNode step has no caller"),
    ({"id": 2, "type": "step", "do": "killNode"}, "step 'killNode' needs field 'node'"),
    ({"id": 3, "type": "step", "do": "drainNode", "node": N1, "reason": "spot"}, "needs field 'reason': one of preemption, idle"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "placement"}, "step 'placement' needs field 'actor'"),
    ({"id": 5, "type": "step", "caller": {"driver": "d1"}, "do": "create", "class": "Counter", "node": 3}, "field 'node' must be a node id"),
    ({"id": 6, "type": "step", "caller": {"driver": "d1"}, "do": "create", "class": "Counter", "node": N1, "soft": "yes"}, "field 'soft' must be a boolean"),
])
def test_malformed_node_steps_are_protocol_errors(req, message):
    with pytest.raises(ProtocolError) as e:
        parse_request(json.dumps(req) + "\n")
    assert message in str(e.value)


# ------------------------------------------------------------------ session


class NodeCluster(FakeCluster):
    """FakeCluster with worker nodes: addNode answers n1, n2, ...; the controller drains."""

    def __init__(self, tmp_path):
        super().__init__(tmp_path)
        self.node_ids = [N1, N2]
        self.nodes = {}
        self.killed = []
        self.drains = []
        self.table = {HEAD: {"alive": True, "isHead": True}}
        self.drain_accepts = True

    def head_node_id(self):
        return HEAD

    def node_table(self):
        return {k: dict(v) for k, v in self.table.items()}

    def add_node(self):
        node_id = self.node_ids.pop(0)
        self.nodes[node_id] = {"k": node_id[:2], "tempDir": f"/tmp/x/{node_id[:2]}", "port": 1}
        self.table[node_id] = {"alive": True, "isHead": False}
        return node_id

    def kill_node(self, node_id):
        self.killed.append(node_id)

    def controller_answer(self, op, payload):
        if op == "drain":
            self.drains.append((payload["node"], payload["reason"]))
            return {"ok": True, "result": {"accepted": self.drain_accepts, "rejection": "" if self.drain_accepts else "busy"}}
        return super().controller_answer(op, payload)

    def new_driver(self, label):
        sub = super().new_driver(label)
        answer = sub.answer

        def on_node(op, payload):
            reply = answer(op, payload)
            if op == "init":
                reply["result"]["nodeId"] = {"/tmp/x/n1": N1, "/tmp/x/n2": N2}.get(payload.get("tempDir"), HEAD)
            return reply

        sub.answer = on_node
        sub.kill = lambda: sub.calls.append(("SIGKILL", {}))
        sub.proc = types.SimpleNamespace(pid=4242)
        return sub


@pytest.fixture
def nsession(tmp_path):
    s = Session(NodeCluster(tmp_path), "abcd")
    s.reset("ray")
    return s


def step(session, caller, **fields):
    req = {"id": 1, "type": "step", **fields}
    if caller is not None:
        req["caller"] = caller
    return session.step(req)


def test_add_node_answers_the_ray_node_id_and_creates_then_ask_for_worker_nodes(nsession):
    step(nsession, {"driver": "d1"}, do="init")
    step(nsession, {"driver": "d1"}, do="create", **{"class": "Counter"}, name="before")
    d1 = nsession.cluster.subs[0]
    assert "_workerResource" not in d1.calls[-1][1]["step"]  # no worker node yet: the head, as in version 1
    assert step(nsession, None, do="addNode") == {"node": N1}
    step(nsession, {"driver": "d1"}, do="create", **{"class": "Counter"}, name="c", node=N1, soft=True)
    assert d1.calls[-1][1]["step"] == {"do": "create", "class": "Counter", "name": "c", "node": N1, "soft": True,
                                        "_workerResource": "rollcall_worker"}
    with pytest.raises(BridgeError, match="no node 'n9'"):
        step(nsession, {"driver": "d1"}, do="create", **{"class": "Counter"}, node="n9")


def test_a_driver_on_a_node_joins_that_nodes_raylet_and_dies_with_it(nsession):
    step(nsession, None, do="addNode")
    step(nsession, {"driver": "d1"}, do="init")
    step(nsession, {"driver": "d2"}, do="init", node=N1)
    d1, d2 = nsession.cluster.subs
    assert "tempDir" not in d1.calls[0][1]
    assert d2.calls[0][1]["tempDir"] == "/tmp/x/n1" and "node" not in d2.calls[0][1]["step"]
    assert step(nsession, None, do="killNode", node=N1) == {}
    assert nsession.cluster.killed == [N1]
    assert ("SIGKILL", {}) in d2.calls and d2.exited
    assert ("SIGKILL", {}) not in d1.calls and not d1.exited
    assert nsession.scenario.node_kills == [N1]
    assert step(nsession, None, do="killNode", node=N1) == {}  # already dead: nothing more
    assert nsession.cluster.killed == [N1]


def test_a_driver_cannot_start_on_a_dead_node(nsession):
    step(nsession, None, do="addNode")
    step(nsession, None, do="killNode", node=N1)
    with pytest.raises(BridgeError, match="the node is dead") as e:
        step(nsession, {"driver": "d1"}, do="init", node=N1)
    assert e.value.kind == "Internal"
    assert nsession.cluster.subs == []


def test_a_driver_cannot_start_on_a_draining_node_nor_create_from_an_idle_drained_one(nsession):
    step(nsession, None, do="addNode")
    step(nsession, None, do="addNode")
    step(nsession, {"driver": "d1"}, do="init", node=N1)
    step(nsession, {"driver": "d2"}, do="init", node=N2)
    assert step(nsession, None, do="drainNode", node=N1, reason="idle") == {"accepted": True}
    assert step(nsession, None, do="drainNode", node=N2, reason="preemption") == {"accepted": True}
    with pytest.raises(BridgeError, match="being drained for idle termination") as e:
        step(nsession, {"driver": "d1"}, do="create", **{"class": "Counter"}, name="c")
    assert e.value.kind == "Internal"
    step(nsession, {"driver": "d2"}, do="create", **{"class": "Counter"}, name="c")  # after a preemption drain: placed elsewhere
    with pytest.raises(BridgeError, match="the node is being drained"):
        step(nsession, {"driver": "d3"}, do="init", node=N2)
    assert len(nsession.cluster.subs) == 2


def test_the_head_cannot_be_killed_or_drained(nsession):
    for do in ("killNode", "drainNode"):
        with pytest.raises(BridgeError, match="the head node cannot be killed or drained"):
            step(nsession, None, do=do, node="head", reason="idle")


def test_drain_answers_accepted_and_marks_the_node_draining(nsession):
    step(nsession, None, do="addNode")
    step(nsession, None, do="addNode")
    assert step(nsession, None, do="drainNode", node=N1, reason="preemption") == {"accepted": True}
    nsession.cluster.drain_accepts = False
    assert step(nsession, None, do="drainNode", node=N2, reason="idle") == {"accepted": False}
    assert nsession.cluster.drains == [(N1, "preemption"), (N2, "idle")]
    assert nsession.scenario.nodes == {N1: {"dead": False, "draining": True, "drain": "preemption"}, N2: {"dead": False, "draining": False}}


def test_placement_and_death_cause_come_from_the_actor_table(nsession):
    step(nsession, None, do="addNode")
    step(nsession, {"driver": "d1"}, do="init")
    actors = nsession.cluster.actors
    actors[A1] = {"id": A1, "state": "ALIVE", "nodeId": N1}
    assert step(nsession, {"driver": "d1"}, do="placement", actor=A1) == {"node": N1}
    assert step(nsession, {"driver": "d1"}, do="deathCause", actor=A1) == {"cause": None}
    actors[A1] = {"id": A1, "state": "ALIVE", "nodeId": HEAD}
    assert step(nsession, {"driver": "d1"}, do="placement", actor=A1) == {"node": "head"}
    actors[A1] = {"id": A1, "state": "RESTARTING", "nodeId": ""}
    assert step(nsession, {"driver": "d1"}, do="placement", actor=A1) == {"node": None}
    actors[A1] = {"id": A1, "state": "DEAD", "nodeId": "", "deathCause": "actor_died_error_context", "deathReason": "NODE_DIED"}
    assert step(nsession, {"driver": "d1"}, do="deathCause", actor=A1) == {"cause": "NODE_DIED"}


@pytest.mark.parametrize("rec, cause", [
    ({"state": "ALIVE"}, None),
    ({"state": "DEAD", "deathCause": "actor_unschedulable_context"}, "UNSCHEDULABLE"),
    ({"state": "DEAD", "deathCause": "actor_died_error_context", "deathReason": "OWNER_DIED"}, "OWNER_DIED"),
    ({"state": "DEAD", "deathCause": "actor_died_error_context", "deathReason": "RAY_KILL"}, "RAY_KILL"),
    ({"state": "DEAD", "deathCause": "actor_died_error_context", "deathReason": "WORKER_DIED",
      "deathMessage": "Worker exit type: INTENDED_USER_EXIT Worker exit detail: exit_actor()"}, "INTENDED_USER_EXIT"),
    ({"state": "DEAD", "deathCause": "actor_died_error_context", "deathReason": "WORKER_DIED",
      "deathMessage": "Worker exit type: SYSTEM_ERROR"}, "WORKER_DIED"),
    # Format version 2's initFails: a constructor that raised.
    ({"state": "DEAD", "deathCause": "creation_task_failure_context", "deathMessage": "boom"}, "CREATION_TASK_ERROR"),
])
def test_death_causes(rec, cause):
    assert death_cause(dict(rec, id=A1)) == cause


def test_a_death_cause_the_format_has_no_name_for_is_an_error():
    with pytest.raises(BridgeError, match="has no name in the format: runtime_env_failed_context"):
        death_cause({"id": A1, "state": "DEAD", "deathCause": "runtime_env_failed_context", "deathMessage": "boom"})


# ------------------------------------------------------------------- settle


def node_scenario(nodes, table):
    sc = Scenario("rc0000-1-")
    sc.worker_mode = True
    sc.nodes = nodes
    sc.node_table = table
    return sc


def actor(state, node="", **more):
    return dict({"id": A1, "state": state, "name": "r", "namespace": "ns", "detached": True, "jobId": "01",
                 "ownerWorkerId": "w1", "workerId": "wa", "numRestarts": 1, "nodeId": node}, **more)


def test_settle_waits_for_a_killed_node_to_be_dead_in_the_gcs_and_its_actors_to_leave_it():
    sc = node_scenario({N1: {"dead": True, "draining": False}, N2: {"dead": False, "draining": False}},
                       {N1: {"alive": True}, N2: {"alive": True}})
    sc.node_kills = [N1]
    assert settle.table_waits(sc, {A1: actor("ALIVE", N1)}, {}) == [f"killed node {N1} is not dead in the GCS yet"]
    sc.node_table[N1]["alive"] = False
    assert settle.table_waits(sc, {A1: actor("ALIVE", N1)}, {}) == [f"actor {A1} (r) is ALIVE on the dead node {N1}"]
    assert settle.table_waits(sc, {A1: actor("RESTARTING")}, {}) == [f"actor {A1} (r) is RESTARTING"]  # n2 can take it
    assert settle.table_waits(sc, {A1: actor("ALIVE", N2)}, {}) == []


def test_an_actor_with_no_worker_node_to_go_to_is_settled_while_pending():
    sc = node_scenario({N1: {"dead": True, "draining": False}}, {N1: {"alive": False}})
    assert settle.no_worker_node(sc)
    assert settle.table_waits(sc, {A1: actor("RESTARTING")}, {}) == []
    assert settle.table_waits(sc, {A1: actor("PENDING_CREATION")}, {}) == []
    sc.nodes[N2] = {"dead": False, "draining": True}  # a draining node takes no new actors
    sc.node_table[N2] = {"alive": True}
    assert settle.no_worker_node(sc)
    sc.nodes[N2]["draining"] = False
    assert not settle.no_worker_node(sc)
    assert settle.table_waits(sc, {A1: actor("RESTARTING")}, {}) == [f"actor {A1} (r) is RESTARTING"]


def test_version_1_scenarios_never_take_a_pending_actor_as_settled():
    sc = Scenario("rc0000-1-")
    assert not settle.no_worker_node(sc)


def test_an_unschedulable_actor_is_destroyed_so_settle_waits_for_its_name():
    sc = node_scenario({}, {})
    sc.drivers["d1"] = types.SimpleNamespace(info={"workerId": "w1", "jobId": "01"}, exited=False, running=lambda: True)
    dead = actor("DEAD", detached=False, deathCause="actor_unschedulable_context")
    assert settle.names_to_release(sc, {A1: dead}) == [dead]
    assert settle.names_to_release(sc, {A1: dict(dead, deathCause="actor_died_error_context")}) == []


# -------------------------------------------------------------------- hello


def test_hello_lists_format_2_only_on_the_releases_it_was_run_on():
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import bridge

    assert bridge.formats("2.60.0", {}) == [1, 2]
    assert bridge.formats("2.49.2", {}) == [1]
    assert bridge.formats("2.60.0", {"ROLLCALL_RAY_CLUSTER": "10.0.0.1:6379"}) == [1]


# ------------------------------------------------------------------- keeper

STAND_IN_NODE = r"""
import os, subprocess, sys, time
# a raylet-like child that starts a worker in a session of its own (as Ray's workers are)
child = subprocess.Popen([sys.executable, "-c",
    "import os, subprocess, sys, time\n"
    "w = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True)\n"
    "open(sys.argv[1], 'w').write(str(w.pid))\n"
    "time.sleep(600)\n", sys.argv[1]])
print("Ray runtime started", flush=True)
time.sleep(600)
"""


def alive(pid):
    return keeper.alive(pid)


def test_kill_node_kills_every_process_of_the_node_even_those_in_other_process_groups(tmp_path):
    pid_file = tmp_path / "worker.pid"
    nodes = {}
    spec = {"argv": [sys.executable, "-c", STAND_IN_NODE, str(pid_file)], "log": str(tmp_path / "node.log")}
    up, why = keeper.start_node("1", spec, nodes)
    assert up, why
    deadline = time.time() + 10
    while not (pid_file.exists() and pid_file.read_text()) and time.time() < deadline:
        time.sleep(0.02)
    worker = int(pid_file.read_text())
    proc, tag = nodes["1"]
    assert os.getpgid(worker) != os.getpgid(proc.pid)
    assert worker in keeper.tagged(tag)
    assert keeper.kill_node(proc, tag) >= 3
    deadline = time.time() + 5
    while alive(worker) and time.time() < deadline:
        time.sleep(0.02)
    assert not alive(worker) and proc.poll() is not None and keeper.tagged(tag) == []


def test_a_node_that_does_not_come_up_says_why(tmp_path):
    spec = {"argv": [sys.executable, "-c", "print('no'); raise SystemExit(3)"], "log": str(tmp_path / "node.log")}
    up, why = keeper.start_node("1", spec, {})
    assert not up and "status 3" in why


# ------------------------------------------------------- GCS restarts (feature gcs)


def test_settle_waits_for_a_restarted_gcs_to_show_every_actor_it_had_again():
    from rollcall_ray.settle import table_waits

    sc = Scenario("rc0000-1-")
    sc.reloading = {A1}
    waits = table_waits(sc, {}, {})
    assert any("has not reloaded actor" in w and A1 in w for w in waits)
    table_waits(sc, {A1: {"id": A1, "state": "ALIVE", "name": None, "detached": True, "ownerWorkerId": None,
                          "workerId": "w1", "numRestarts": 0, "nodeId": None}}, {})
    assert sc.reloading == set()


def test_gcs_steps_need_no_caller_and_reset_takes_a_storage():
    from rollcall_ray.protocol import ProtocolError, parse_request

    assert parse_request('{"id":1,"type":"step","do":"stopGcs"}')["do"] == "stopGcs"
    assert parse_request('{"id":2,"type":"reset","profile":"ray","gcsStorage":"redis"}')["gcsStorage"] == "redis"
    with pytest.raises(ProtocolError, match="gcsStorage"):
        parse_request('{"id":3,"type":"reset","profile":"ray","gcsStorage":"disk"}')
    with pytest.raises(ProtocolError, match="has no caller"):
        parse_request('{"id":4,"type":"step","do":"startGcs","caller":{"driver":"d1"}}')
