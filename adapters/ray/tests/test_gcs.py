"""GCS restarts in the bridge, without Ray (format version 2, features gcs and gcsLost): with Redis
the GCS is killed and started again; without persistence the cluster is lost and a fresh one
runs the rest of the scenario; hello lists the features on the releases where they were seen to pass."""

import pytest

from rollcall_ray import settle
from rollcall_ray.protocol import BridgeError
from rollcall_ray.scenario import Session
from test_session import A1, FakeCluster

B1 = "b1" * 16


class GcsCluster(FakeCluster):
    """FakeCluster whose GCS can be stopped and started, that can be shut down and started afresh."""

    def __init__(self, tmp_path, storage="none", generation=1):
        handles = tmp_path / f"handles-{generation}"
        handles.mkdir()
        super().__init__(handles)
        self.tmp_path = tmp_path
        self.storage = storage
        self.generation = generation
        self.address = f"127.0.0.1:{6378 + generation}"
        self.events = []
        self.started = False
        self.stopped_with = None

    def stop_gcs(self):
        self.events.append("stop_gcs")

    def start_gcs(self):
        self.events.append("start_gcs")

    def shutdown(self, why, others=()):
        self.events.append("shutdown")
        self.stopped_with = (why, list(others))

    def fresh(self):
        return GcsCluster(self.tmp_path, self.storage, self.generation + 1)

    def start(self):
        self.started = True

    def ensure(self):
        assert self.stopped_with is None, "a stopped cluster is not used again"


def step(session, caller, **fields):
    req = {"id": 1, "type": "step", **fields}
    if caller is not None:
        req["caller"] = caller
    return session.step(req)


def scenario_with_actors(tmp_path, storage=None):
    s = Session(GcsCluster(tmp_path, storage="redis" if storage == "redis" else "none"), "abcd")
    s.reset("ray", storage=storage)
    step(s, {"driver": "d1"}, do="init", namespace="ns")
    assert step(s, {"driver": "d1"}, do="create", **{"class": "Counter"}, name="keep", lifetime="detached", namespace="ns") == {"handle": A1}
    s.cluster.actors[A1] = {"id": A1, "state": "ALIVE", "name": "keep", "namespace": "rcabcd-1-ns", "numRestarts": 0, "workerId": "wa"}
    return s


def test_a_restart_without_persistence_stops_the_whole_cluster_and_starts_a_fresh_one(tmp_path):
    s = scenario_with_actors(tmp_path)
    old = s.cluster
    d1 = old.subs[0]
    assert step(s, None, do="restartGcs") == {}
    # The old cluster: its GCS killed, never started again, then every process stopped, d1 with it.
    assert old.events == ["stop_gcs", "shutdown"]
    assert "gcsStorage" in old.stopped_with[0] and old.stopped_with[1] == [d1]
    # A fresh cluster, started as the first was (same storage), is the session's now.
    fresh = s.cluster
    assert fresh is not old and fresh.started and fresh.generation == 2 and fresh.storage == "none"
    sc = s.scenario
    assert sc.drivers == {} and sc.job_ids == set() and not sc.gcs_down
    assert sc.handle_dir == fresh.env["ROLLCALL_RAY_HANDLE_DIR"]
    # Nothing left to settle: the fresh cluster is empty.
    s.settle()
    assert fresh.controller.calls == []


def test_after_the_loss_the_old_drivers_and_actors_are_refused_and_new_drivers_init_afresh(tmp_path):
    s = scenario_with_actors(tmp_path)
    step(s, None, do="restartGcs")
    for do, fields in (("list", {}), ("init", {}), ("exit", {}), ("call", {"actor": A1, "method": "incr"})):
        with pytest.raises(BridgeError, match="driver 'd1' was lost with the cluster when the GCS restarted without persistence") as e:
            step(s, {"driver": "d1"}, do=do, **fields)
        assert e.value.kind == "Internal"
    # d2 starts on the fresh cluster, in the scenario's namespace.
    assert step(s, {"driver": "d2"}, do="init", namespace="ns") == {"namespace": "ns"}
    d2 = s.cluster.subs[0]
    assert d2.calls[0] == ("init", {"step": {"do": "init", "namespace": "rcabcd-1-ns"}, "address": "127.0.0.1:6380"})
    with pytest.raises(BridgeError, match=f"actor {A1} was lost with the cluster"):
        step(s, {"driver": "d2"}, do="call", actor=A1, method="incr")
    with pytest.raises(BridgeError, match=f"actor {A1} was lost with the cluster"):
        step(s, {"actor": A1}, do="list")
    assert step(s, {"driver": "d2"}, do="create", **{"class": "Counter"}, name="keep", lifetime="detached", namespace="ns") == {"handle": A1}
    assert A1 not in s.scenario.lost_actors  # the fresh cluster's actor (ids are not remembered across clusters)


def test_a_stop_and_start_without_persistence_keeps_the_cluster_while_the_gcs_is_down_then_loses_it(tmp_path):
    s = scenario_with_actors(tmp_path)
    old = s.cluster
    assert step(s, None, do="stopGcs") == {}
    assert old.events == ["stop_gcs"] and s.scenario.gcs_down
    assert s.scenario.last_table == {A1: old.actors[A1]}
    # While it is down: a call goes on to the driver's process, settle asks nothing.
    calls = len(old.controller.calls)
    step(s, {"driver": "d1"}, do="call", actor=A1, method="incr")
    assert old.subs[0].calls[-1] == ("step", {"step": {"do": "call", "actor": A1, "method": "incr"}})
    s.settle()
    assert len(old.controller.calls) == calls
    with pytest.raises(BridgeError, match="the GCS is already stopped"):
        step(s, None, do="stopGcs")
    assert step(s, None, do="startGcs") == {}
    assert old.events == ["stop_gcs", "shutdown"] and s.cluster.generation == 2
    assert A1 in s.scenario.lost_actors and "d1" in s.scenario.lost_drivers
    with pytest.raises(BridgeError, match="the GCS is running"):
        step(s, None, do="startGcs")


def test_a_restart_without_persistence_on_the_redis_cluster_loses_it_too(tmp_path):
    # The cluster switched to Redis for an earlier file; this file has no gcsStorage: its GCS does not persist.
    s = Session(GcsCluster(tmp_path, storage="redis"), "abcd")
    s.reset("ray")
    step(s, {"driver": "d1"}, do="init")
    old = s.cluster
    step(s, None, do="restartGcs")
    assert old.events == ["stop_gcs", "shutdown"]
    assert s.cluster.storage == "redis" and s.cluster.generation == 2


def test_worker_nodes_are_lost_with_the_cluster_and_stay_dead_on_the_books(tmp_path):
    s = scenario_with_actors(tmp_path)
    N1 = "n1" * 28
    s.scenario.nodes[N1] = {"dead": False, "draining": True, "drain": "idle"}
    s.scenario.worker_mode = True
    step(s, None, do="restartGcs")
    assert s.scenario.nodes[N1] == {"dead": True, "draining": False}
    assert s.scenario.worker_mode  # the scenario's actors still ask for a worker node: they wait for one
    assert settle.no_worker_node(s.scenario)
    assert step(s, None, do="killNode", node=N1) == {}  # already dead: nothing to kill


def test_with_redis_the_gcs_is_started_again_and_reloads(tmp_path):
    s = scenario_with_actors(tmp_path, storage="redis")
    old = s.cluster
    step(s, None, do="restartGcs")
    assert old.events == ["stop_gcs", "start_gcs"] and s.cluster is old
    assert s.scenario.reloading == {A1} and "d1" in s.scenario.drivers and not s.scenario.lost_drivers


def test_hello_lists_gcs_lost_on_the_releases_where_it_was_seen_to_pass(monkeypatch):
    import bridge
    from rollcall_ray import cluster

    monkeypatch.setattr(cluster, "redis_available", lambda: True)
    assert bridge.features("2.60.0", {}) == ["initFails", "gcs", "gcsLost"]
    monkeypatch.setattr(cluster, "redis_available", lambda: False)
    assert bridge.features("2.60.0", {}) == ["initFails", "gcsLost"]  # no Redis needed to lose the cluster
    for version in ("2.49.2", "2.30.0"):
        assert bridge.features(version, {}) == []
    assert bridge.features("2.60.0", {"ROLLCALL_RAY_CLUSTER": "10.0.0.1:6379"}) == []  # a user's cluster: format 1 only

