"""A scenario's bookkeeping (rollcall_ray.scenario.Scenario): namespaces, replies, what settle must wait for."""

import types

import pytest

from rollcall_ray.protocol import BridgeError
from rollcall_ray.scenario import Scenario, protocol_step

PREFIX = "rcab12-3-"


def driver(info, exited=False):
    return types.SimpleNamespace(info=info, exited=exited)


@pytest.fixture
def sc():
    s = Scenario(PREFIX)
    s.drivers["d1"] = driver({"namespace": PREFIX + "app", "jobId": "01000000", "workerId": "w1"})
    s.drivers["d2"] = driver({"namespace": "5f3c9a0e-anon", "jobId": "02000000", "workerId": "w2"})
    return s


def test_scenario_namespaces_are_prefixed_so_scenarios_never_meet(sc):
    assert sc.real_namespace("app") == PREFIX + "app"
    assert sc.real_namespace({"of": "d1"}) == PREFIX + "app"
    assert sc.real_namespace({"of": "d2"}) == "5f3c9a0e-anon"  # an anonymous namespace is Ray's own


def test_values_ray_must_refuse_are_passed_through(sc):
    assert sc.real_namespace("") == ""
    assert sc.real_namespace(5) == 5
    assert sc.real_namespace(None) is None


def test_the_namespace_of_a_driver_not_started_is_an_error(sc):
    sc.drivers["d3"] = driver(None)
    for label in ("d3", "d9"):
        with pytest.raises(BridgeError, match=f"namespace of unknown driver '{label}'"):
            sc.real_namespace({"of": label})


def test_init_records_the_job_and_an_anonymous_namespace():
    s = Scenario(PREFIX)
    assert s.note_init({"namespace": PREFIX + "app", "jobId": "01000000", "workerId": "w1"}) == {"namespace": "app"}
    assert s.note_init({"namespace": "uuid-1", "jobId": "02000000", "workerId": "w2"}) == {"namespace": "uuid-1"}
    assert s.job_ids == {"01000000", "02000000"}
    assert s.anon_namespaces == {"uuid-1"}


def test_list_of_all_namespaces_shows_only_this_scenarios(sc):
    sc.anon_namespaces.add("5f3c9a0e-anon")
    result = {"names": [
        {"name": "a", "namespace": PREFIX + "app"},
        {"name": "b", "namespace": "rcab12-2-app"},  # the scenario before
        {"name": "c", "namespace": "5f3c9a0e-anon"},
        {"name": "d", "namespace": "someone-elses"},
    ]}
    assert sc.present("list", {"do": "list", "allNamespaces": True}, result) == {"names": [
        {"name": "a", "namespace": "app"}, {"name": "c", "namespace": "5f3c9a0e-anon"}]}
    plain = {"names": ["a"]}
    assert sc.present("list", {"do": "list"}, plain) == plain


def test_replies_keep_only_what_the_protocol_says(sc):
    assert sc.present("create", {}, {"handle": "ab", "extra": 1}) == {"handle": "ab"}
    assert sc.present("drop", {}, {"dropped": 2}) == {}
    assert sc.present("call", {}, {"value": 3}) == {"value": 3}


def test_kills_and_drops_are_recorded_for_settle(sc):
    before = {"id": "a1", "state": "ALIVE", "numRestarts": 0}
    sc.note_after("kill", {"actor": "a1"}, before)
    sc.note_after("kill", {"actor": "a2", "noRestart": False}, None)
    sc.note_after("drop", {"actor": "a3"}, None, caller_worker="w1")
    sc.note_after("call", {"actor": "a4"}, None)
    assert sc.kills == [("a1", True, before), ("a2", False, None)]
    assert sc.destroyed == {"a1"}  # only a kill for good frees the name at once
    assert sc.drops == [("w1", "a3")]
    sc.actor_exits.append("a5")
    sc.driver_exits.append("d2")
    sc.forget_events()
    assert (sc.kills, sc.drops, sc.crashes, sc.actor_exits, sc.driver_exits) == ([], [], [], [], [])
    assert sc.destroyed == {"a1"}  # kept: settle still waits for the name


def test_the_step_sent_to_ray_has_no_protocol_fields():
    req = {"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "create", "class": "Counter", "args": [1]}
    assert protocol_step(req) == {"do": "create", "class": "Counter", "args": [1]}
