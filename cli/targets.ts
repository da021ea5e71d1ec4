import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProcessTarget } from "../adapters/process.js";
import { BUGS } from "../runtime/bugs.js";
import type { Target } from "../adapters/target.js";
import { InputError } from "./errors.js";

/** The repository's root (dist/cli/… → the root). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The command that starts the Ray bridge, or an input error saying how to install it. ROLLCALL_RAY_VENV names another virtual environment. */
export function rayBridgeCommand(): string {
  const venv = process.env["ROLLCALL_RAY_VENV"] ?? join(REPO_ROOT, "adapters", "ray", ".venv");
  const python = join(venv, "bin", "python");
  if (!existsSync(python)) throw new InputError(`Ray is not installed here (no ${python}): run \`npm run ray:install\` first (it makes adapters/ray/.venv with ray==2.60.0), or point ROLLCALL_RAY_VENV at a virtual environment that has it`);
  return `${JSON.stringify(python)} ${JSON.stringify(join(REPO_ROOT, "adapters", "ray", "bridge.py"))}`;
}

/** The command that starts the Node runtime's adapter (runtime/, built with the rest). */
export function nodeRuntimeCommand(): string {
  const adapter = join(REPO_ROOT, "dist", "runtime", "adapter.js");
  if (!existsSync(adapter)) throw new InputError(`the Node runtime is not built (no ${adapter}): run \`npm run build\` first`);
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(adapter)}`;
}

/** What `--target` names: the model itself, or a program speaking the adapter protocol. */
export type TargetSpec = { readonly kind: "model" } | { readonly kind: "process"; readonly command: string; readonly label: string };

/** Parses `--target model | ray | cmd:<command>`. */
export function parseTarget(value: string): TargetSpec {
  if (value === "model") return { kind: "model" };
  if (value === "ray") return { kind: "process", command: rayBridgeCommand(), label: "ray" };
  if (value === "node") return { kind: "process", command: nodeRuntimeCommand(), label: "node" };
  if (value.startsWith("cmd:")) {
    const command = value.slice(4).trim();
    if (command === "") throw new InputError("--target cmd: needs a command, e.g. --target cmd:'python3 my_adapter.py'");
    return { kind: "process", command, label: value };
  }
  throw new InputError(`unknown target '${value}' (known: model, ray, node, cmd:<command>)`);
}

/** Starts a process target. */
export function startTarget(spec: Extract<TargetSpec, { kind: "process" }>, stepTimeoutMs: number, bug?: string): Target {
  return new ProcessTarget(spec.command, { stepTimeoutMs, cwd: process.cwd(), label: spec.label, ...(bug === undefined ? {} : { env: { ROLLCALL_BUG: bug } }) });
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
