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
   * re-raise the creation error rather than the lookup's NotFound: the seed
   * text's reading, and the first version of PR #58628. No shipped Ray does it:
   * the wheels of 2.49.2, 2.54.1 and 2.60.0 all end with a plain `get_actor`
   * after the lost race (2.54 and later swallow only ActorAlreadyExistsError).
   */
  readonly getIfExistsReraisesCreateError: boolean;
  /**
   * Whether restarts caused by the preemption of a drained node are free: not
   * counted toward `max_restarts`, and an actor with `max_restarts > 0` whose
   * restarts are used up still restarts after a preemption (Ray PR #54175,
   * docs/semantics.md#node.preempted). Before it, a preemption restart was
   * an ordinary one.
   */
  readonly preemptionRestartsFree: boolean;
  /**
   * How many destroyed actors the GCS keeps for state queries
   * (`maximum_gcs_destroyed_actor_cached_count`, 100,000 in Ray): when one
   * more is destroyed, the one destroyed longest ago is evicted (FIFO) and
   * deleted from the actor table. Finished jobs are not bounded: Ray's job
   * table keeps every job.
   */
  readonly destroyedActorCache: number;
  /**
   * The Ray releases that implement this profile, measured on real releases
   * (REPORT.md, "Profiles by release"), or null for a profile that is no Ray
   * release (the seed). `to` null: up to the newest release measured.
   */
  readonly releases: ReleaseRange | null;
}

/** Ray releases from `from` to `to`, inclusive, by minor version ("2.5" holds 2.5.0 and 2.5.1). */
export interface ReleaseRange {
  readonly from: string;
  readonly to: string;
}

/** The newest Ray release the model has been measured on; the bridge is pinned to it. */
export const NEWEST_MEASURED_RELEASE = "2.60.0";

/** The oldest Ray release rollcall runs (the bridge's private APIs go back this far). */
export const OLDEST_RELEASE = "2.5.0";

/** Ray's default `maximum_gcs_destroyed_actor_cached_count` (src/ray/common/ray_config_def.h). */
export const RAY_DESTROYED_ACTOR_CACHE = 100_000;

export type ProfileName = "seed" | "ray" | "ray-2.49";

const ray: Profile = {
  name: "ray",
  summary: "Ray 2.50–2.60: anonymous namespaces, reference counting, weak get handles, dead-but-registered names",
  anonymousNamespaces: true,
  referenceCounting: true,
  failedOwnedActorName: "kept",
  // The shipped releases swallow the lost race and surface the final lookup's NotFound (docs/semantics.md#getIfExists.lookupError).
  getIfExistsReraisesCreateError: false,
  preemptionRestartsFree: true,
  destroyedActorCache: RAY_DESTROYED_ACTOR_CACHE,
  releases: { from: "2.50", to: "2.60" },
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
    // The seed text says nothing of nodes: Ray's rules.
    preemptionRestartsFree: true,
    destroyedActorCache: RAY_DESTROYED_ACTOR_CACHE,
    releases: null,
  },
  "ray-2.49": {
    ...ray,
    name: "ray-2.49",
    summary: "Ray 2.5–2.49: names of failed owned actors released at death (issue #57690)",
    failedOwnedActorName: "releasedAtDeath",
    getIfExistsReraisesCreateError: false,
    // Before PR #54175 (2025-07): not yet confirmed on a release (REPORT, Not done).
    preemptionRestartsFree: false,
    releases: { from: "2.5", to: "2.49" },
  },
};

/** The default profile of scenarios and tools. */
export const DEFAULT_PROFILE: ProfileName = "ray";

/** True when `name` names a profile. */
export function isProfileName(name: string): name is ProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}

/** A Ray release's numbers ("2.49.2" → [2, 49, 2]), or null when `text` is not one. */
export function releaseNumbers(text: string): number[] | null {
  if (!/^\d+\.\d+(\.\d+)?$/.test(text)) return null;
  return text.split(".").map(Number);
}

/** Compares two releases by their numbers (a missing patch number counts as 0). */
export function compareReleases(a: string, b: string): number {
  const x = releaseNumbers(a) ?? [];
  const y = releaseNumbers(b) ?? [];
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `release` falls in `range` (its ends by minor version). */
export function inRange(release: string, range: ReleaseRange): boolean {
  const [major, minor] = releaseNumbers(release) ?? [];
  const minorOf = (r: string) => (releaseNumbers(r) ?? []).slice(0, 2);
  const [fromMajor, fromMinor] = minorOf(range.from);
  const [toMajor, toMinor] = minorOf(range.to);
  const at = major * 1000 + minor;
  return at >= fromMajor * 1000 + fromMinor && at <= toMajor * 1000 + toMinor;
}

/** A Ray profile's name by its releases: `ray@2.5-2.49`. */
export function rangeName(p: Profile): string | null {
  return p.releases === null ? null : `ray@${p.releases.from}-${p.releases.to}`;
}

/**
 * The profile a Ray release implements: the one whose measured range holds it;
 * a release newer than any measured gets the newest profile (`newer` true:
 * an assumption, which callers say). Null below OLDEST_RELEASE or for text
 * that is no release.
 */
export function profileOfRelease(release: string): { profile: ProfileName; newer: boolean } | null {
  if (releaseNumbers(release) === null || compareReleases(release, OLDEST_RELEASE) < 0) return null;
  for (const p of Object.values(PROFILES)) if (p.releases !== null && inRange(release, p.releases)) return { profile: p.name, newer: false };
  if (compareReleases(release, NEWEST_MEASURED_RELEASE) > 0) return { profile: "ray", newer: true };
  return null;
}

/**
 * A profile named by its name (`ray`, `ray-2.49`, `seed`), by its releases
 * (`ray@2.5-2.49`) or by one release (`ray@2.44.1`), or null.
 */
export function resolveProfileName(text: string): ProfileName | null {
  if (isProfileName(text)) return text;
  for (const p of Object.values(PROFILES)) if (rangeName(p) === text) return p.name;
  const m = /^ray@(\d+\.\d+\.\d+)$/.exec(text);
  return m === null ? null : (profileOfRelease(m[1] as string)?.profile ?? null);
}

/** Every way to name a profile, for messages. */
export function profileNamesHelp(): string {
  return Object.values(PROFILES).map((p) => (rangeName(p) === null ? p.name : `${p.name} (${rangeName(p)})`)).join(", ") + ", ray@X.Y.Z (a release's own)";
}
