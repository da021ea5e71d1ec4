"""Cluster keeper: owns one local Ray head node and guarantees its teardown.

Started by the bridge in a session of its own (so a signal to the bridge's
process group does not kill it before it has cleaned up). It makes itself a
child subreaper, runs `ray start --head ...` as its child (without `--block`:
`ray start --block` kills every process of the head once one of them dies,
the GCS included, and starts them sharing its fate; without it `ray start`
exits once the head is up and the head's processes live on below the keeper,
so the GCS can be killed and started again), prints `READY <gcs address>` on
stdout once the head is up, and then waits on stdin.
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
- `killnodes`: the same for every worker node; answers `KILLED * <count>`;
- `killgcs`: SIGKILLs the head's gcs_server (as Ray's tests' `kill_gcs_server`),
  remembering its command line and environment; answers `GCS KILLED <pid>`;
- `startgcs`: starts the gcs_server again with that command line and
  environment (as `start_gcs_server`: same port, same session), as its own
  child; answers `GCS STARTED <pid>` once its port takes connections.

With GCS fault tolerance (ROLLCALL_KEEPER_REDIS=<port>:<config file> in its
environment) it first starts a redis-server with that config (127.0.0.1,
the port, a password, no persistence of Redis's own) as its child, before
`ray start --head`, whose environment points at it (RAY_REDIS_ADDRESS): the
same teardown stops it.

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


def is_raylet(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return os.path.basename(f.read().split(b"\0")[0]) == b"raylet"
    except (OSError, IndexError):
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
        # The raylet first, as Ray's own node teardown does (Node.kill_all_processes): a worker
        # killed before it could be reported dead by it (WORKER_DIED) ahead of the node's death.
        for p in sorted(procs, key=lambda q: 0 if is_raylet(q) else 1):
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


def port_open(port, timeout=0.2):
    import socket

    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def start_redis(spec, temp_dir):
    """Starts redis-server (ROLLCALL_KEEPER_REDIS "<port>:<config file>") and waits for its port; its process."""
    port, config = spec.split(":", 1)
    out = open(os.path.join(temp_dir, "redis.log"), "wb")
    proc = subprocess.Popen(["redis-server", config], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with status {proc.returncode} (see {temp_dir}/redis.log)")
        if port_open(port):
            log(f"redis-server up on 127.0.0.1:{port} (pid {proc.pid})")
            return proc
        time.sleep(0.05)
    raise RuntimeError("redis-server did not take connections within 20 s")


def cmdline_of(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]


def environ_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return dict(e.decode("utf-8", "replace").split("=", 1) for e in f.read().split(b"\0") if b"=" in e)


def find_gcs(nodes):
    """The pid of the head's gcs_server: below the keeper, not below a worker node's ray start."""
    worker_pids = set()
    for proc, tag in nodes.values():
        worker_pids |= set(descendants(proc.pid)) | set(tagged(tag))
    for p in descendants(os.getpid()):
        if p in worker_pids or not alive(p):
            continue
        try:
            argv = cmdline_of(p)
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == "gcs_server":
            return p
    return None


def kill_gcs(nodes, saved):
    pid = find_gcs(nodes)
    if pid is None:
        return "GCS NONE"
    # The head was started without --block (`ray start --block` kills every Ray process of the
    # head once one of them dies, and its children share its fate), so its processes are the
    # keeper's own, as subreaper, and live on without their GCS.
    saved["argv"], saved["env"] = cmdline_of(pid), environ_of(pid)
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 20
    while alive(pid) and time.time() < deadline:
        reap()
        time.sleep(0.02)
    reap()
    return f"GCS KILLED {pid}"


def start_gcs(saved, temp_dir):
    if "argv" not in saved:
        return "GCS FAILED no gcs_server was killed"
    argv, env = saved["argv"], saved["env"]
    port = next((a.split("=", 1)[1] for a in argv if a.startswith("--gcs_server_port=")), None)
    out = open(os.path.join(temp_dir, "gcs-restart.log"), "ab")
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            return f"GCS FAILED gcs_server exited with status {proc.returncode}"
        if port is None or port_open(port):
            return f"GCS STARTED {proc.pid}"
        time.sleep(0.05)
    return "GCS FAILED gcs_server did not take connections within 60 s"


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
        ray_exe, "start", "--head",
        "--node-ip-address=127.0.0.1", f"--port={port}",
        "--include-dashboard=false", "--disable-usage-stats",
        f"--num-cpus={num_cpus}", f"--temp-dir={temp_dir}",
    ]
    log("starting: " + " ".join(cmd))
    stop = threading.Event()

    nodes = {}  # k -> (ray start process, tag)
    gcs = {}  # the killed gcs_server's argv and env (killgcs), for startgcs

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
                elif words[0] == "killgcs":
                    say(kill_gcs(nodes, gcs))
                elif words[0] == "startgcs":
                    say(start_gcs(gcs, temp_dir))
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
    redis = os.environ.get("ROLLCALL_KEEPER_REDIS")
    if redis:
        try:
            start_redis(redis, temp_dir)
        except (OSError, RuntimeError) as e:
            log(f"cannot start redis-server: {e}")
            say("FAILED")
            kill_everything()
            os._exit(1)
        cmd.append(f"--redis-password={os.environ['ROLLCALL_KEEPER_REDIS_PASSWORD']}")
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    address_file = os.path.join(temp_dir, "ray_current_cluster")
    started = time.time()
    ready = False
    while not stop.is_set() and time.time() - started < 120:
        # Without --block ray start exits, with status 0, once the head is up.
        if proc.poll() is not None and proc.returncode != 0:
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
