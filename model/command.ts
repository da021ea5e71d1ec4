import type { Json } from "./json.js";
import type { InitFailure } from "./state.js";

/**
 * Commands: what a caller (a driver, or code running inside an actor) asks for,
 * in the model's ids (the simulator maps a scenario's labels to them). Optional
 * option fields are left out when not given, as in Ray's `.options()`.
 * `continue` asks for the next atomic step of a command already begun (for
 * example the register step of a get-or-create after its lookup missed).
 */
export type Command =
  | { readonly type: "init"; readonly namespace?: string; readonly defaultLifetime?: string; readonly node?: string }
  | {
      readonly type: "create";
      readonly caller: string;
      readonly cls: string;
      readonly args?: readonly Json[];
      readonly name?: string;
      readonly namespace?: string;
      readonly lifetime?: string;
      readonly getIfExists?: boolean;
      readonly maxRestarts?: number;
      /** Hard node affinity (`NodeAffinitySchedulingStrategy(node, soft=False)`), or soft with `soft`. */
      readonly node?: string;
      readonly soft?: boolean;
      /** The constructor fails (format version 2): it raises, or exits with `sys.exit(1)` or `sys.exit(0)`. */
      readonly initFails?: InitFailure;
    }
  | { readonly type: "get"; readonly caller: string; readonly name: string; readonly namespace?: string }
  | { readonly type: "call"; readonly caller: string; readonly actor: string; readonly method: string; readonly args?: readonly Json[] }
  | { readonly type: "kill"; readonly caller: string; readonly actor: string; readonly noRestart?: boolean }
  | { readonly type: "drop"; readonly caller: string; readonly actor: string }
  | { readonly type: "exit"; readonly caller: string }
  | { readonly type: "list"; readonly caller: string; readonly allNamespaces?: boolean }
  | { readonly type: "state"; readonly caller: string; readonly actor: string }
  | { readonly type: "continue"; readonly caller: string }
  /** The cluster gets a new worker node (format version 2); `caller` is "" (the cluster's operator, not a driver). */
  | { readonly type: "addNode"; readonly caller: "" }
  /** The autoscaler asks the GCS to drain a node (`DrainNode`), for preemption or idle termination; `caller` is "". */
  | { readonly type: "drainNode"; readonly caller: ""; readonly node: string; readonly reason: "preemption" | "idle" }
  /** The state API's death cause of an actor. */
  | { readonly type: "cause"; readonly caller: string; readonly actor: string }
  /** The GCS process is stopped (SIGKILL, as Ray's tests' kill_gcs_server); `caller` is "". */
  | { readonly type: "stopGcs"; readonly caller: "" }
  /** The GCS process is started again (start_gcs_server); `caller` is "". */
  | { readonly type: "startGcs"; readonly caller: "" }
  /** The GCS is stopped and started again at once; `caller` is "". */
  | { readonly type: "restartGcs"; readonly caller: "" }
  /** The state API's node of an actor. */
  | { readonly type: "placement"; readonly caller: string; readonly actor: string };

export type CommandType = Command["type"];

export const COMMAND_TYPES: readonly CommandType[] = [
  "init", "create", "get", "call", "kill", "drop", "exit", "list", "state", "continue", "addNode", "drainNode", "cause", "placement", "stopGcs", "startGcs", "restartGcs",
];

/** The commands that need the GCS to answer: while it is stopped they block (they are not enabled). */
export const NEEDS_GCS: readonly CommandType[] = ["init", "create", "get", "list", "state", "addNode", "drainNode", "cause", "placement"];
