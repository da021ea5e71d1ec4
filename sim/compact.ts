/**
 * A copy of an object without its undefined fields, so commands print,
 * compare and log canonically (an option left out is absent, as in Ray's
 * `.options()`). It copies rather than deletes: `delete` would turn the
 * object into a slow dictionary on the simulator's hot path.
 */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}
