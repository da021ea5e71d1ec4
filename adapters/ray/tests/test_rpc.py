"""The bridge's pipe protocol with its Ray processes (rollcall_ray.rpc), against a stand-in child."""

import concurrent.futures
import os
import sys
import time

import pytest

from rollcall_ray.protocol import BridgeError
from rollcall_ray.rpc import Sub, unwrap

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stand_in_child.py")


@pytest.fixture
def sub():
    s = Sub("driver", dict(os.environ), label="d1", argv=[sys.executable, "-u", CHILD])
    yield s
    s.kill()


def test_concurrent_requests_get_their_own_answers_in_any_order(sub):
    delays = [0.4, 0.0, 0.2, 0.1, 0.3]
    with concurrent.futures.ThreadPoolExecutor(len(delays)) as ex:
        t0 = time.time()
        futures = [ex.submit(sub.result, "echo", value=i, delay=d) for i, d in enumerate(delays)]
        values = [f.result()["value"] for f in futures]
    assert values == list(range(len(delays)))
    assert time.time() - t0 < 1.5  # run at once, not one after another (1.0 s)


def test_an_error_reply_keeps_its_kind(sub):
    with pytest.raises(BridgeError) as e:
        sub.result("fail", kind="NameTaken")
    assert e.value.kind == "NameTaken"
    assert str(e.value) == "it failed"


def test_lines_that_are_not_replies_are_skipped(sub):
    assert sub.result("noise")["value"] == "after noise"
    assert sub.result("echo", value=2)["value"] == 2


def test_no_answer_in_time_is_an_error_naming_the_op(sub):
    t0 = time.time()
    with pytest.raises(BridgeError, match="d1: no answer to hang within 0 s"):
        sub.request("hang", timeout=0.3)
    assert time.time() - t0 < 2
    assert sub.alive()
    assert sub.result("echo", value=3)["value"] == 3  # the late answer does not confuse the next


def test_a_process_that_dies_during_a_request_is_an_error_not_a_hang(sub):
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        waiting = ex.submit(sub.request, "echo", value=1, delay=30, timeout=20)
        time.sleep(0.3)
        t0 = time.time()
        with pytest.raises(BridgeError, match=r"process exited \(status 7\) during die"):
            sub.request("die", timeout=20)
        with pytest.raises(BridgeError, match="during echo"):
            waiting.result()
        assert time.time() - t0 < 5
    assert not sub.alive()
    with pytest.raises(BridgeError, match="process is gone"):
        sub.request("echo")


def test_end_asks_the_process_to_exit(sub):
    sub.end(5)
    assert sub.exited
    assert sub.proc.returncode == 0


def test_unwrap():
    assert unwrap({"ok": True, "result": {"a": 1}}) == {"a": 1}
    with pytest.raises(BridgeError) as e:
        unwrap({"ok": False})
    assert (e.value.kind, str(e.value)) == ("Internal", "?")
