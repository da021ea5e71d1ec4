"""reset and the steps (rollcall_ray.scenario.Session) against a stand-in cluster: what is sent to which Ray process."""

import pytest

from rollcall_ray.protocol import BridgeError
from rollcall_ray.rpc import unwrap
from rollcall_ray.scenario import Session

A1 = "a1" * 16


class FakeSub:
    def __init__(self, label, answer):
        self.label = label
        self.answer = answer
        self.calls = []
        self.info = None
        self.exited = False

    def request(self, op, timeout=None, **payload):
        self.calls.append((op, payload))
        return self.answer(op, payload)

    def result(self, op, timeout=None, **payload):
        return unwrap(self.request(op, timeout=timeout, **payload))

    def end(self, timeout=10):
        self.calls.append(("exit", {}))
        self.exited = True

    def running(self):
        return not self.exited


class FakeCluster:
    def __init__(self, tmp_path):
        self.address = "127.0.0.1:6379"
        self.env = {"ROLLCALL_RAY_HANDLE_DIR": str(tmp_path)}
        self.actors = {}
        self.subs = []
        self.controller = FakeSub("controller", self.controller_answer)
        self.n = 0

    def ensure(self):
        pass

    def kill_nodes(self):
        pass

    def controller_answer(self, op, payload):
        if op == "kill":
            for a in payload["actors"]:
                self.actors[a["id"]] = dict(self.actors[a["id"]], state="DEAD")
            return {"ok": True, "result": {"killed": [a["id"] for a in payload["actors"]], "failed": {}}}
        if op == "actor_step":
            return {"ok": True, "result": {"handle": "b2" * 16} if payload["step"]["do"] == "create" else {}}
        return {"ok": True, "result": {}}

    def new_driver(self, label):
        self.n += 1
        n = self.n

        def answer(op, payload):
            if op == "init":
                ns = payload["step"].get("namespace") or f"anon-{n}"
                return {"ok": True, "result": {"namespace": ns, "jobId": f"0{n}000000", "workerId": f"w{n}", "pid": 100 + n}}
            step = payload.get("step", {})
            if step.get("do") == "create":
                return {"ok": True, "result": {"handle": A1}}
            if step.get("do") == "get":
                return {"ok": False, "error": {"kind": "NotFound", "message": "Failed to look up actor"}}
            return {"ok": True, "result": {}}

        sub = FakeSub(label, answer)
        self.subs.append(sub)
        return sub

    def tables(self, job_ids, with_jobs=False):
        return dict(self.actors), {j: {"isDead": True} for j in job_ids} if with_jobs else {}


@pytest.fixture
def session(tmp_path):
    s = Session(FakeCluster(tmp_path), "abcd")
    s.reset("ray")
    return s


def step(session, rid, caller, **fields):
    req = {"id": rid, "type": "step", **fields}
    if caller is not None:
        req["caller"] = caller
    return session.step(req)


def test_only_the_release_s_profiles_and_steps_after_reset(tmp_path):
    s = Session(FakeCluster(tmp_path), "abcd")
    with pytest.raises(BridgeError, match="step before reset"):
        step(s, 1, {"driver": "d1"}, do="init")
    with pytest.raises(BridgeError, match=r"profile 'seed' is not implemented by this Ray release \(it implements ray\)"):
        s.reset("seed")
    with pytest.raises(BridgeError, match=r"profile 'ray' is not implemented by this Ray release \(it implements ray-2.49\)"):
        s.reset("ray", ("ray-2.49",))


def test_a_driver_step_goes_to_that_drivers_process_with_the_namespace_prefixed(session):
    assert step(session, 1, {"driver": "d1"}, do="init", namespace="app") == {"namespace": "app"}
    d1 = session.cluster.subs[0]
    assert d1.calls[0] == ("init", {"step": {"do": "init", "namespace": "rcabcd-1-app"}, "address": "127.0.0.1:6379"})
    assert step(session, 2, {"driver": "d1"}, do="create", **{"class": "Counter"}, name="c", namespace="app") == {"handle": A1}
    assert d1.calls[1] == ("step", {"step": {"do": "create", "class": "Counter", "name": "c", "namespace": "rcabcd-1-app"}})
    with pytest.raises(BridgeError) as e:
        step(session, 3, {"driver": "d1"}, do="get", name="nope")
    assert e.value.kind == "NotFound"  # Ray's kind, passed on
    with pytest.raises(BridgeError, match="driver 'd1' already started"):
        step(session, 4, {"driver": "d1"}, do="init")
    with pytest.raises(BridgeError, match="driver 'd2' has not been started"):
        step(session, 5, {"driver": "d2"}, do="list")


def test_an_exited_driver_runs_nothing_more_and_settle_waits_for_it(session):
    step(session, 1, {"driver": "d1"}, do="init")
    assert step(session, 2, {"driver": "d1"}, do="exit") == {}
    assert session.scenario.driver_exits == ["d1"]
    with pytest.raises(BridgeError, match="driver 'd1' has exited"):
        step(session, 3, {"driver": "d1"}, do="list")


def test_a_kill_reads_the_actors_record_first_for_settle(session):
    step(session, 1, {"driver": "d1"}, do="init")
    rec = {"id": A1, "state": "ALIVE", "numRestarts": 0, "workerId": "wa"}
    session.cluster.actors[A1] = rec
    step(session, 2, {"driver": "d1"}, do="kill", actor=A1, noRestart=False)
    assert session.scenario.kills == [(A1, False, rec)]
    assert session.scenario.destroyed == set()


def test_a_step_by_an_actor_goes_through_the_controller(session):
    step(session, 1, {"driver": "d1"}, do="init")
    session.cluster.actors[A1] = {"id": A1, "state": "ALIVE", "numRestarts": 0, "workerId": "wa"}
    assert step(session, 2, {"actor": A1}, do="create", **{"class": "Counter"}) == {"handle": "b2" * 16}
    assert session.cluster.controller.calls[-1] == ("actor_step", {"actor": A1, "step": {"do": "create", "class": "Counter"}})
    step(session, 3, {"actor": A1}, do="drop", actor="b2" * 16)
    assert session.scenario.drops == [("wa", "b2" * 16)]  # the dropping actor's worker, from the GCS
    step(session, 4, {"actor": A1}, do="exit")
    assert session.scenario.actor_exits == [A1]


def test_a_crash_of_an_actor_that_is_not_alive_does_nothing_and_of_a_non_ray_pid_is_refused(session):
    step(session, 1, {"driver": "d1"}, do="init")
    session.cluster.actors[A1] = {"id": A1, "state": "DEAD", "numRestarts": 0, "pid": 0}
    assert step(session, 2, None, do="crash", actor=A1) == {}
    import os

    session.cluster.actors[A1] = {"id": A1, "state": "ALIVE", "numRestarts": 0, "pid": os.getpid()}
    with pytest.raises(BridgeError, match="is not a Ray worker"):
        step(session, 3, None, do="crash", actor=A1)
    assert session.scenario.crashes == []
    with pytest.raises(BridgeError, match="the GCS has no actor"):
        step(session, 4, None, do="crash", actor="ff" * 16)


def test_reset_kills_what_is_left_ends_the_drivers_and_starts_a_new_prefix(session, tmp_path):
    step(session, 1, {"driver": "d1"}, do="init", namespace="app")
    (tmp_path / A1).write_text("handle")
    (tmp_path / (A1 + ".pid")).write_text("1")
    session.cluster.actors[A1] = {"id": A1, "state": "ALIVE", "name": "c", "namespace": "rcabcd-1-app"}
    session.reset("ray")
    ops = [op for op, _ in session.cluster.controller.calls]
    assert ops == ["kill", "forget"]
    assert session.cluster.controller.calls[0][1] == {"actors": [{"id": A1, "name": "c", "namespace": "rcabcd-1-app"}]}
    assert session.cluster.subs[0].exited
    assert not (tmp_path / A1).exists() and not (tmp_path / (A1 + ".pid")).exists()
    assert session.scenario.prefix == "rcabcd-2-"
