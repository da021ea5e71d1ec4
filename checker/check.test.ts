import { describe, expect, it } from "vitest";
import { check } from "./explore.js";
import { DEFAULT_UNIVERSE, type Universe } from "./universe.js";

const small: Universe = { ...DEFAULT_UNIVERSE, ops: 1 };

describe("rollcall check: the reference search", () => {
  it("explores every interleaving of a small universe (count pinned)", () => {
    const r = check(small);
    expect(r.verdict).toBe("ok");
    expect(r.states).toBe(3545);
    expect(r.transitions).toBe(7282);
    expect(r.depth).toBe(16);
  });

  it("finds Ray 2.49's double release of a name (issue #57690) as a violation of name-uniqueness", () => {
    const r = check({ ...DEFAULT_UNIVERSE, profile: "ray-2.49", ops: 4, drivers: 1, faults: false });
    expect(r.verdict).toBe("violation");
    expect(r.violation?.law).toBe("name-uniqueness");
  });
});
