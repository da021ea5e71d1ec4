import { defineCommand } from "./define.js";
import { everything, start } from "./start-gcs.js";
import { gcsKeys } from "./stop-gcs.js";

/** The GCS process is killed and started again at once (format version 2's `restartGcs`): start-gcs.ts's reload, with nothing in between. */
export const restartGcs = defineCommand({
  type: "restartGcs",
  enabled: (s) => s.gcsDown !== true,
  enabling: gcsKeys,
  apply(d, _, fx) {
    d.gcsDown = true;
    start(d, fx);
  },
  footprint: everything,
});
