"""The settle predicates (rollcall_ray.settle) over GCS tables recorded on Ray 2.60.0.

Each fixture in fixtures/settle/ is one settle poll as RAY_BRIDGE_RECORD
wrote it during `rollcall run --target ray scenarios/` (the actor and job
tables of the scenario's jobs, the drivers, the kills, crashes, drops and
exits since the last settle), plus what the controller's name lookups and
the processes' local actor states answered, and the waits settle must
report (none: settled).
"""

import glob
import json
import os
import types

import pytest

from rollcall_ray import settle
from rollcall_ray.scenario import Scenario

FIXTURES = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "settle", "*.json")))


def load(path):
    with open(path) as f:
        return json.load(f)


def scenario_of(fx):
    sc = Scenario("rc0000-1-")
    for label, d in fx["drivers"].items():
        info = None if d["workerId"] is None else {"workerId": d["workerId"], "jobId": d["jobId"], "namespace": "rc0000-1-x"}
        sc.drivers[label] = types.SimpleNamespace(info=info, exited=d["exited"], running=lambda d=d: d["running"])
        if info is not None:
            sc.job_ids.add(d["jobId"])
    sc.kills = [tuple(k) for k in fx["kills"]]
    sc.crashes = [tuple(c) for c in fx["crashes"]]
    sc.drops = [tuple(d) for d in fx["drops"]]
    sc.actor_exits = list(fx["actorExits"])
    sc.driver_exits = list(fx["driverExits"])
    sc.destroyed = set(fx["destroyed"])
    sc.released = set(fx["released"])
    sc.propagated = set(fx["propagated"])
    return sc


def run(fx):
    sc = scenario_of(fx)
    actors = {a["id"]: a for a in fx["actors"]}
    asked = {"lookups": [], "probes": []}

    def lookup(a):
        asked["lookups"].append(a["id"])
        return fx["lookups"][a["id"]]

    def probe(targets, dead):
        asked["probes"].append((sorted(f"{k} {key}" for k, key in targets), sorted(dead)))
        return [(f"{k} {key}", fx["localStates"][f"{k} {key}"]) for k, key in targets]

    waits = settle.unsettled(sc, actors, fx["jobs"], lookup, probe)
    return sc, waits, asked


def test_there_are_recorded_fixtures():
    assert len(FIXTURES) >= 8


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: os.path.basename(p)[:-5])
def test_settle_on_recorded_tables(path):
    fx = load(path)
    sc, waits, asked = run(fx)
    assert waits == fx["waits"], fx["about"]
    assert sorted(asked["lookups"]) == sorted(fx.get("lookups", {})), "the names settle looks up"
    if "localStates" in fx:
        assert [p[0] for p in asked["probes"]] == [sorted(fx["localStates"])], "the processes settle asks"
        assert asked["probes"][0][1] == sorted(fx["probedDeaths"])
    else:
        assert asked["probes"] == []
    after = fx.get("after", {})
    for field in ("destroyed", "released", "propagated"):
        if field in after:
            assert sorted(getattr(sc, field)) == sorted(after[field]), field


# Hand-made tables for what the recorded ones do not show.

DRIVER_W = "02000000" + "f" * 48


def actor(id_, state="ALIVE", name="", detached=False, owner=DRIVER_W, restarts=0, worker=None):
    return {"id": id_, "state": state, "name": name, "namespace": "rc0000-1-ns", "detached": detached,
            "jobId": "02000000", "ownerWorkerId": owner, "workerId": worker or ("w" + id_), "pid": 1,
            "numRestarts": restarts, "maxRestarts": 0}


def one_driver(exited=False, running=True):
    sc = Scenario("rc0000-1-")
    sc.drivers["d1"] = types.SimpleNamespace(info={"workerId": DRIVER_W, "jobId": "02000000"}, exited=exited, running=lambda: running)
    sc.job_ids.add("02000000")
    return sc


def test_a_child_owned_by_an_alive_actor_is_not_orphaned_but_one_of_a_dead_actor_is():
    sc = one_driver()
    parent = actor("a1")
    child = actor("a2", owner=parent["workerId"])
    assert settle.table_waits(sc, {"a1": parent, "a2": child}, {}) == []
    dead_parent = dict(parent, state="DEAD")
    assert settle.table_waits(sc, {"a1": dead_parent, "a2": child}, {}) == ["actor a2 (unnamed) outlives its owner"]
    # A detached child outlives anyone.
    assert settle.table_waits(sc, {"a1": dead_parent, "a2": dict(child, detached=True)}, {}) == []


def test_a_kill_of_an_actor_that_was_already_dead_waits_for_nothing():
    sc = one_driver()
    sc.kills = [("a1", True, actor("a1", state="DEAD")), ("a2", True, None)]
    assert settle.table_waits(sc, {"a1": actor("a1"), "a2": actor("a2")}, {}) == []


def test_a_drop_by_a_caller_that_is_not_the_owner_destroys_nothing():
    sc = one_driver()
    sc.drops = [("someone-else", "a1"), (None, "a1")]
    assert settle.table_waits(sc, {"a1": actor("a1")}, {}) == []
    assert sc.destroyed == set()
    sc.drops = [(DRIVER_W, "a1")]
    assert settle.table_waits(sc, {"a1": actor("a1")}, {}) == ["actor a1 dropped by its owner is ALIVE"]
    assert sc.destroyed == {"a1"}


def test_a_crashed_owned_actor_whose_owner_lives_keeps_its_name():
    sc = one_driver()
    crashed = actor("a1", state="DEAD", name="c")
    assert settle.names_to_release(sc, {"a1": crashed}) == []
    sc.destroyed.add("a1")  # killed for good: the name must go
    assert settle.names_to_release(sc, {"a1": crashed}) == [crashed]


def test_an_unreachable_process_is_not_waited_for():
    sc = one_driver()
    dead = actor("a1", state="DEAD")
    waits = settle.unsettled(sc, {"a1": dead}, {}, lookup=None, probe=lambda targets, ids: [("driver d1", None)])
    assert waits == []
    assert sc.propagated == {"a1"}


def test_settle_stops_at_its_deadline_and_forgets_the_events():
    sc = one_driver()
    sc.kills.append(("a1", True, None))
    sc.driver_exits.append("d1")
    now = [0.0]
    polls = []

    def poll():
        polls.append(now[0])
        return ["actor a1 is ALIVE"]

    def sleep(s):
        now[0] += s

    settled, seconds, n = settle.settle(sc, poll, deadline_s=1.0, poll_s=0.25, clock=lambda: now[0], sleep=sleep)
    assert (settled, n) == (False, 6)
    assert polls == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]
    assert sc.kills == [] and sc.driver_exits == []


def test_settle_answers_as_soon_as_nothing_waits():
    sc = one_driver()
    answers = [["actor a1 (c) is PENDING_CREATION"], ["actor a1 (c) is PENDING_CREATION"], []]
    settled, _, n = settle.settle(sc, lambda: answers.pop(0), deadline_s=30, poll_s=0, sleep=lambda s: None)
    assert (settled, n) == (True, 3)


def test_a_release_that_cannot_say_what_a_process_believes_waits_a_grace_period_after_the_death():
    # Before 2.38 a core worker has no get_local_actor_state: every probe answers UNKNOWN.
    sc = Scenario("rc0000-1-")
    dead = {"id": "a1", "state": "DEAD", "name": "", "namespace": "n", "detached": False, "jobId": "01000000",
            "ownerWorkerId": "w1", "workerId": "w9", "pid": 1, "numRestarts": 0, "maxRestarts": 0, "deathCause": None}
    sc.drivers["d1"] = types.SimpleNamespace(info={"workerId": "w1", "jobId": "01000000", "namespace": "n"}, exited=False, running=lambda: False)
    sc.destroyed = {"a1"}
    clock = [100.0]

    def probe(targets, ids):
        return [(f"{k} {key}", {i: settle.UNKNOWN_LOCAL_STATE for i in ids}) for k, key in targets]

    def lookup(a):
        return {"holder": None}

    first = settle.unsettled(sc, {"a1": dead}, {}, lookup, probe, now=lambda: clock[0])
    assert first == [f"driver d1 cannot say whether it has seen a1 die (this Ray release): waiting {settle.PROPAGATION_GRACE_S:g} s"]
    clock[0] += settle.PROPAGATION_GRACE_S / 2
    assert settle.unsettled(sc, {"a1": dead}, {}, lookup, probe, now=lambda: clock[0]) == first
    clock[0] += settle.PROPAGATION_GRACE_S
    assert settle.unsettled(sc, {"a1": dead}, {}, lookup, probe, now=lambda: clock[0]) == []
    assert "a1" in sc.propagated


def test_an_actor_a_create_returned_is_waited_for_until_the_gcs_table_has_it():
    # Ray 2.30: `.remote()` of an unnamed actor returned before the GCS registered it (found by fuzzing ray@2.30.0).
    sc = Scenario("rc0000-1-")
    sc.created = {"a1"}
    assert settle.table_waits(sc, {}, {}) == ["created actor a1 is not in the GCS actor table yet"]
    alive = {"id": "a1", "state": "ALIVE", "name": "", "namespace": "n", "detached": False, "jobId": "01000000",
             "ownerWorkerId": "w1", "workerId": "w9", "pid": 1, "numRestarts": 0, "maxRestarts": 0, "deathCause": None}
    sc.drivers["d1"] = types.SimpleNamespace(info={"workerId": "w1", "jobId": "01000000", "namespace": "n"}, exited=False, running=lambda: False)
    assert settle.table_waits(sc, {"a1": alive}, {}) == []
