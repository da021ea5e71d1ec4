/**
 * Profiles name a semantics. A profile is data the reducer consults, never a
 * fork of the code: each field is one rule where Ray versions (or the seed text)
 * part ways, with the place it comes from.
 */
export interface Profile {
  readonly name: ProfileName;
  /** One line for `--help` and reports. */
  readonly summary: string;
  /**
   * A driver that names no namespace gets an anonymous namespace of its own
   * (docs/semantics.md#init.anonymous); otherwise every such driver shares
   * `default` (the seed, docs/semantics.md#init.default).
   */
  readonly anonymousNamespaces: boolean;
  /**
   * Owners count strong references: an owned actor goes out of scope when its
   * owner lets go of its last strong handle (docs/semantics.md#reference-counting).
   * Handles from `get` are weak.
   * Without it (seed) an owned actor lives until its owner dies or it is killed.
   */
  readonly referenceCounting: boolean;
  /**
   * What happens to the name of a non-detached actor that dies permanently of a
   * failure or its own exit while its owner still holds it
   * (docs/semantics.md#name-release):
   * - `kept`: it stays registered, DEAD, holding the name (Ray ≥ 2.50, PR #54955);
   * - `releasedAtDeath`: the name is released at death but the actor stays
   *   registered until destroyed (Ray ≤ 2.49, the setting of issue #57690);
   * - `destroyed`: the actor is destroyed at once and its name freed (seed).
   */
  readonly failedOwnedActorName: "kept" | "releasedAtDeath" | "destroyed";
  /**
   * When get-or-create loses the race and the final lookup also misses,
   * re-raise the creation error (PR #58628, Nov 2025) rather than the lookup's
   * NotFound.
   */
  readonly getIfExistsReraisesCreateError: boolean;
  /**
   * How many destroyed actors the GCS keeps for state queries
   * (`maximum_gcs_destroyed_actor_cached_count`, 100,000 in Ray): when one
   * more is destroyed, the one destroyed longest ago is evicted (FIFO) and
   * deleted from the actor table. Finished jobs are not bounded: Ray's job
   * table keeps every job.
   */
  readonly destroyedActorCache: number;
}

/** Ray's default `maximum_gcs_destroyed_actor_cached_count` (src/ray/common/ray_config_def.h). */
export const RAY_DESTROYED_ACTOR_CACHE = 100_000;

export type ProfileName = "seed" | "ray" | "ray-2.49";

const ray: Profile = {
  name: "ray",
  summary: "Ray 2.60: anonymous namespaces, reference counting, weak get handles, dead-but-registered names",
  anonymousNamespaces: true,
  referenceCounting: true,
  failedOwnedActorName: "kept",
  getIfExistsReraisesCreateError: true,
  destroyedActorCache: RAY_DESTROYED_ACTOR_CACHE,
};

/** Every profile the model knows, by name. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  ray,
  seed: {
    name: "seed",
    summary: "the seed text: one shared default namespace, no reference counting, death frees the name",
    anonymousNamespaces: false,
    referenceCounting: false,
    failedOwnedActorName: "destroyed",
    getIfExistsReraisesCreateError: true,
    destroyedActorCache: RAY_DESTROYED_ACTOR_CACHE,
  },
  "ray-2.49": {
    ...ray,
    name: "ray-2.49",
    summary: "Ray 2.37–2.49: names of failed owned actors released at death (issue #57690), lookup error from get-or-create",
    failedOwnedActorName: "releasedAtDeath",
    getIfExistsReraisesCreateError: false,
  },
};

/** The default profile of scenarios and tools. */
export const DEFAULT_PROFILE: ProfileName = "ray";

/** True when `name` names a profile. */
export function isProfileName(name: string): name is ProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}
