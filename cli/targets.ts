import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProcessTarget } from "../adapters/process.js";
import { BUGS } from "../runtime/bugs.js";
import type { Target } from "../adapters/target.js";
import { InputError } from "./errors.js";
import { DEFAULT_PROFILE, NEWEST_MEASURED_RELEASE, OLDEST_RELEASE, profileOfRelease, releaseNumbers, type ProfileName } from "../model/index.js";

/** The repository's root (dist/cli/… → the root). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The Ray bridge's folder (its sources ship in the package). */
export const RAY_ADAPTER_DIR = join(REPO_ROOT, "adapters", "ray");

/** The Ray version the bridge is pinned to: requirements.txt's `ray==VERSION` line. */
export function pinnedRayVersion(requirements = join(RAY_ADAPTER_DIR, "requirements.txt")): string {
  let text: string;
  try {
    text = readFileSync(requirements, "utf8");
  } catch (e) {
    throw new InputError(`cannot read the Ray bridge's ${requirements}: ${(e as Error).message}`);
  }
  const m = /^\s*ray==([^\s;#]+)/m.exec(text);
  if (m === null) throw new InputError(`no 'ray==VERSION' line in ${requirements}`);
  return m[1] as string;
}

/** rollcall's per-user cache: $XDG_CACHE_HOME/rollcall (when absolute), else ~/.cache/rollcall. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env["XDG_CACHE_HOME"];
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, "rollcall");
  return join(env["HOME"] || homedir(), ".cache", "rollcall");
}

/** The virtual environment that holds ray `version`: ROLLCALL_RAY_VENV, else the cache's ray-<version>. */
export function rayVenv(version: string, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["ROLLCALL_RAY_VENV"];
  return explicit !== undefined && explicit !== "" ? explicit : join(cacheDir(env), `ray-${version}`);
}

/** The command that installs the pinned Ray (the shipped install.sh, by its absolute path). */
export function rayInstallHint(): string {
  return "rollcall ray-install";
}

/**
 * The Python that runs the Ray bridge: RAY_BRIDGE_PYTHON, else the virtual
 * environment ROLLCALL_RAY_VENV, else ${XDG_CACHE_HOME:-~/.cache}/rollcall/ray-<pinned version>
 * (what install.sh makes; the bridge looks in the same places). An input error says what to run.
 */
export function rayPython(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["RAY_BRIDGE_PYTHON"];
  if (explicit !== undefined && explicit !== "") {
    if (explicit.includes("/") && !existsSync(explicit)) throw new InputError(`RAY_BRIDGE_PYTHON names ${explicit}, which does not exist`);
    return explicit;
  }
  const version = pinnedRayVersion();
  const python = join(rayVenv(version, env), "bin", "python");
  if (!existsSync(python)) {
    const where = env["ROLLCALL_RAY_VENV"] ? " (ROLLCALL_RAY_VENV)" : "";
    throw new InputError(`Ray ${version} is not installed (no ${python}${where}): run \`${rayInstallHint()}\` first (in a checkout: npm run ray:install), or set RAY_BRIDGE_PYTHON to a Python that has ray==${version}`);
  }
  return python;
}

/** The command that starts the Ray bridge, or an input error saying how to install Ray. */
export function rayBridgeCommand(): string {
  return `${JSON.stringify(rayPython())} ${JSON.stringify(join(RAY_ADAPTER_DIR, "bridge.py"))}`;
}

/** The command that starts the Node runtime's adapter (runtime/, built with the rest). */
export function nodeRuntimeCommand(): string {
  const adapter = join(REPO_ROOT, "dist", "runtime", "adapter.js");
  if (!existsSync(adapter)) throw new InputError(`the Node runtime is not built (no ${adapter}): run \`npm run build\` first`);
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(adapter)}`;
}

/** What `--target` names: the model itself, or a program speaking the adapter protocol. */
export type TargetSpec =
  | { readonly kind: "model" }
  | {
      readonly kind: "process";
      readonly command: string;
      readonly label: string;
      /** Extra environment for it (a Ray release's python, the profiles it implements). */
      readonly env?: Readonly<Record<string, string>>;
      /** A Ray release: its hello must report this version. */
      readonly release?: string;
      /** The profile the target implements by the model's table of releases (fuzz's default profile). */
      readonly profile?: ProfileName;
    };

/**
 * `ray@VERSION`: that Ray release through the bridge, from its own virtual
 * environment in the per-user cache (made with install.sh the first time,
 * progress on stderr). The bridge is told the profile the model's table gives
 * the release (model/profile.ts), and its hello must report that release.
 * `installed` false: only checks the release, installing nothing.
 */
export function rayReleaseTarget(version: string, env: NodeJS.ProcessEnv = process.env, install: (version: string) => void = installRay, installed = true): TargetSpec {
  const found = profileOfRelease(version);
  if (releaseNumbers(version) === null || version.split(".").length !== 3) throw new InputError(`--target ray@${version}: a Ray release is three numbers, e.g. ray@2.49.2`);
  if (found === null) throw new InputError(`--target ray@${version}: rollcall runs Ray ${OLDEST_RELEASE} and newer`);
  if (found.newer && installed) process.stderr.write(`rollcall: Ray ${version} is newer than any release the model was measured on (${NEWEST_MEASURED_RELEASE}): assuming profile ${found.profile}\n`);
  const python = join(cacheDir(env), `ray-${version}`, "bin", "python");
  if (installed && !existsSync(python)) install(version);
  if (installed && !existsSync(python)) throw new InputError(`--target ray@${version}: Ray ${version} could not be installed in ${dirname(dirname(python))}`);
  return {
    kind: "process",
    command: `${JSON.stringify(python)} ${JSON.stringify(join(RAY_ADAPTER_DIR, "bridge.py"))}`,
    label: `ray@${version}`,
    env: { RAY_BRIDGE_PYTHON: python, ROLLCALL_RAY_PROFILES: found.profile },
    release: version,
    profile: found.profile,
  };
}

/**
 * A Ray release checked against another profile than its own (`--profile P`
 * with `--target ray@V`): the bridge implements both (P first), so the
 * release is held to P, and the fuzzer can tell a difference the release's
 * own profile explains from a new one. Said on stderr.
 */
export function withProfile(spec: TargetSpec, profile: ProfileName | undefined): TargetSpec {
  if (spec.kind !== "process" || spec.release === undefined || spec.profile === undefined || profile === undefined || profile === spec.profile) return spec;
  process.stderr.write(`rollcall: Ray ${spec.release} implements ${spec.profile} by the model's table of releases; holding it to ${profile} as asked\n`);
  return { ...spec, env: { ...(spec.env ?? {}), ROLLCALL_RAY_PROFILES: `${profile},${spec.profile}` } };
}

/**
 * `--address HOST:PORT`: run on a user's own Ray cluster (its GCS address)
 * instead of one the bridge starts. rollcall then starts and stops nothing of
 * the cluster: each scenario runs in namespaces of its own (a fresh prefix),
 * and reset kills only the actors and ends only the jobs rollcall made. The
 * cluster must run on this machine (crashes kill a worker by its pid, and
 * actors hand the bridge their handles through a folder); Ray Client
 * (`ray://`) is not supported.
 */
export function withAddress(spec: TargetSpec, address: string | undefined): TargetSpec {
  if (address === undefined || spec.kind !== "process") return spec;
  return { ...spec, label: `${spec.label} at ${address}`, env: { ...(spec.env ?? {}), ROLLCALL_RAY_CLUSTER: address } };
}

/** Checks `--address` against `--target` before anything starts (or is installed). */
export function parseAddress(address: string | undefined, target: string): string | undefined {
  if (address === undefined) return undefined;
  if (!(target === "ray" || target.startsWith("ray@"))) throw new InputError("--address runs on a user's Ray cluster: it needs --target ray or ray@VERSION");
  if (address.startsWith("ray://")) throw new InputError(`--address ${address}: Ray Client (ray://) is not supported; give the cluster's GCS address HOST:PORT (a cluster on this machine)`);
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(address)) throw new InputError(`--address must be HOST:PORT, the cluster's GCS address (ray status prints it), got '${address}'`);
  return address;
}

/** Runs install.sh for a release (into the cache), its output on stderr; an input error when it fails. */
function installRay(version: string): void {
  process.stderr.write(`rollcall: Ray ${version} is not in the cache yet: installing it (about a minute)\n`);
  const r = spawnSync("bash", [join(RAY_ADAPTER_DIR, "install.sh"), "--version", version], { stdio: ["ignore", 2, 2], env: { ...process.env, ROLLCALL_RAY_VENV: "" } });
  if (r.signal !== null) throw new InputError(`installing Ray ${version} was stopped (${r.signal})`);
  if (r.status !== 0) throw new InputError(`installing Ray ${version} failed (install.sh exited with status ${r.status}; its output is above)`);
}

/** Parses `--target model | ray | ray@VERSION | node | cmd:<command>`. */
export function parseTarget(value: string): TargetSpec {
  if (value === "model") return { kind: "model" };
  if (value === "ray") return { kind: "process", command: rayBridgeCommand(), label: "ray", env: { ROLLCALL_RAY_PROFILES: DEFAULT_PROFILE } };
  if (value.startsWith("ray@")) return rayReleaseTarget(value.slice(4));
  if (value === "node") return { kind: "process", command: nodeRuntimeCommand(), label: "node" };
  if (value.startsWith("cmd:")) {
    const command = value.slice(4).trim();
    if (command === "") throw new InputError("--target cmd: needs a command, e.g. --target cmd:'python3 my_adapter.py'");
    return { kind: "process", command, label: value };
  }
  throw new InputError(`unknown target '${value}' (known: model, ray, ray@VERSION, node, cmd:<command>)`);
}

/**
 * Starts a process target; with `logDir`, it keeps its own log there
 * (adapters/target-log.ts), which every verdict names.
 */
export function startTarget(spec: Extract<TargetSpec, { kind: "process" }>, stepTimeoutMs: number, bug?: string, logDir?: string): Target {
  const env = { ...(spec.env ?? {}), ...(bug === undefined ? {} : { ROLLCALL_BUG: bug }) };
  try {
    return new ProcessTarget(spec.command, {
      stepTimeoutMs, cwd: process.cwd(), label: spec.label, ...(Object.keys(env).length === 0 ? {} : { env }), ...(logDir === undefined ? {} : { logDir }),
      ...(spec.release === undefined ? {} : { release: spec.release }),
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (logDir !== undefined && code !== undefined) throw new InputError(`--logs ${logDir}: cannot write the target's log there (${code})`);
    throw e;
  }
}

/**
 * `--bug NAME`: a seeded bug of a real implementation, switched on through the
 * environment variable ROLLCALL_BUG (the Node runtime reads it). The model's
 * own seeded bugs are `--mutant`.
 */
export function parseBug(bug: string | undefined, spec: TargetSpec): string | undefined {
  if (bug === undefined) return undefined;
  if (spec.kind === "model") throw new InputError("--bug switches on a seeded bug of a real implementation (ROLLCALL_BUG); on the model use --mutant");
  if (!/^[a-z0-9-]+$/.test(bug)) throw new InputError(`--bug must be a bug's name (letters, digits, dashes), got '${bug}'`);
  // The Node runtime lists its seeded bugs: an unknown one is refused before anything starts.
  if (spec.kind === "process" && spec.label === "node" && !Object.hasOwn(BUGS, bug)) throw new InputError(`--bug: the Node runtime has no seeded bug '${bug}' (known: ${Object.keys(BUGS).join(", ")})`);
  return bug;
}
