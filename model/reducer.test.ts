import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyInPlace, canonicalJson, initialState, type ProfileName } from "./index.js";
import { arbProgram, runProgram } from "../properties/program.js";

describe("the in-place reducer and the immer reducer are one model", () => {
  it.each(["ray", "seed", "ray-2.49"] as ProfileName[])("agree on every transition of random programs (%s)", (profile) => {
    fc.assert(
      fc.property(arbProgram(), fc.constantFrom("settled", "interleaved" as const), (moves, mode) => {
        const working = structuredClone(initialState(profile));
        runProgram(profile, moves, mode as "settled" | "interleaved", (step) => {
          const fx = applyInPlace(working, step.event);
          expect(canonicalJson(working)).toBe(canonicalJson(step.after));
          expect(canonicalJson(fx.observations)).toBe(canonicalJson(step.observations));
        });
      }),
      { seed: 7, numRuns: 100 },
    );
  });

  it("transition never changes the state it is given", () => {
    fc.assert(
      fc.property(arbProgram(), (moves) => {
        let previous = canonicalJson(initialState("ray"));
        runProgram("ray", moves, "interleaved", (step) => {
          // step.before was produced by the previous transition and printed then; it must not have moved since.
          expect(canonicalJson(step.before)).toBe(previous);
          previous = canonicalJson(step.after);
        });
      }),
      { seed: 11, numRuns: 50 },
    );
  });
});
