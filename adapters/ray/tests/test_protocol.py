"""Reading requests and writing replies (rollcall_ray.protocol)."""

import io
import json
import threading

import pytest

from rollcall_ray.protocol import (
    BridgeError,
    ProtocolError,
    ReplyWriter,
    check_hello,
    error_of,
    format_reply,
    parse_request,
)

# Requests exactly as rollcall's harness sends them (docs/adapter-protocol.md).
VALID = [
    {"id": 1, "type": "hello", "protocol": 1},
    {"id": 2, "type": "reset", "profile": "ray"},
    {"id": 3, "type": "step", "caller": {"driver": "d1"}, "do": "init", "namespace": "app"},
    {"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "create", "class": "Counter", "name": "foo", "getIfExists": True},
    {"id": 5, "type": "step", "caller": {"actor": "ab" * 16}, "do": "call", "actor": "cd" * 16, "method": "incr", "args": []},
    {"id": 6, "type": "step", "do": "crash", "actor": "cd" * 16},
    {"id": 7, "type": "step", "caller": {"driver": "d2"}, "do": "get", "name": "foo", "namespace": {"of": "d1"}},
    {"id": 8, "type": "step", "caller": {"driver": "d1"}, "do": "list", "allNamespaces": True},
    {"id": 9, "type": "settle"},
    {"id": 10, "type": "shutdown"},
    # Values Ray itself must judge are passed on, not refused here.
    {"id": 11, "type": "step", "caller": {"driver": "d1"}, "do": "create", "class": "Counter", "name": "", "namespace": 5, "maxRestarts": -7},
]


@pytest.mark.parametrize("req", VALID, ids=lambda r: f"{r['type']}-{r.get('do', '')}-{r['id']}")
def test_valid_requests_are_passed_on_unchanged(req):
    assert parse_request(json.dumps(req) + "\n") == req


def test_blank_lines_are_skipped():
    assert parse_request("") is None
    assert parse_request("   \n") is None


@pytest.mark.parametrize("line, message", [
    ("oops", "not JSON"),
    ("{\"id\": 1, \"type\": \"hello\"", "not JSON"),
    ("null", "got null"),
    ("[1, 2]", "got an array"),
    ("\"hello\"", "got a string"),
    ("{}", "'id' must be a positive integer, got none"),
    ("{\"id\": 0, \"type\": \"settle\"}", "'id' must be a positive integer, got 0"),
    ("{\"id\": true, \"type\": \"settle\"}", "'id' must be a positive integer, got true"),
    ("{\"id\": \"7\", \"type\": \"settle\"}", "'id' must be a positive integer"),
    ("{\"id\": 1.5, \"type\": \"settle\"}", "'id' must be a positive integer"),
])
def test_lines_without_a_usable_id_are_protocol_errors_with_no_id(line, message):
    with pytest.raises(ProtocolError) as e:
        parse_request(line)
    assert e.value.rid is None
    assert message in str(e.value)
    assert str(e.value).startswith("protocol error: ")
    assert e.value.kind == "Internal"


@pytest.mark.parametrize("req, message", [
    ({"id": 4, "type": "frobnicate"}, "field 'type' must be one of"),
    ({"id": 4}, "field 'type' must be one of hello, reset, step, settle, shutdown, got none"),
    ({"id": 4, "type": "hello"}, "hello needs field 'protocol'"),
    ({"id": 4, "type": "reset"}, "reset needs field 'profile' (a string), got none"),
    ({"id": 4, "type": "reset", "profile": ["ray"]}, "got an array"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1"}}, "field 'do' must be one of"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "teleport"}, "got \"teleport\""),
    ({"id": 4, "type": "step", "do": "create", "class": "Counter"}, "needs field 'caller'"),
    ({"id": 4, "type": "step", "caller": {}, "do": "list"}, "needs field 'caller'"),
    ({"id": 4, "type": "step", "caller": {"driver": 1}, "do": "list"}, "needs field 'caller'"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1", "actor": "x"}, "do": "list"}, "needs field 'caller'"),
    ({"id": 4, "type": "step", "caller": {"actor": "ab"}, "do": "init"}, "only a driver runs init"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "crash", "actor": "ab"}, "a crash step has no caller"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "kill"}, "step 'kill' needs field 'actor'"),
    ({"id": 4, "type": "step", "do": "crash"}, "step 'crash' needs field 'actor'"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "call", "actor": "ab"}, "needs field 'method'"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "call", "actor": "ab", "method": "incr", "args": 3}, "'args' must be an array, got a number"),
    ({"id": 4, "type": "step", "caller": {"driver": "d1"}, "do": "get", "name": "a", "namespace": {"of": "d1", "x": 1}}, "'namespace' must be a string or"),
])
def test_malformed_requests_with_an_id_are_answered_to_that_id(req, message):
    with pytest.raises(ProtocolError) as e:
        parse_request(json.dumps(req))
    assert e.value.rid == 4
    assert message in str(e.value)


def test_a_deeply_nested_line_is_a_protocol_error_not_a_crash():
    deep = "{\"id\": 3, \"type\": \"step\", \"args\": " + "[" * 100000 + "]" * 100000 + "}"
    with pytest.raises(ProtocolError) as e:
        parse_request(deep)
    assert "nests too deeply" in str(e.value)


def test_bytes_that_are_not_utf8_are_a_protocol_error():
    with pytest.raises(ProtocolError):
        parse_request(b"\xff\xfe{")


def test_hello_names_the_protocol_versions_it_supports():
    check_hello({"id": 1, "type": "hello", "protocol": 1})
    with pytest.raises(BridgeError) as e:
        check_hello({"id": 1, "type": "hello", "protocol": 2})
    assert "protocol 2 is not supported (only 1)" in str(e.value)


def test_replies_have_the_protocols_shape():
    assert json.loads(format_reply(3, {"handle": "ab"})) == {"id": 3, "ok": True, "result": {"handle": "ab"}}
    assert json.loads(format_reply(4)) == {"id": 4, "ok": True, "result": {}}
    assert json.loads(format_reply(5, error={"kind": "NotFound", "message": "m"})) == {
        "id": 5, "ok": False, "error": {"kind": "NotFound", "message": "m"}}


def test_error_kinds_outside_the_format_become_internal():
    assert error_of(BridgeError("taken", "NameTaken")) == {"kind": "NameTaken", "message": "taken"}
    assert error_of(BridgeError("what", "Bogus")) == {"kind": "Internal", "message": "what"}
    assert error_of(ProtocolError("x", 3))["kind"] == "Internal"


def test_replies_from_many_threads_are_whole_lines():
    out = io.StringIO()
    writer = ReplyWriter(out)
    big = "x" * 10000
    threads = [threading.Thread(target=lambda i=i: [writer.reply(i * 100 + k, {"value": big}) for k in range(20)]) for i in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 160
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(i * 100 + k for i in range(1, 9) for k in range(20))


def test_a_closed_output_is_ignored():
    out = io.StringIO()
    out.close()
    ReplyWriter(out).reply(1, {})  # no exception: the harness may be gone
