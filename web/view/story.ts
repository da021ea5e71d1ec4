import { storyLines } from "../../sim/explain.js";
import type { Timeline } from "../../sim/timeline.js";
import { h } from "../dom.js";

/** The kind of a line of `rollcall explain`, by how it begins, for its style. */
function lineKind(line: string): string {
  if (line.startsWith("Step ")) return "asked";
  if (line.startsWith("  In the cluster:")) return "cluster";
  if (line.startsWith("  The caller sees:")) return "saw";
  if (line.startsWith("  Why:")) return "why";
  if (line.startsWith("  The file expects") || line.startsWith("  Outcome ") || line.startsWith("  The one outcome")) return line.includes("(shown)") ? "race shown" : line.includes("— not as the file expects") ? "race unexpected" : "race";
  return line.startsWith("  ✓") ? "ok" : "fail";
}

/**
 * The explanation of the step shown: exactly the lines `rollcall explain`
 * prints for it (sim/explain.ts `storyLines`), one element each. Step 0 is
 * the fresh cluster; a step past where the story stopped says so.
 */
export function storyView(t: Timeline, step: number): HTMLElement {
  if (step === 0) {
    return h("div", { class: "story", "data-step": 0 }, h("div", { class: "line asked" }, `Before the first step: a fresh cluster (profile ${t.profile}).`));
  }
  if (step > t.length) {
    return h("div", { class: "story untold", "data-step": step },
      h("div", { class: "line fail" }, `Not told under ${t.profile}: the story stopped at step ${t.length}, which does not do what the file expects.`));
  }
  const lines = storyLines(t.story(step - 1));
  return h("div", { class: "story", "data-step": step }, ...lines.map((line) => h("div", { class: `line ${lineKind(line)}` }, line)));
}
