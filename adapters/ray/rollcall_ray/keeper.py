"""Cluster keeper: owns one local Ray head node and guarantees its teardown.

Started by the bridge in a session of its own (so a signal to the bridge's
process group does not kill it before it has cleaned up). It makes itself a
child subreaper, runs `ray start --head --block ...` as its child, prints
`READY <gcs address>` on stdout once the head is up, and then waits on stdin.
When stdin says `stop` or reaches EOF (the bridge exited, even by SIGKILL),
it SIGKILLs every process below it (ray start, gcs_server, raylet, the
agents, every worker: orphans are re-parented to it because it is a
subreaper) until none is left, prints `STOPPED` and exits.

Worker nodes (scenario format version 2) are its children too, so the same
teardown covers them. The bridge asks for them on stdin, one command at a
time, each answered by one line:

- `node <k> <json {"argv", "log"}>`: runs the worker node's `ray start
  --address=... --block ...` (argv, its output to the file log) in a session of its own, with ROLLCALL_NODE_TAG set in
  its environment (every process of the node inherits it), and answers
  `NODE <k> OK` once `ray start` says the node is up, else `NODE <k> FAILED`;
- `kill <k>`: SIGKILLs every process of node k at once (the processes below
  its `ray start`, found before any is killed, and every process whose
  environment has its tag: Ray's workers are in process groups of their
  own), until none is left; answers `KILLED <k> <count>`;
- `killnodes`: the same for every worker node; answers `KILLED * <count>`.

Usage: keeper.py <ray executable> <temp dir> <port> <num cpus> [<dir to remove at the end>]
"""

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36


def log(msg):
    try:
        sys.stderr.write(f"[ray-bridge keeper {os.getpid()}] {msg}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # the bridge (and its stderr) may be gone; cleanup must go on


def say(line):
    """A line to the bridge; it may be gone (EPIPE), which must not stop cleanup."""
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def descendants(root):
    """Every live process below `root` (by parent pid), deepest last."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                data = f.read().decode("latin-1")
            # The command name is in parentheses and may contain spaces.
            rest = data[data.rindex(")") + 2:].split()
            state, ppid = rest[0], int(rest[1])
        except (OSError, ValueError):
            continue
        if state == "Z":
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def tagged(tag):
    """Every live process whose environment has ROLLCALL_NODE_TAG=tag."""
    want = ("ROLLCALL_NODE_TAG=" + tag).encode()
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if want in f.read().split(b"\0"):
                    out.append(int(entry))
        except OSError:
            continue
    return out


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("latin-1")
        return data[data.rindex(")") + 2:].split()[0] != "Z"
    except (OSError, ValueError):
        return False


def kill_node(proc, tag):
    """SIGKILLs every process of one worker node, all in one sweep, until none is left."""
    killed = set()
    deadline = time.time() + 20
    while time.time() < deadline:
        procs = set(descendants(proc.pid)) | set(tagged(tag))
        if proc.poll() is None:
            procs.add(proc.pid)
        procs = {p for p in procs if alive(p)}
        if not procs:
            break
        for p in procs:
            try:
                os.kill(p, signal.SIGKILL)
                killed.add(p)
            except ProcessLookupError:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        time.sleep(0.02)
        reap()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        log(f"node {tag}: ray start (pid {proc.pid}) did not die")
    return len(killed)


def start_node(k, spec, nodes):
    """Starts worker node k (spec: {"argv": `ray start ... --block`, "log": its output file}); (up, why)."""
    tag = f"{os.getpid()}-{k}"
    env = dict(os.environ, ROLLCALL_NODE_TAG=tag)
    argv, log_path = spec["argv"], spec["log"]
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    nodes[k] = (proc, tag)
    started = time.time()
    while time.time() - started < 120:
        try:
            with open(log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            text = ""
        if "Ray runtime started" in text:
            return True, ""
        if proc.poll() is not None:
            return False, f"ray start exited with status {proc.returncode}: {text[-1500:]!r}"
        time.sleep(0.05)
    return False, "ray start did not come up within 120 s"


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_everything():
    me = os.getpid()
    deadline = time.time() + 20
    while time.time() < deadline:
        procs = descendants(me)
        if not procs:
            return True
        for p in procs:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        reap()
    left = descendants(me)
    if left:
        log(f"could not kill {left}")
    return not left


def keep_logs(temp_dir):
    """Copies Ray's session logs (and ray start's output) into ROLLCALL_LOG_DIR, if rollcall gave one.

    The temp dir is removed at the end, so without this a hang or a crash of
    the cluster could not be looked into after the run. Only regular files
    are copied (Ray keeps sockets there too).
    """
    dest = os.environ.get("ROLLCALL_LOG_DIR")
    if not dest:
        return
    import shutil

    try:
        os.makedirs(dest, exist_ok=True)
        session = os.path.realpath(os.path.join(temp_dir, "session_latest"))
        logs = os.path.join(session, "logs")
        if os.path.isdir(logs):
            target = os.path.join(dest, "ray-" + os.path.basename(session))
            shutil.copytree(logs, target, ignore=lambda d, names: [n for n in names if not (os.path.isfile(os.path.join(d, n)) or os.path.isdir(os.path.join(d, n)))], dirs_exist_ok=True)
        start_log = os.path.join(temp_dir, "ray-start.log")
        if os.path.isfile(start_log):
            shutil.copy(start_log, os.path.join(dest, "ray-start.log"))
        log(f"Ray's session logs kept in {dest}")
    except (OSError, shutil.Error) as e:
        log(f"could not keep Ray's session logs in {dest}: {e}")


def main():
    ray_exe, temp_dir, port, num_cpus = sys.argv[1:5]
    remove_dir = sys.argv[5] if len(sys.argv) > 5 else None
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        log("prctl(PR_SET_CHILD_SUBREAPER) failed; cleanup relies on the process tree")
    os.makedirs(temp_dir, exist_ok=True)
    out_path = os.path.join(temp_dir, "ray-start.log")
    cmd = [
        ray_exe, "start", "--head", "--block",
        "--node-ip-address=127.0.0.1", f"--port={port}",
        "--include-dashboard=false", "--disable-usage-stats",
        f"--num-cpus={num_cpus}", f"--temp-dir={temp_dir}",
    ]
    log("starting: " + " ".join(cmd))
    stop = threading.Event()

    nodes = {}  # k -> (ray start process, tag)

    def watch_stdin():
        import json

        for line in sys.stdin:
            words = line.strip().split(" ", 2)
            if words[0] == "stop":
                break
            try:
                if words[0] == "node":
                    up, why = start_node(words[1], json.loads(words[2]), nodes)
                    if not up:
                        log(f"worker node {words[1]} did not start: {why}")
                        kill_node(*nodes.pop(words[1]))
                    say(f"NODE {words[1]} {'OK' if up else 'FAILED'}")
                elif words[0] == "kill":
                    entry = nodes.pop(words[1], None)
                    say(f"KILLED {words[1]} {kill_node(*entry) if entry else 0}")
                elif words[0] == "killnodes":
                    n = 0
                    for k in list(nodes):
                        n += kill_node(*nodes.pop(k))
                    say(f"KILLED * {n}")
                elif words[0]:
                    log(f"unknown command {line.strip()!r}")
                    say("UNKNOWN")
            except Exception as e:  # noqa: BLE001 - the keeper must go on (and answer)
                log(f"command {line.strip()[:200]!r} failed: {e!r}")
                say(f"ERROR {e!r}")
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    address_file = os.path.join(temp_dir, "ray_current_cluster")
    started = time.time()
    ready = False
    while not stop.is_set() and time.time() - started < 120:
        if proc.poll() is not None:
            break
        try:
            with open(out_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            text = ""
        if "Ray runtime started" in text and os.path.exists(address_file):
            with open(address_file) as f:
                address = f.read().strip()
            if address:
                say(f"READY {address}")
                ready = True
                break
        time.sleep(0.05)
    if not ready:
        try:
            with open(out_path, "rb") as f:
                tail = f.read().decode("utf-8", "replace")[-3000:]
        except OSError:
            tail = ""
        log(f"ray start did not come up (exit status {proc.poll()}):\n{tail}")
        say("FAILED")
        kill_everything()
        keep_logs(temp_dir)
        if remove_dir:
            import shutil

            shutil.rmtree(remove_dir, ignore_errors=True)
        os._exit(1)
    while not stop.is_set():
        stop.wait(0.5)
        reap()
        if proc.poll() is not None and not stop.is_set():
            log(f"ray start exited unexpectedly with status {proc.returncode}")
            break
    ok = kill_everything()
    log("cluster stopped" if ok else "cluster stopped, with leftovers")
    keep_logs(temp_dir)
    if remove_dir and ok:
        import shutil

        shutil.rmtree(remove_dir, ignore_errors=True)
    say("STOPPED")
    os._exit(0 if ok else 1)


if __name__ == "__main__":
    try:
        main()
    finally:
        # Whatever went wrong above, never leave the cluster behind.
        kill_everything()
        os._exit(1)
