import type { Law } from "./law.js";
import { listShowsLiveNames, nameReusableAfterKill, nameUniqueness } from "./names.js";
import { getIfExistsFindsOrCreates, getIfExistsIgnoresArguments, handlesNeverMove, namespacesIsolate } from "./lookups.js";
import { detachedSurviveJob, ownedDieWithOwner, restartKeepsName } from "./lifetimes.js";
import { detachedSurviveOtherNode, nodeOrphansDestroyed, preemptionRestartFree } from "./nodes.js";
import { failedConstructorNeverAlive } from "./constructors.js";
import { gcsReloadKeepsNames, killAfterGcsRestart } from "./gcs.js";

export type { AnyLaw, Law, LivenessLaw, Step as LawStep } from "./law.js";
export { listShowsLiveNames, nameReusableAfterKill, nameUniqueness } from "./names.js";
export { getIfExistsFindsOrCreates, getIfExistsIgnoresArguments, handlesNeverMove, namespacesIsolate } from "./lookups.js";
export { detachedSurviveJob, ownedDieWithOwner, restartKeepsName } from "./lifetimes.js";
export { detachedSurviveOtherNode, nodeOrphansDestroyed, preemptionRestartFree } from "./nodes.js";
export { failedConstructorNeverAlive } from "./constructors.js";
export { gcsReloadKeepsNames, killAfterGcsRestart } from "./gcs.js";
export {
  LIVENESS_LAWS, callEventuallyAnswered, killEventuallyProcessed, killedNameEventuallyFree, orphanEventuallyDead, restartEventuallyEnds,
} from "./liveness.js";

/**
 * The safety laws of the model (kind `always`), shared by fast-check, the
 * explorer and the fuzzer; the liveness laws (kind `eventually`) are
 * LIVENESS_LAWS (./liveness.ts), decided on the checker's graph.
 * (Replay rebuilds the state and same seed gives the same log are laws of the
 * simulator; properties/ checks them.)
 */
export const LAWS: readonly Law[] = [
  nameUniqueness,
  getIfExistsIgnoresArguments,
  detachedSurviveJob,
  // GCS restarts: judged only where the GCS restarts, before the law of kills that would otherwise see their bug first.
  gcsReloadKeepsNames,
  killAfterGcsRestart,
  nameReusableAfterKill,
  handlesNeverMove,
  namespacesIsolate,
  // Nodes: judged on the node's death itself, before the laws that look at the settled cluster.
  nodeOrphansDestroyed,
  detachedSurviveOtherNode,
  preemptionRestartFree,
  ownedDieWithOwner,
  restartKeepsName,
  getIfExistsFindsOrCreates,
  listShowsLiveNames,
  failedConstructorNeverAlive,
];

/** The laws of nodes: judged only where there are worker nodes (a universe without them leaves them out). */
export const NODE_LAWS: readonly Law[] = [nodeOrphansDestroyed, detachedSurviveOtherNode, preemptionRestartFree];

/** The laws of failing constructors: judged only where constructors may fail (a universe without them leaves them out). */
export const INIT_LAWS: readonly Law[] = [failedConstructorNeverAlive];

/** The laws of GCS restarts: judged only where the GCS restarts (a universe without it leaves them out). */
export const GCS_LAWS: readonly Law[] = [gcsReloadKeepsNames, killAfterGcsRestart];

/** The first law a step breaks, with its message, or null. */
export function checkLaws(step: Parameters<Law["check"]>[0], laws: readonly Law[] = LAWS): { law: Law; message: string } | null {
  for (const law of laws) {
    const message = law.check(step);
    if (message !== null) return { law, message };
  }
  return null;
}
