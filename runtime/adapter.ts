import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { Cluster, type GcsStorage, type StepRequest } from "./cluster.js";
import { RuntimeError, toWireError } from "./protocol.js";
import { bugProblem, faultOn } from "./bugs.js";

/**
 * The adapter-protocol server of the Node runtime (docs/adapter-protocol.md):
 * JSON lines on stdin and stdout. `reset` starts a fresh cluster (a head
 * process), each `init` a driver process; steps go to the process that runs
 * them, and requests are served concurrently so parallel blocks really run at
 * once. Everything it started is killed on reset, shutdown, when its stdin
 * closes, and on SIGTERM/SIGINT.
 *
 * Usage: `node dist/runtime/adapter.js`.
 */

const PROFILES = ["ray"];
let cluster: Cluster | null = null;
/**
 * The latest reset. Requests are answered concurrently (parallel blocks), but
 * none may overtake a reset sent before it.
 */
let resetDone: Promise<unknown> = Promise.resolve();

/** GCS restarts with their tables in Redis need redis-server on PATH (Debian's package redis-server). */
function hasRedis(): boolean {
  return (process.env["PATH"] ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, "redis-server")));
}

function write(message: object): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

/** Handles one request; the reply carries its id. */
async function handle(request: Record<string, unknown>): Promise<object> {
  // An unknown ROLLCALL_BUG is a mistake of whoever started the adapter: say so rather than run without it.
  const bad = request.type === "hello" || request.type === "reset" ? bugProblem() : null;
  if (bad !== null) throw new RuntimeError("Internal", bad);
  switch (request.type) {
    case "hello":
      return { name: "rollcall-node-runtime", version: "0.1.0", profiles: PROFILES, formats: [1, 2], features: hasRedis() ? ["initFails", "gcs", "gcsLost"] : ["initFails", "gcsLost"] };
    case "reset": {
      const previous = resetDone;
      const done = previous.then(() => reset(String(request.profile), request.gcsStorage === "redis" ? "redis" : "none"));
      resetDone = done.catch(() => undefined);
      await done;
      return {};
    }
    case "step": {
      await resetDone;
      const { id, type, ...step } = request;
      void id;
      void type;
      return live().step(step as unknown as StepRequest);
    }
    case "settle":
      await resetDone;
      await live().settle();
      return {};
    case "shutdown":
      return {};
    default:
      throw new RuntimeError("Internal", `unknown request type ${String(request.type)}`);
  }
}

/** Throws the whole cluster away and starts a fresh one with that semantics. */
async function reset(profile: string, gcsStorage: GcsStorage): Promise<void> {
  cluster?.stop();
  cluster = null;
  if (!PROFILES.includes(profile)) throw new RuntimeError("Internal", `the Node runtime implements ${PROFILES.join(", ")}, not ${profile}`);
  cluster = await Cluster.start(gcsStorage);
}

function live(): Cluster {
  if (cluster === null) throw new RuntimeError("Internal", "no cluster: send reset first");
  return cluster;
}

function stopAndExit(status: number): never {
  Cluster.stopAll(); // a cluster still starting (during a reset) too
  process.exit(status);
}

function main(): void {
  process.on("SIGTERM", () => stopAndExit(0));
  process.on("SIGINT", () => stopAndExit(0));
  process.on("uncaughtException", (e) => {
    process.stderr.write(`node runtime adapter: ${e.stack ?? e.message}\n`);
    stopAndExit(1);
  });
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(line) as Record<string, unknown>;
    } catch {
      process.stderr.write(`node runtime adapter: ignoring a line that is not JSON: ${line.slice(0, 200)}\n`);
      return;
    }
    handle(request).then(
      (result) => {
        if (request.type === "step" && request.do === "list" && faultOn("garbage-on-list")) return void process.stdout.write("here are some names\n");
        write({ id: request.id, ok: true, result });
        if (request.type === "shutdown") stopAndExit(0);
      },
      (e: unknown) => write({ id: request.id, ok: false, error: toWireError(e) }),
    );
  });
  lines.on("close", () => stopAndExit(0));
}

main();
