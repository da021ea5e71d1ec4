import { reply, type D, type Effects } from "../effects.js";
import { defineCommand, type Keys } from "./define.js";

/**
 * The GCS process stops (format version 2's `stopGcs`: SIGKILL, as Ray's
 * tests' `kill_gcs_server` does). While it is stopped nothing the GCS does
 * happens (no internal event is enabled: registry.ts), and the commands that
 * need it block (command.ts's NEEDS_GCS); calls to live actors, kills (sent
 * now, processed once it is back), drops, exits and crashes go on.
 * start-gcs.ts starts it again.
 */
export const rules = {
  "gcs.stopped": ["The GCS process stopped: until it starts again nothing it does happens, and lookups, creations, listings and state queries wait for it.", "docs/semantics.md#gcs.stopped"],
} as const;

/** The GCS stops. */
export function stop(d: D, fx: Effects): void {
  d.gcsDown = true;
  reply(fx, "", { kind: "ok" }, "gcs.stopped");
}

/** The GCS's own record: whether it runs. */
export const gcsKeys = (_: unknown, __: unknown, k: Keys): void => k.write("gcs");

export const stopGcs = defineCommand({
  type: "stopGcs",
  enabled: (s) => s.gcsDown !== true,
  enabling: gcsKeys,
  apply: (d, _, fx) => stop(d, fx),
  footprint: gcsKeys,
});
