import { isParallel, type Scenario, type Step } from "./types.js";

/**
 * The parts of format version 2 that came after nodes, which a target says
 * it runs in its hello's `features` (docs/adapter-protocol.md): a target
 * whose hello lists format 2 without a feature gets the files that use it
 * reported SKIP, not failed.
 * - `initFails`: constructors that raise or exit (`create`'s `initFails`);
 * - `gcs`: the GCS stopped and restarted (`stopGcs`, `startGcs`, `restartGcs`, the file's `gcsStorage`);
 * - `gcsLost`: a GCS started again without persistence (no `gcsStorage: "redis"`): the cluster is lost.
 */
export const FEATURES = ["initFails", "gcs", "gcsLost"] as const;
export type Feature = (typeof FEATURES)[number];

const GCS_OPS: readonly string[] = ["stopGcs", "startGcs", "restartGcs"];

/** The features one step uses. */
export function stepFeatures(step: Step): Feature[] {
  const out: Feature[] = [];
  if (step.initFails !== undefined) out.push("initFails");
  if (GCS_OPS.includes(step.do)) out.push("gcs");
  return out;
}

/** The features a scenario uses, in FEATURES' order. */
export function scenarioFeatures(scenario: Scenario): Feature[] {
  const used = new Set<Feature>();
  if (scenario.gcsStorage !== undefined) used.add("gcs");
  for (const item of scenario.steps) {
    for (const step of isParallel(item) ? item.parallel.flat() : [item]) {
      for (const f of stepFeatures(step)) used.add(f);
      if ((step.do === "startGcs" || step.do === "restartGcs") && scenario.gcsStorage !== "redis") used.add("gcsLost");
    }
  }
  return FEATURES.filter((f) => used.has(f));
}
