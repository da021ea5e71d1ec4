import {
  ALL_METHODS, CLASSES, isJobId, selectActor, type Command, type Fault, type Json, type State,
} from "../model/index.js";

/** Picks an integer in [0, n): a seeded generator's draw, or fast-check's. */
export type Choose = (n: number) => number;

/** The universe random programs draw from. */
export interface ProgramSpace {
  /** How many drivers may run at once. */
  readonly drivers: number;
  readonly names: readonly string[];
  readonly namespaces: readonly string[];
  /** Inject crashes. */
  readonly faults: boolean;
}

export const DEFAULT_SPACE: ProgramSpace = { drivers: 3, names: ["a", "b", "c"], namespaces: ["ns1", "ns2"], faults: true };

/**
 * The next command of a random program, valid in `state` by construction:
 * callers are running drivers and live actors, handles are ones the caller
 * holds. Every operation of the scenario format can come out, faults and a
 * few invalid options included. `choose` decides every choice, so a seeded
 * generator and fast-check share this one definition (and fast-check shrinks
 * programs toward the first choices: init, then plain creates).
 */
export function nextCommand(state: State, choose: Choose, space: ProgramSpace = DEFAULT_SPACE): Command | Fault {
  const pick = <T>(items: readonly T[]): T => items[choose(items.length)];
  const maybe = <T>(items: readonly T[]): T | undefined => pick([undefined, ...items]);
  const running = Object.keys(state.jobs);
  const alive: string[] = [];
  for (const id in state.actors) if (state.actors[id].lifecycle === "ALIVE") alive.push(id);
  if (running.length === 0 || (running.length < space.drivers && choose(8) === 0)) {
    return strip({ type: "init", namespace: maybe(space.namespaces), defaultLifetime: choose(6) === 0 ? "detached" : undefined });
  }
  if (space.faults && alive.length > 0 && choose(20) === 0) return { type: "actor.crashed", actor: pick(alive) };
  const caller = alive.length > 0 && choose(5) === 0 ? pick(alive) : pick(running);
  // An actor calling itself would deadlock in Ray (one thread); programs leave it out.
  const held = Object.keys(state.handles[caller] ?? {}).filter((id) => id !== caller);
  const ops = ["create", "create", "get", "list", "exit", ...(held.length > 0 ? ["call", "call", "call", "kill", "drop", "state"] : [])];
  const op = pick(ops);
  const actor = held.length > 0 ? pick(held) : "";
  switch (op) {
    case "create": {
      const cls = pick(Object.keys(CLASSES)) as keyof typeof CLASSES;
      const args: Json[] = cls === "Greeter" ? [pick(["hello", "hi"])] : choose(3) === 0 ? [choose(10)] : [];
      const name = choose(12) === 0 ? "" : maybe(space.names);
      return strip({
        type: "create", caller, cls, args, name,
        namespace: choose(4) === 0 ? pick(space.namespaces) : undefined,
        lifetime: maybe(["detached", "non_detached"]),
        getIfExists: choose(3) === 0 ? true : undefined,
        maxRestarts: maybe([0, 1, -1]),
      });
    }
    case "get":
      return strip({ type: "get", caller, name: pick(space.names), namespace: choose(3) === 0 ? pick(space.namespaces) : undefined });
    case "list":
      return strip({ type: "list", caller, allNamespaces: choose(2) === 0 ? true : undefined });
    case "exit":
      // Drivers exit rarely, so programs build up some history first.
      if (isJobId(caller) && choose(4) !== 0) return { type: "list", caller };
      return { type: "exit", caller };
    case "call": {
      const methods = Object.keys(CLASSES[selectActor(state, actor).cls].methods);
      return { type: "call", caller, actor, method: choose(30) === 0 ? pick(ALL_METHODS) : pick(methods) };
    }
    case "kill":
      return strip({ type: "kill", caller, actor, noRestart: choose(3) === 0 ? false : undefined });
    case "drop":
      return { type: "drop", caller, actor };
    default:
      return { type: "state", caller, actor };
  }
}

function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
