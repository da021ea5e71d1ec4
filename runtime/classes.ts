import { RuntimeError } from "./protocol.js";

/**
 * The two actor classes every implementation provides (scenario format,
 * "Classes"), written as ordinary classes that live inside an actor process.
 */
interface ActorInstance {
  [method: string]: unknown;
}

class Counter {
  private n: unknown;
  constructor(start: unknown = 0) {
    this.n = start;
  }
  incr(): number {
    // Python's `self.n += 1` on a non-number raises TypeError.
    if (typeof this.n !== "number") throw new RuntimeError("InvalidArgument", `TypeError: can only concatenate ${typeof this.n} (not "int") to ${typeof this.n}`);
    this.n += 1;
    return this.n;
  }
  value(): unknown {
    return this.n;
  }
}

class Greeter {
  constructor(private readonly greeting: unknown) {}
  say_hello(): unknown {
    return this.greeting;
  }
}

const METHODS: Record<string, readonly string[]> = { Counter: ["incr", "value"], Greeter: ["say_hello"] };

/** Why a class cannot be constructed with these arguments (checked by `.remote()` before anything is sent), or null. */
export function constructorProblem(cls: string, args: readonly unknown[]): string | null {
  if (cls === "Counter") return args.length > 1 ? `Counter.__init__() takes from 1 to 2 positional arguments but ${args.length + 1} were given` : null;
  if (cls === "Greeter") return args.length === 1 ? null : `Greeter.__init__() takes 2 positional arguments but ${args.length + 1} were given`;
  return `Unknown actor class ${cls}`;
}

/** Why a handle cannot call this method (checked by the handle before anything is sent), or null. */
export function methodProblem(cls: string, method: string, args: readonly unknown[]): string | null {
  if (!(METHODS[cls] ?? []).includes(method)) return `'ActorHandle' object has no attribute '${method}'`;
  if (args.length > 0) return `${cls}.${method}() takes no arguments`;
  return null;
}

/** Runs the constructor: what an actor process does first. */
export function construct(cls: string, args: readonly unknown[]): ActorInstance {
  if (cls === "Counter") return new Counter(...(args as [unknown])) as unknown as ActorInstance;
  if (cls === "Greeter") return new Greeter(args[0]) as unknown as ActorInstance;
  throw new Error(`Unknown actor class ${cls}`);
}

/** Runs a method on an instance; an exception it raises comes back as InvalidArgument (the format has no kind for it). */
export function invoke(instance: ActorInstance, method: string): unknown {
  const f = instance[method];
  if (typeof f !== "function") throw new RuntimeError("InvalidArgument", `'ActorHandle' object has no attribute '${method}'`);
  return (f as () => unknown).call(instance);
}
