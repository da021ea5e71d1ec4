import type { Json } from "./json.js";

/**
 * The two actor classes every implementation provides (docs/scenario-format.md,
 * "Classes"). Their behaviour is pure: a constructor from arguments to data and
 * methods from data to a new data and a return value.
 */
export type ClassName = "Counter" | "Greeter";

/** The class's own state, plain data. */
export type ClassData = { readonly count: number } | { readonly greeting: Json };

/** A method's outcome: the new state and the return value, or the exception it raised. */
type MethodResult = { readonly data: ClassData; readonly value: Json } | { readonly raised: string };

interface ClassSpec {
  /**
   * An error message when the arguments do not fit the constructor's
   * signature, or null. Like Python (and Ray's `.remote()`), it checks how many
   * arguments there are, not their types.
   */
  checkArgs(args: readonly Json[]): string | null;
  construct(args: readonly Json[]): ClassData;
  methods: Record<string, (data: ClassData) => MethodResult>;
}

const counter: ClassSpec = {
  checkArgs: (args) => (args.length > 1 ? `Counter.__init__() takes from 1 to 2 positional arguments but ${args.length + 1} were given` : null),
  construct: (args) => ({ count: args.length === 1 ? (args[0] as number) : 0 }),
  methods: {
    incr: (data) => {
      const current = (data as { count: Json }).count;
      // A Counter started with something that is not a number raises, as `self.n += 1` would.
      if (typeof current !== "number") return { raised: `TypeError: can only concatenate ${typeof current} (not "int") to ${typeof current}` };
      const count = current + 1;
      return { data: { count }, value: count };
    },
    value: (data) => ({ data, value: (data as { count: number }).count }),
  },
};

const greeter: ClassSpec = {
  checkArgs: (args) => (args.length === 1 ? null : `Greeter.__init__() takes 2 positional arguments but ${args.length + 1} were given`),
  construct: (args) => ({ greeting: args[0] }),
  methods: {
    say_hello: (data) => ({ data, value: (data as { greeting: Json }).greeting }),
  },
};

/** The class specifications, by name. */
export const CLASSES: Readonly<Record<ClassName, ClassSpec>> = { Counter: counter, Greeter: greeter };

/** True when `name` is one of the provided classes. */
export function isClassName(name: string): name is ClassName {
  return name === "Counter" || name === "Greeter";
}

/** Every method of every class, for validating scenarios. */
export const ALL_METHODS: readonly string[] = Object.values(CLASSES).flatMap((c) => Object.keys(c.methods));
