import { DEFAULT_PROFILE, isProfileName, type ProfileName } from "../model/index.js";
import type { Source } from "../sim/source.js";
import { logTimeline, scenarioTimeline, type Timeline } from "../sim/timeline.js";

/** The profiles the seed-versus-Ray switch plays side by side, left to right. */
export const COMPARED: readonly ProfileName[] = ["seed", "ray"];

const made = new WeakMap<Source, Map<ProfileName, Timeline>>();

/**
 * The timeline of a source under a profile, made once per (source, profile):
 * a scenario runs on the model under that profile; a log is one recorded run
 * and keeps its own profile whatever is asked.
 */
export function timelineOf(source: Source, profile: ProfileName): Timeline {
  const key = source.kind === "log" ? source.profile : profile;
  let byProfile = made.get(source);
  if (byProfile === undefined) {
    byProfile = new Map();
    made.set(source, byProfile);
  }
  let t = byProfile.get(key);
  if (t === undefined) {
    t = source.kind === "log" ? logTimeline(source.name, source.profile, source.records) : scenarioTimeline(source.loaded, key);
    byProfile.set(key, t);
  }
  return t;
}

/** The profile a source is written for: a log's header's, a scenario's own (the default when it names none). */
export function ownProfile(source: Source): ProfileName {
  if (source.kind === "log") return source.profile;
  const p = source.loaded.scenario.profile;
  return p !== undefined && isProfileName(p) ? p : DEFAULT_PROFILE;
}
