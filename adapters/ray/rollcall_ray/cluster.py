"""The local Ray cluster the bridge runs scenarios on, and where its Ray lives.

One head node on 127.0.0.1, owned by the keeper (keeper.py, a session of
its own that guarantees the teardown), the bridge's controller (its own Ray
driver) and a pool of spare driver processes with Ray already imported.

Where Ray is: `RAY_BRIDGE_PYTHON` (a Python that has ray), else the
virtual environment `ROLLCALL_RAY_VENV`, else the per-user cache
`${XDG_CACHE_HOME:-$HOME/.cache}/rollcall/ray-<version>` that install.sh
makes, <version> being requirements.txt's `ray==` pin. cli/targets.ts looks
in the same places, in the same order.
"""

import glob
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

from rollcall_ray.protocol import BridgeError, log
from rollcall_ray.rpc import ADAPTER_DIR, Sub, spawn

NUM_CPUS = int(os.environ.get("RAY_BRIDGE_NUM_CPUS", "16"))
POOL_SIZE = int(os.environ.get("RAY_BRIDGE_DRIVER_POOL", "2"))
# Worker nodes (format version 2): their CPUs, and the custom resource that only
# they have (a version-2 scenario's actors ask for one unit of it once the
# scenario has a worker node, so they are placed on worker nodes only, as in
# the model and Ray's multi-node tests, whose head has num_cpus=0).
NODE_CPUS = int(os.environ.get("RAY_BRIDGE_NODE_CPUS", "4"))
WORKER_RESOURCE = "rollcall_worker"
WORKER_RESOURCE_UNITS = 100000
# Node death noticed in about a second (10 failed health checks 100 ms apart), as
# Ray's own node-failure tests set it (test_actor_failures.py); a raylet that is
# alive but slow still has health_check_timeout_ms (10 s) for each answer.
HEALTH_CHECK_ENV = {
    "RAY_health_check_failure_threshold": "10",
    "RAY_health_check_period_ms": "100",
    "RAY_health_check_initial_delay_ms": "0",
}
REQUIREMENTS = os.path.join(ADAPTER_DIR, "requirements.txt")
INSTALL_SH = os.path.join(ADAPTER_DIR, "install.sh")


def required_ray_version(requirements=REQUIREMENTS):
    """The version in requirements.txt's `ray==VERSION` line."""
    with open(requirements) as f:
        for line in f:
            m = re.match(r"^\s*ray==([^\s;#]+)", line)
            if m:
                return m.group(1)
    raise BridgeError(f"no 'ray==VERSION' line in {requirements}")


def cache_dir(environ):
    """rollcall's per-user cache: $XDG_CACHE_HOME/rollcall, else ~/.cache/rollcall."""
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "rollcall")
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".cache", "rollcall")


def ray_venv(environ, version):
    """The virtual environment that should hold ray `version`."""
    explicit = environ.get("ROLLCALL_RAY_VENV")
    if explicit:
        return explicit
    return os.path.join(cache_dir(environ), f"ray-{version}")


def find_ray_python(environ=None, requirements=REQUIREMENTS, exists=os.path.exists):
    """The Python that runs the Ray processes, or a BridgeError saying what to run."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("RAY_BRIDGE_PYTHON")
    if explicit:
        return explicit
    version = required_ray_version(requirements)
    python = os.path.join(ray_venv(environ, version), "bin", "python")
    if exists(python):
        return python
    where = "ROLLCALL_RAY_VENV" if environ.get("ROLLCALL_RAY_VENV") else "the cache"
    raise BridgeError(
        f"Ray {version} is not installed (no {python} in {where}): run `bash {INSTALL_SH}` "
        f"(or set RAY_BRIDGE_PYTHON to a Python that has ray=={version})")


def ray_version(python):
    """The version of the ray package `python` has."""
    site = glob.glob(os.path.join(os.path.dirname(os.path.dirname(python)), "lib", "python*", "site-packages", "ray-*.dist-info"))
    for path in site:
        m = re.match(r"ray-(.+)\.dist-info$", os.path.basename(path))
        if m:
            return m.group(1)
    out = subprocess.run([python, "-c", "import ray; print(ray.__version__)"], capture_output=True, text=True, timeout=120, cwd="/")
    return out.stdout.strip() or "unknown"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ray_env(base, python, handles):
    """The environment of every Ray process the bridge starts."""
    env = dict(base)
    env.update(
        PYTHONPATH=ADAPTER_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        ROLLCALL_RAY_HANDLE_DIR=handles,
        RAY_BRIDGE_PY=python,
        ROLLCALL_RAY_BRIDGE_PID=str(os.getpid()),
        RAY_USAGE_STATS_ENABLED="0",
        PYTHONUNBUFFERED="1",
    )
    for k, v in HEALTH_CHECK_ENV.items():
        env.setdefault(k, v)
    if not env.get("ROLLCALL_RAY_CLUSTER"):
        # Ray 2.60's `ray start --head` turns token authentication on when it finds a token
        # (~/.ray/auth_token, which a local ray.init() writes), and the bridge's drivers then
        # fail with AuthenticationError. Its own cluster listens on 127.0.0.1 only: opt out,
        # as Ray's warning says, unless the user set a mode. (A user's cluster keeps its own.)
        env.setdefault("RAY_AUTH_MODE", "disabled")
    return env


def worker_node_argv(ray_exe, gcs_address, temp_dir, ports, num_cpus=NODE_CPUS):
    """`ray start` of a worker node on this machine: on 127.0.0.1, with ports of its own, blocking."""
    return [
        ray_exe, "start", f"--address={gcs_address}", "--block",
        "--node-ip-address=127.0.0.1", "--disable-usage-stats",
        f"--num-cpus={num_cpus}", "--num-gpus=0",
        "--resources=" + json.dumps({WORKER_RESOURCE: WORKER_RESOURCE_UNITS}),
        f"--node-manager-port={ports[0]}", f"--object-manager-port={ports[1]}",
        f"--metrics-export-port={ports[2]}", f"--dashboard-agent-listen-port={ports[3]}",
        f"--dashboard-agent-grpc-port={ports[4]}", f"--runtime-env-agent-port={ports[5]}",
        f"--temp-dir={temp_dir}",
    ]


def free_ports(n):
    """n distinct free ports on 127.0.0.1."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def redis_available():
    """True when Debian's (or any) redis-server is on PATH: GCS fault tolerance is possible."""
    import shutil

    return shutil.which("redis-server") is not None


def redis_config(path, port, password, directory):
    """A redis-server config for the head's GCS storage: 127.0.0.1 only, a password, no persistence of Redis's own."""
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(f"port {port}\nbind 127.0.0.1\nprotected-mode yes\nrequirepass {password}\n"
                f'save ""\nappendonly no\nloglevel warning\ndir {directory}\n')


class Cluster:
    """The head node, the controller and the driver pool of one bridge.

    `storage`: "none" (the GCS keeps its tables in memory, Ray's default) or
    "redis" (GCS fault tolerance: a redis-server of the cluster's own, on
    127.0.0.1 with a password and a fresh port, started and stopped by the
    keeper; the head's GCS persists its tables there, in a namespace of its
    own). Either way the head runs without `ray start --block` (keeper.py), so
    its GCS can be killed (stop_gcs) and, with Redis, started again to reload
    its tables (start_gcs); without Redis the cluster is lost, and the bridge
    starts a fresh one (fresh).
    """

    def __init__(self, storage="none"):
        self.storage = storage
        self.python = None
        self.keeper = None
        self.address = None
        self.controller = None
        self.env = None
        self.tmp = None
        self.pool = []
        self.pool_lock = threading.Lock()
        self.error = None
        self.ready = threading.Event()
        self.stop_lock = threading.Lock()
        self.stopped = False
        self.stop_done = threading.Event()
        self.keeper_lock = threading.Lock()  # one keeper command at a time (each answered by one line)
        self.node_count = 0
        self.nodes = {}  # Ray node id (hex) -> {"k", "tempDir", "port"} of the worker nodes the bridge started

    def start(self):
        """Starts the head node, the controller and the driver pool (once)."""
        try:
            self.python = find_ray_python()
            self.tmp = tempfile.mkdtemp(prefix="rcb-", dir="/tmp")  # short: Ray's socket paths
            handles = os.path.join(self.tmp, "handles")
            os.makedirs(handles)
            port = free_port()
            env = ray_env(os.environ, self.python, handles)
            if self.storage == "redis":
                import secrets
                import uuid

                redis_port = free_port()
                password = secrets.token_hex(16)
                config = os.path.join(self.tmp, "redis.conf")
                redis_config(config, redis_port, password, self.tmp)
                # As Ray's documentation and its tests' conftest set them up: the address, a namespace of
                # this cluster's own; and a reconnect timeout longer than any outage a scenario makes
                # (past it every raylet, worker and driver exits).
                env.update(RAY_REDIS_ADDRESS=f"127.0.0.1:{redis_port}", RAY_external_storage_namespace=str(uuid.uuid4()),
                           ROLLCALL_KEEPER_REDIS=f"{redis_port}:{config}", ROLLCALL_KEEPER_REDIS_PASSWORD=password)
                env.setdefault("RAY_gcs_rpc_server_reconnect_timeout_s", "600")
            ray_exe = os.path.join(os.path.dirname(self.python), "ray")
            t0 = time.time()
            self.env = env
            self.controller = Sub("controller", env)  # imports Ray while the head node starts
            external = os.environ.get("ROLLCALL_RAY_CLUSTER")
            if external:
                # A user's own cluster: start nothing, stop nothing; scenarios run in namespaces of their own.
                self.address = external
                log(f"using the cluster at {external}: starting nothing, touching only the jobs and actors rollcall makes")
                self.controller.info = self.controller.result("connect", address=self.address, timeout=120)
                log(f"controller connected (job {self.controller.info['jobId']}) after {time.time() - t0:.1f} s")
                self.fill_pool()
                return
            self.keeper = spawn(
                [self.python, os.path.join(ADAPTER_DIR, "rollcall_ray", "keeper.py"), ray_exe, os.path.join(self.tmp, "r"), str(port), str(NUM_CPUS), self.tmp],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, env=env, cwd="/",
                text=True, start_new_session=True,
            )
            line = self.keeper.stdout.readline().strip()
            if not line.startswith("READY "):
                raise BridgeError(f"the Ray head node did not start ({line or 'no answer'}); see stderr")
            self.address = line.split()[1]
            log(f"Ray head node up at {self.address} in {time.time() - t0:.1f} s (temp dir {self.tmp})")
            self.controller.info = self.controller.result("connect", address=self.address, timeout=120)
            log(f"controller connected (job {self.controller.info['jobId']}) after {time.time() - t0:.1f} s")
            self.fill_pool()
        except Exception as e:  # noqa: BLE001
            self.error = e if isinstance(e, BridgeError) else BridgeError(f"cannot start the cluster: {e!r}")
            log(str(self.error))
        finally:
            self.ready.set()

    def ensure(self):
        """Waits for the cluster; raises if it could not start or has died."""
        self.ready.wait()
        if self.error is not None:
            raise self.error
        if (self.keeper is not None and self.keeper.poll() is not None) or not self.controller.alive():
            raise BridgeError("the Ray cluster or the bridge's controller died; restart the bridge")

    def fill_pool(self):
        """Keeps POOL_SIZE spare driver processes with Ray already imported."""
        def fill():
            with self.pool_lock:
                missing = POOL_SIZE - len(self.pool)
            for _ in range(max(0, missing)):
                if self.stopped:
                    return
                sub = Sub("driver", self.env)
                with self.pool_lock:
                    if self.stopped:  # stopped while it started (a GCS lost, a switch to Redis): not kept
                        sub.kill()
                        return
                    self.pool.append(sub)
        threading.Thread(target=fill, daemon=True, name="pool").start()

    def new_driver(self, label):
        """A driver process for scenario driver `label` (a spare one when there is one)."""
        with self.pool_lock:
            while self.pool:
                sub = self.pool.pop(0)
                if sub.alive():
                    break
            else:
                sub = None
        if sub is None:
            sub = Sub("driver", self.env, label)
        sub.label = label
        self.fill_pool()
        return sub

    # ----------------------------------------------------------- worker nodes

    def can_add_nodes(self):
        return self.keeper is not None

    def keeper_command(self, line, timeout=150):
        """Sends one command to the keeper and returns its answer line."""
        with self.keeper_lock:
            if self.keeper is None or self.keeper.poll() is not None:
                raise BridgeError("the cluster keeper is not running")
            self.keeper.stdin.write(line + "\n")
            self.keeper.stdin.flush()
            answer = [None]

            def read():
                answer[0] = self.keeper.stdout.readline().strip()

            t = threading.Thread(target=read, daemon=True)
            t.start()
            t.join(timeout)
            if answer[0] is None:
                raise BridgeError(f"the keeper did not answer {line.split()[0]!r} within {timeout} s")
            return answer[0]

    def stop_gcs(self):
        """Kills the head's gcs_server (SIGKILL, as Ray's tests' kill_gcs_server)."""
        if self.keeper is None:
            raise BridgeError("stopGcs needs the bridge's own cluster (not ROLLCALL_RAY_CLUSTER)")
        answer = self.keeper_command("killgcs", timeout=60)
        if not answer.startswith("GCS KILLED"):
            raise BridgeError(f"could not kill the GCS: {answer}")
        log(f"stopGcs: {answer}")

    def start_gcs(self):
        """Starts the head's gcs_server again, as it was (start_gcs_server: same port, same session)."""
        answer = self.keeper_command("startgcs", timeout=90)
        if not answer.startswith("GCS STARTED"):
            raise BridgeError(f"could not start the GCS again: {answer}")
        log(f"startGcs: {answer}")

    def fresh(self):
        """A new cluster started as this one was (same storage), not started yet."""
        return Cluster(storage=self.storage)

    def node_table(self):
        """The GCS node table: Ray node id -> {"alive", "isHead", "port", "deathReason"}."""
        return {n["id"]: n for n in self.controller.result("nodes", timeout=30)["nodes"]}

    def head_node_id(self):
        for node_id, n in self.node_table().items():
            if n["isHead"]:
                return node_id
        raise BridgeError("the GCS has no head node")

    def add_node(self):
        """Starts a worker node; its Ray node id once the GCS has it alive with its resources."""
        self.ensure()
        if not self.can_add_nodes():
            raise BridgeError("worker nodes need the bridge's own cluster (not ROLLCALL_RAY_CLUSTER)")
        self.node_count += 1
        k = str(self.node_count)
        temp_dir = os.path.join(self.tmp, f"n{k}")  # short: Ray's socket paths
        ports = free_ports(6)
        ray_exe = os.path.join(os.path.dirname(self.python), "ray")
        spec = {"argv": worker_node_argv(ray_exe, self.address, temp_dir, ports), "log": os.path.join(self.tmp, f"node-{k}.log")}
        t0 = time.time()
        answer = self.keeper_command(f"node {k} {json.dumps(spec)}")
        if answer != f"NODE {k} OK":
            raise BridgeError(f"worker node {k} did not start ({answer}); see stderr")
        deadline = time.time() + 60
        while True:
            for node_id, n in self.node_table().items():
                if n["port"] == ports[0] and n["alive"] and n["resources"].get(WORKER_RESOURCE):
                    self.nodes[node_id] = {"k": k, "tempDir": temp_dir, "port": ports[0]}
                    log(f"worker node {k} up as {node_id} in {time.time() - t0:.1f} s")
                    return node_id
            if time.time() > deadline:
                raise BridgeError(f"worker node {k} started but the GCS does not show it alive after 60 s")
            time.sleep(0.1)

    def kill_node(self, node_id):
        """SIGKILLs every process of a worker node (its raylet, its agents, its workers)."""
        info = self.nodes.get(node_id)
        if info is None:
            raise BridgeError(f"killNode: no worker node {node_id!r} (the head cannot be killed)")
        answer = self.keeper_command(f"kill {info['k']}")
        log(f"killNode {node_id}: {answer}")

    def kill_nodes(self):
        """Kills every worker node (reset); waits for the GCS to see them dead, so that no later actor lands there."""
        if not self.nodes:
            return
        gone = list(self.nodes)
        self.keeper_command("killnodes")
        self.nodes = {}
        deadline = time.time() + 30
        while time.time() < deadline:
            table = self.node_table()
            if not any(table.get(n, {}).get("alive") for n in gone):
                return
            time.sleep(0.05)
        log("reset: the GCS still shows killed worker nodes alive after 30 s")

    def tables(self, job_ids, with_jobs=False):
        """The GCS actor table of these jobs by actor id (and their job table entries)."""
        res = self.controller.result("tables", jobs=sorted(job_ids), withJobs=with_jobs, timeout=30)
        return {a["id"]: a for a in res["actors"]}, res["jobs"]

    def shutdown(self, why, others=()):
        """Kills every process of the cluster (and `others`, the scenario's drivers); once."""
        with self.stop_lock:
            if self.stopped:
                self.stop_done.wait(60)  # another thread is stopping: let it finish
                return
            self.stopped = True
        log(f"shutting down ({why})")
        subs = list(others)
        with self.pool_lock:
            subs += self.pool
            self.pool = []
        if self.controller is not None:
            subs.append(self.controller)
        for s in subs:
            if s.proc.poll() is None:
                s.kill()
        if self.keeper is not None and self.keeper.poll() is None:
            try:
                self.keeper.stdin.write("stop\n")
                self.keeper.stdin.flush()
            except (OSError, ValueError):
                pass
            try:
                self.keeper.wait(30)
            except subprocess.TimeoutExpired:
                log("the keeper did not finish; killing its process group")
                try:
                    os.killpg(self.keeper.pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.tmp:
            subprocess.run(["rm", "-rf", self.tmp], check=False)
        log("stopped")
        self.stop_done.set()
