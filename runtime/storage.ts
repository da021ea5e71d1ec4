import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rpc, ipcChannel } from "./rpc.js";

/**
 * The keeper of a cluster's redis-server (GCS fault tolerance, format version
 * 2's `gcsStorage: "redis"`). The adapter forks it; it writes the server's
 * config (a Unix socket in the cluster's 0700 directory and no TCP port, the
 * password the adapter made up, in a 0600 file; no persistence of Redis's
 * own), starts `redis-server`, and sends `{ready: true}` on IPC once the
 * socket is there. When the adapter goes away, however it goes (SIGKILL
 * included: its IPC channel closes), it kills the server and exits, so no
 * Redis outlives the cluster.
 *
 * Usage: forked as `node storage.js <cluster directory>`, the password in the
 * environment variable ROLLCALL_REDIS_PASSWORD.
 */
function main(): void {
  const dir = process.argv[2];
  const password = process.env["ROLLCALL_REDIS_PASSWORD"];
  if (dir === undefined || password === undefined || process.send === undefined) {
    process.stderr.write("usage: forked as node storage.js <cluster directory> (password in ROLLCALL_REDIS_PASSWORD)\n");
    process.exit(2);
  }
  delete process.env["ROLLCALL_REDIS_PASSWORD"];
  const socket = join(dir, "redis.sock");
  const conf = join(dir, "redis.conf");
  writeFileSync(conf, [`port 0`, `unixsocket ${socket}`, `unixsocketperm 700`, `requirepass ${password}`, `save ""`, `appendonly no`, `dir ${dir}`, ""].join("\n"), { mode: 0o600 });
  const server = spawn("redis-server", [conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  server.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const fail = (message: string): never => {
    process.stderr.write(`storage: ${message}\n`);
    process.exit(1);
  };
  server.once("error", (e) => fail(`cannot start redis-server (gcsStorage redis needs it on PATH: Debian's package redis-server): ${e.message}`));
  server.once("exit", (code) => fail(`redis-server exited (status ${code}) ${stderr.trim()}`));
  const stop = (): never => {
    server.kill("SIGKILL");
    process.exit(0);
  };
  new Rpc(ipcChannel(process)).onClose(stop);
  if (!process.connected) stop();
  process.on("SIGTERM", stop);
  const poll = setInterval(() => {
    if (!existsSync(socket)) return;
    clearInterval(poll);
    process.send!({ ready: true });
  }, 20);
}

main();
