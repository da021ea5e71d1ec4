import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GCS_LAWS, INIT_LAWS, LAWS, NODE_LAWS, nameUniqueness, type ProfileName } from "../model/index.js";
import { DEFAULT_SPACE } from "../sim/programs.js";
import { arbProgram, checkLawOn, type Mode } from "./program.js";

// Pinned seeds: CI runs the same programs every time. A failure prints the
// seed and the path (fast-check's), which replay it: fc.assert(..., { seed, path }).
const SEED = 20261126;
const RUNS = 150;
// The laws of nodes are judged on programs with worker nodes (up to three; node faults on).
const NODE_SPACE = { ...DEFAULT_SPACE, nodes: 3 };
// The laws of failing constructors, on programs whose creations may ask for one.
const INIT_SPACE = { ...DEFAULT_SPACE, initFails: true };
// The laws of GCS restarts, on programs that stop and start the GCS (tables in Redis).
const GCS_SPACE = { ...DEFAULT_SPACE, gcs: true };

describe.each(["ray", "seed"] as ProfileName[])("laws under the %s profile", (profile) => {
  for (const mode of ["settled", "interleaved"] as Mode[]) {
    for (const law of LAWS) {
      it(`${law.name} (${mode}): ${law.sentence}`, () => {
        let reached = 0;
        fc.assert(
          fc.property(arbProgram(), (moves) => {
            if (checkLawOn(law, profile, moves, mode, NODE_LAWS.includes(law) ? NODE_SPACE : INIT_LAWS.includes(law) ? INIT_SPACE : GCS_LAWS.includes(law) ? GCS_SPACE : DEFAULT_SPACE)) reached++;
          }),
          { seed: SEED, numRuns: NODE_LAWS.includes(law) ? RUNS * 4 : RUNS },
        );
        // The companion: the law's interesting case happened, so it did not hold vacuously.
        expect(reached, `companion never reached: ${law.companion}`).toBeGreaterThan(0);
      });
    }
  }
});

describe("the laws have teeth", () => {
  it("name-uniqueness finds Ray 2.49's double release of a name (issue #57690)", () => {
    const result = fc.check(
      fc.property(arbProgram(80), (moves) => {
        checkLawOn(nameUniqueness, "ray-2.49", moves, "settled");
      }),
      { seed: SEED, numRuns: 2000 },
    );
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toContain("name-uniqueness");
  });
});
