"""A stand-in for rollcall_ray.driver in tests: the same pipe protocol, no Ray.

ops: echo (answers `value` after `delay` s, each request on its own thread,
so answers can come in any order), fail (an error reply of kind `kind`),
hang (never answers), die (exits at once with status 7), noise (writes
lines that are not replies first), exit (answers, then exits 0).
"""

import json
import os
import sys
import threading
import time

lock = threading.Lock()


def send(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def handle(req):
    op = req["op"]
    if op == "echo":
        time.sleep(req.get("delay", 0))
        send({"rid": req["rid"], "ok": True, "result": {"value": req.get("value")}})
    elif op == "fail":
        send({"rid": req["rid"], "ok": False, "error": {"kind": req["kind"], "message": "it failed"}})
    elif op == "noise":
        with lock:
            sys.stdout.write("not json\n[1, 2]\n" + json.dumps({"rid": 99999, "ok": True}) + "\n")
            sys.stdout.flush()
        send({"rid": req["rid"], "ok": True, "result": {"value": "after noise"}})


for line in sys.stdin:
    req = json.loads(line)
    if req["op"] == "die":
        os._exit(7)
    if req["op"] == "exit":
        send({"rid": req["rid"], "ok": True, "result": {}})
        os._exit(0)
    if req["op"] == "hang":
        continue
    threading.Thread(target=handle, args=(req,), daemon=True).start()
