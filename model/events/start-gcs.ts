import { reply, type D, type Effects } from "../effects.js";
import { nextJobState } from "../lifecycle.js";
import { destroy, workerDied } from "../mechanics.js";
import { defineCommand, type Keys } from "./define.js";
import { gcsKeys } from "./stop-gcs.js";

/**
 * The GCS process starts again (format version 2's `startGcs`, Ray's tests'
 * `start_gcs_server`). With `gcsStorage: redis` it reloads its tables
 * (GcsActorManager::Initialize): every registered actor and name comes back,
 * and what happened while it was down (deaths, exits, kills sent, handles
 * dropped) is processed now, by the internal events as usual: an owned actor
 * whose owner died is destroyed, one whose owner let go of it too
 * (PollOwnerForActorRefDeleted), a worker death is restarted or ends the
 * actor. Without persistence the cluster is lost: the new GCS has a new
 * cluster id, the raylets exit, and every driver and actor is gone.
 */
export const rules = {
  "gcs.reloaded": ["The GCS started again and reloaded its tables from Redis: every registered actor and name is back, and what happened while it was down is processed now.", "docs/semantics.md#gcs.reloaded"],
  "gcs.deadNotReloaded": ["A restarted GCS does not reload an actor that is DEAD for good: an owned actor that died and still held its name is gone, and its name is free.", "docs/semantics.md#gcs.deadNotReloaded"],
  "gcs.lost": ["The GCS started again without persistence: a new cluster, whose raylets exit; every driver and actor of the old one is gone.", "docs/semantics.md#gcs.lost"],
} as const;

/** The GCS starts (it was stopped): it reloads its tables, or, without persistence, the cluster is lost. */
export function start(d: D, fx: Effects): void {
  d.gcsDown = false;
  d.gcsRestarts = (d.gcsRestarts ?? 0) + 1;
  if (d.gcsStorage !== "redis") {
    lose(d, fx);
    reply(fx, "", { kind: "ok" }, "gcs.lost");
    return;
  }
  for (const id in d.actors) {
    const a = d.actors[id];
    // OnInitializeActorShouldLoad: a DEAD actor that cannot restart (one kept for lineage can) is not loaded.
    if (a.lifecycle === "DEAD" && !a.outOfScope) {
      destroy(d, a, a.deathCause ?? "WORKER_DIED", fx);
      fx.rules.push("gcs.deadNotReloaded");
      continue;
    }
    a.reloaded = true;
  }
  // Then the deaths of processes that crashed while it was down reach it (the raylets report them again), in order.
  for (const id in d.actors) {
    const a = d.actors[id];
    if (a.crashedWhileDown !== true) continue;
    delete a.crashedWhileDown;
    fx.rules.push(workerDied(d, a, "WORKER_DIED", true, fx) ?? "crash.restart");
  }
  reply(fx, "", { kind: "ok" }, "gcs.reloaded");
}

/** A cluster lost with its GCS: every driver's job ends and every actor is destroyed; ids go on counting. */
function lose(d: D, fx: Effects): void {
  for (const id in d.jobs) {
    const job = d.jobs[id];
    const next = nextJobState(job.lifecycle, { type: "driver.exited" });
    if (next === null) throw new Error(`job chart refuses driver.exited in ${job.lifecycle} (${id})`);
    job.lifecycle = next;
    d.finished[id] = job;
    delete d.jobs[id];
  }
  for (const id in d.actors) destroy(d, d.actors[id], "NODE_DIED", fx);
  d.handles = {};
  d.inflight = {};
  d.kills = [];
  if (d.nodes !== undefined) for (const id in d.nodes) d.nodes[id].alive = false;
}

/** A start touches everything: conservatively, every record. */
export const everything = (_: unknown, __: unknown, k: Keys): void => {
  k.write("gcs");
  for (const key of ["actor:*", "dead:*", "data:*", "args:*", "job:*", "handles:*", "inflight:*", "killfor:*", "killsby:*", "name:*", "nodes", "node:*", "counter:actor", "counter:job"]) k.write(key);
};

export const startGcs = defineCommand({
  type: "startGcs",
  enabled: (s) => s.gcsDown === true,
  enabling: gcsKeys,
  apply: (d, _, fx) => start(d, fx),
  footprint: everything,
});
