import type { Json } from "./json.js";

/**
 * The two actor classes every implementation provides (scenario-format
 * "Classes"). Their behaviour is pure: a constructor from arguments to data and
 * methods from data to a new data and a return value.
 */
export type ClassName = "Counter" | "Greeter";

/** The class's own state, plain data. */
export type ClassData = { readonly count: number } | { readonly greeting: Json };

interface MethodResult {
  readonly data: ClassData;
  readonly value: Json;
}

interface ClassSpec {
  /** An error message when the arguments do not fit the constructor, or null. */
  checkArgs(args: readonly Json[]): string | null;
  construct(args: readonly Json[]): ClassData;
  methods: Record<string, (data: ClassData) => MethodResult>;
}

const counter: ClassSpec = {
  checkArgs: (args) =>
    args.length > 1
      ? `Counter(start=0) takes at most 1 argument, got ${args.length}`
      : args.length === 1 && !Number.isInteger(args[0])
        ? "Counter(start=0): start must be an integer"
        : null,
  construct: (args) => ({ count: args.length === 1 ? (args[0] as number) : 0 }),
  methods: {
    incr: (data) => {
      const count = (data as { count: number }).count + 1;
      return { data: { count }, value: count };
    },
    value: (data) => ({ data, value: (data as { count: number }).count }),
  },
};

const greeter: ClassSpec = {
  checkArgs: (args) => (args.length === 1 ? null : `Greeter(greeting) takes exactly 1 argument, got ${args.length}`),
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
