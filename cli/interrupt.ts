/**
 * What an interrupted command still owes the user. A command that holds a
 * finding (a difference being shrunk, a violation being written) registers
 * how to save or print it; SIGINT and SIGTERM run every such hook, then stop
 * the implementations started (process groups) and exit 130 or 143.
 */
const hooks = new Set<() => void>();

/** Registers a hook run (synchronously) on SIGINT/SIGTERM; returns its removal. */
export function onInterrupt(hook: () => void): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Runs every hook once (each at most once, errors reported, never thrown). */
export function runInterruptHooks(): void {
  for (const hook of [...hooks]) {
    hooks.delete(hook);
    try {
      hook();
    } catch (e) {
      process.stderr.write(`rollcall: while stopping: ${(e as Error).message}\n`);
    }
  }
}
