/** A JSON value: what arguments, return values and state fields may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * How deep values may nest in anything rollcall reads (scenarios, logs,
 * adapter replies): deeper input is refused as invalid, since the code that
 * walks values (validation, copies, fingerprints) recurses.
 */
export const MAX_JSON_DEPTH = 200;

/**
 * The path (as `a.b.0`) of the first place where `value` nests deeper than
 * `limit` arrays and objects, or null. Iterative: any depth is safe to ask.
 */
export function tooDeep(value: unknown, limit = MAX_JSON_DEPTH): string | null {
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: value, depth: 0, path: "" }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth >= limit) return path;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: depth + 1, path: path === "" ? String(i) : `${path}.${i}` });
    } else {
      for (const k of Object.keys(v)) stack.push({ v: (v as Record<string, unknown>)[k], depth: depth + 1, path: path === "" ? k : `${path}.${k}` });
    }
  }
  return null;
}
