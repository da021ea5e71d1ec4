import { describe, expect, it } from "vitest";
import { compareReleases, inRange, PROFILES, profileOfRelease, rangeName, resolveProfileName } from "./profile.js";

describe("profiles by Ray release", () => {
  it("gives each release the profile whose measured range holds it", () => {
    for (const r of ["2.5.0", "2.5.1", "2.9.3", "2.30.0", "2.44.1", "2.49.2"]) expect(profileOfRelease(r), r).toEqual({ profile: "ray-2.49", newer: false });
    for (const r of ["2.50.0", "2.52.1", "2.54.1", "2.60.0"]) expect(profileOfRelease(r), r).toEqual({ profile: "ray", newer: false });
  });

  it("assumes the newest profile for a newer release, and says so; refuses older ones and non-releases", () => {
    expect(profileOfRelease("2.61.0")).toEqual({ profile: "ray", newer: true });
    expect(profileOfRelease("3.0.0")).toEqual({ profile: "ray", newer: true });
    for (const bad of ["2.4.0", "1.13.1", "2.x", "", "ray", "2.49.2rc1"]) expect(profileOfRelease(bad), bad).toBeNull();
  });

  it("names Ray profiles by their releases, and resolves every name", () => {
    expect(rangeName(PROFILES.ray)).toBe("ray@2.50-2.60");
    expect(rangeName(PROFILES["ray-2.49"])).toBe("ray@2.5-2.49");
    expect(rangeName(PROFILES.seed)).toBeNull();
    expect(resolveProfileName("ray@2.5-2.49")).toBe("ray-2.49");
    expect(resolveProfileName("ray@2.50-2.60")).toBe("ray");
    expect(resolveProfileName("ray@2.44.1")).toBe("ray-2.49");
    expect(resolveProfileName("ray@2.60.0")).toBe("ray");
    expect(resolveProfileName("seed")).toBe("seed");
    for (const bad of ["ray@2.4.0", "ray@2.5-2.50", "ray@", "Ray"]) expect(resolveProfileName(bad), bad).toBeNull();
  });

  it("compares releases by number, and ranges by minor version", () => {
    expect(compareReleases("2.9.3", "2.10.0")).toBeLessThan(0);
    expect(compareReleases("2.49.2", "2.49.2")).toBe(0);
    expect(compareReleases("2.50", "2.50.0")).toBe(0);
    expect(inRange("2.49.9", { from: "2.5", to: "2.49" })).toBe(true);
    expect(inRange("2.50.0", { from: "2.5", to: "2.49" })).toBe(false);
    expect(inRange("2.4.9", { from: "2.5", to: "2.49" })).toBe(false);
  });

  it("leaves no release between two Ray profiles' ranges, nor two profiles for one release", () => {
    const ranges = Object.values(PROFILES).flatMap((p) => (p.releases === null ? [] : [p.releases])).sort((a, b) => compareReleases(a.from, b.from));
    for (let i = 1; i < ranges.length; i++) {
      const [major, minor] = (ranges[i - 1]?.to as string).split(".").map(Number);
      expect(ranges[i]?.from).toBe(`${major}.${(minor as number) + 1}`);
    }
  });
});
