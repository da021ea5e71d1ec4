"""bridge.py as rollcall starts it, on a machine without Ray: it answers, it never crashes."""

import json
import os
import subprocess
import sys

BRIDGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bridge.py")


def run_bridge(lines, tmp_path, extra_env=None):
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_BRIDGE_PYTHON", "ROLLCALL_RAY_VENV", "XDG_CACHE_HOME")}
    env["HOME"] = str(tmp_path)  # an empty cache: no Ray
    env.update(extra_env or {})
    p = subprocess.run([sys.executable, BRIDGE], input="".join(line + "\n" for line in lines),
                       capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()], p.stderr


def test_without_ray_hello_and_reset_say_what_to_run(tmp_path):
    code, replies, err = run_bridge([
        '{"id":1,"type":"hello","protocol":1}',
        '{"id":2,"type":"reset","profile":"ray"}',
        '{"id":3,"type":"shutdown"}',
    ], tmp_path)
    assert code == 0
    by_id = {r["id"]: r for r in replies}
    assert set(by_id) == {1, 2, 3}
    install = os.path.join(os.path.dirname(BRIDGE), "install.sh")
    for rid in (1, 2):
        assert by_id[rid]["ok"] is False
        assert by_id[rid]["error"]["kind"] == "Internal"
        assert f"run `bash {install}`" in by_id[rid]["error"]["message"]
        assert f"{tmp_path}/.cache/rollcall/ray-" in by_id[rid]["error"]["message"]
    assert by_id[3] == {"id": 3, "ok": True, "result": {}}
    assert "Traceback" not in err


def test_malformed_lines_get_protocol_errors_and_the_bridge_goes_on(tmp_path):
    code, replies, err = run_bridge([
        "oops",
        "[1,2]",
        '{"id":5,"type":"frobnicate"}',
        '{"id":6,"type":"step","do":"call","caller":{"driver":"d1"},"actor":"ab"}',
        '{"id":7,"type":"step","caller":{"driver":"d1"},"do":"list"}',
        '{"id":8,"type":"step","args":' + "[" * 50000 + "]" * 50000 + "}",
        '{"id":9,"type":"reset","profile":"seed"}',
        '{"id":10,"type":"shutdown"}',
    ], tmp_path)
    assert code == 0
    by_id = {r["id"]: r for r in replies}
    assert set(by_id) == {5, 6, 7, 9, 10}  # 8 nests too deeply to find its id
    assert "field 'type' must be one of" in by_id[5]["error"]["message"]
    assert "needs field 'method'" in by_id[6]["error"]["message"]
    assert by_id[7]["error"]["message"] == "step before reset"
    assert "profile 'seed' is not implemented by this Ray release (it implements ray)" in by_id[9]["error"]["message"]
    assert all(r["error"]["kind"] == "Internal" for i, r in by_id.items() if i != 10)
    assert "protocol error: not JSON" in err and "no id to answer" in err
    assert "a request must be a JSON object, got an array" in err
    assert "the line nests too deeply to be read" in err
    assert "Traceback" not in err


def test_stdin_closing_stops_the_bridge(tmp_path):
    code, replies, err = run_bridge(['{"id":1,"type":"settle"}'], tmp_path)
    assert code == 0
    assert replies == [{"id": 1, "ok": True, "result": {}}]  # nothing to settle before a reset
    assert "shutting down (stdin closed)" in err
