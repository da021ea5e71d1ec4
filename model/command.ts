import type { Json } from "./json.js";

/**
 * Commands: what a caller (a driver, or code running inside an actor) asks for,
 * in the model's ids (the simulator maps a scenario's labels to them). Optional
 * option fields are left out when not given, as in Ray's `.options()`.
 * `continue` asks for the next atomic step of a command already begun (for
 * example the register step of a get-or-create after its lookup missed).
 */
export type Command =
  | { readonly type: "init"; readonly namespace?: string; readonly defaultLifetime?: string }
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
    }
  | { readonly type: "get"; readonly caller: string; readonly name: string; readonly namespace?: string }
  | { readonly type: "call"; readonly caller: string; readonly actor: string; readonly method: string; readonly args?: readonly Json[] }
  | { readonly type: "kill"; readonly caller: string; readonly actor: string; readonly noRestart?: boolean }
  | { readonly type: "drop"; readonly caller: string; readonly actor: string }
  | { readonly type: "exit"; readonly caller: string }
  | { readonly type: "list"; readonly caller: string; readonly allNamespaces?: boolean }
  | { readonly type: "state"; readonly caller: string; readonly actor: string }
  | { readonly type: "continue"; readonly caller: string };

export type CommandType = Command["type"];

export const COMMAND_TYPES: readonly CommandType[] = [
  "init", "create", "get", "call", "kill", "drop", "exit", "list", "state", "continue",
];
