import { selectActor } from "../../model/index.js";
import { labelIndex } from "../../sim/describe.js";
import type { Timeline } from "../../sim/timeline.js";
import { h } from "../dom.js";
import { actorOfStep, lifecyclePath } from "../focus.js";
import { chartView } from "./chart.js";
import { clusterView } from "./cluster.js";
import { storyView } from "./story.js";

/** How far back to look for a step about an actor, when the step shown is about none. */
const LOOK_BACK = 20;

/**
 * One timeline at one step: the explanation, the cluster and the lifecycle
 * chart. A step past where the story stopped shows the last state told.
 * The chart follows the actor asked for, else the one the step is about
 * (or the latest step about one).
 */
export function frameView(t: Timeline, step: number, asked: string | null, focus: (actor: string) => void, heading: string | null, mutant: string | null = null): HTMLElement {
  const told = Math.min(step, t.length);
  const scene = told === 0 ? null : t.story(told - 1).scene;
  const state = scene?.after ?? t.initial;
  const labels = scene?.labels ?? {};
  const name = labelIndex(labels);
  const focused = asked !== null && selectActor(state, asked) !== undefined ? asked : stepActor(t, told);
  const path = focused !== null && scene !== null && step <= t.length ? lifecyclePath(focused, scene) : [];
  return h("div", { class: "frame", "data-profile": t.profile, "data-mutant": mutant },
    heading === null ? null : h("h2", { class: "frame-heading" }, heading),
    storyView(t, step),
    h("div", { class: "frame-body" },
      h("section", { class: "panel cluster-panel" }, clusterView(state, { name, focused, focus })),
      h("section", { class: "panel chart-panel" }, chartView({ state, labels, name, focused, path }))));
}

/** The actor of the latest step at or before `told` that is about one. */
function stepActor(t: Timeline, told: number): string | null {
  for (let k = told; k > 0 && k > told - LOOK_BACK; k--) {
    const actor = actorOfStep(t.item(k - 1), t.story(k - 1).scene);
    if (actor !== null) return actor;
  }
  return null;
}
