import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EXIT_INVALID } from "./errors.js";
import { onInterrupt } from "./interrupt.js";
import { RAY_ADAPTER_DIR } from "./targets.js";

/** What `rayInstallCommand` may be given. */
export interface RayInstallOptions {
  /** Another Ray version than the pinned one (installed in its own cache folder). */
  readonly version?: string;
  /** The installer to run (tests); by default the shipped adapters/ray/install.sh. */
  readonly script?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * `rollcall ray-install`: runs the shipped adapters/ray/install.sh, which puts
 * the pinned Ray in a virtual environment in the per-user cache
 * (${XDG_CACHE_HOME:-~/.cache}/rollcall/ray-<version>), where `--target ray`
 * finds it. Its output streams through; its exit status is returned (0
 * installed or already there, 1 the installation failed, 2 no usable
 * python3/venv or a bad version). SIGINT/SIGTERM stop it too.
 */
export function rayInstallCommand(opts: RayInstallOptions = {}): Promise<number> {
  const script = opts.script ?? join(RAY_ADAPTER_DIR, "install.sh");
  const fail = (message: string): Promise<number> => {
    process.stderr.write(`rollcall ray-install: ${message}\n`);
    return Promise.resolve(EXIT_INVALID);
  };
  if (opts.version !== undefined && !/^[0-9]+(\.[0-9]+)*[a-z0-9.+-]*$/.test(opts.version)) return fail(`'${opts.version}' is not a Ray version (e.g. 2.60.0)`);
  if (!existsSync(script)) return fail(`the Ray bridge's installer ${script} is missing (a broken installation of rollcall?)`);
  const args = [script, ...(opts.version === undefined ? [] : ["--version", opts.version])];
  return new Promise((resolve) => {
    // Its own process group, so that an interrupt stops pip as well as bash.
    const child = spawn("bash", args, { stdio: ["ignore", "inherit", "inherit"], env: opts.env ?? process.env, detached: true });
    const stop = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    };
    const removeHook = onInterrupt(stop);
    process.on("exit", stop); // rollcall exiting on a signal takes the installer with it
    const done = (): void => {
      removeHook();
      process.off("exit", stop);
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      done();
      process.stderr.write(`rollcall ray-install: cannot run bash (${e.code === "ENOENT" ? "bash is not installed" : e.message}); the installer needs bash and python3 with venv (on Debian or Ubuntu: apt-get install python3-venv)\n`);
      resolve(EXIT_INVALID);
    });
    child.on("exit", (code, signal) => {
      done();
      if (signal !== null) {
        process.stderr.write(`rollcall ray-install: the installer was stopped by ${signal}\n`);
        resolve(signal === "SIGINT" ? 130 : 143);
        return;
      }
      resolve(code ?? 1);
    });
  });
}
