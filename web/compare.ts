import { canonicalJson, type State } from "../model/index.js";
import type { Timeline } from "../sim/timeline.js";

/** One side of a side-by-side view: a timeline and how the page names it ("seed", "the bug double-release"). */
export interface Side {
  readonly name: string;
  readonly timeline: Timeline;
}

/** How two sides differ at one step, in what the page shows of them. */
export interface Difference {
  /** 1-based. */
  readonly step: number;
  /** What differs, in words: "what the caller sees", "the cluster shown (names, actors)". */
  readonly what: readonly string[];
  /** A side whose story stopped before this step, and the step it stopped at. */
  readonly stopped: { readonly name: string; readonly at: number } | null;
}

/** The parts of a state the cluster panel shows, by the words the page uses for them (other fields go by their own name). */
const PARTS: Readonly<Record<string, string>> = {
  jobs: "drivers", finished: "drivers", actors: "actors", destroyed: "actors", names: "names",
  handles: "handles", inflight: "commands under way", kills: "kills under way",
};

/** Fields of a state no panel shows: the counters that make fresh ids (the ids themselves are shown with what they name). */
const UNSHOWN = new Set(["profile", "mutant", "counters"]);

function rank(order: readonly string[], part: string): number {
  const i = order.indexOf(part);
  return i === -1 ? order.length : i;
}

/** What each frame shows at a step: the story told (or none, past where it stopped), the state and the labels. */
function shownAt(t: Timeline, step: number): { story: { saw: string; cluster: string; ok: boolean } | null; state: State; labels: Readonly<Record<string, string>> } {
  const told = Math.min(step, t.length);
  const scene = told === 0 ? null : t.story(told - 1).scene;
  const story = step >= 1 && step <= t.length ? t.story(step - 1) : null;
  return {
    story: story === null ? null : { saw: story.saw, cluster: story.cluster.join("\n"), ok: story.ok },
    state: scene?.after ?? t.initial,
    labels: scene?.labels ?? {},
  };
}

/** The parts of the cluster that differ between two states (the profile and the seeded bug, which name the side, aside). */
function clusterDifferences(a: State, b: State, la: Readonly<Record<string, string>>, lb: Readonly<Record<string, string>>): string[] {
  const parts = new Set<string>();
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !UNSHOWN.has(k)));
  for (const k of keys) {
    if (canonicalJson((a as unknown as Record<string, unknown>)[k] ?? null) !== canonicalJson((b as unknown as Record<string, unknown>)[k] ?? null)) parts.add(PARTS[k] ?? k);
  }
  if (canonicalJson(la) !== canonicalJson(lb)) parts.add("labels");
  const order = [...new Set(Object.values(PARTS)), "labels"];
  return [...parts].sort((p, q) => rank(order, p) - rank(order, q) || p.localeCompare(q));
}

/**
 * How two sides differ at a step, comparing what their frames show: the
 * story of the step (what the caller sees, what the cluster did, the
 * verdict), or that one story stopped before it, and the cluster each
 * panel shows. Null when they show the same.
 */
export function differenceAt(a: Side, b: Side, step: number): Difference | null {
  if (step < 1) return null;
  const x = shownAt(a.timeline, step);
  const y = shownAt(b.timeline, step);
  const what: string[] = [];
  let stopped: Difference["stopped"] = null;
  if (x.story === null || y.story === null) {
    // Both stopped cannot happen below the longer timeline's length; the view never goes past it.
    const side = x.story === null ? a : b;
    stopped = { name: side.name, at: side.timeline.length };
    what.push("the story");
  } else {
    if (x.story.saw !== y.story.saw) what.push("what the caller sees");
    if (x.story.cluster !== y.story.cluster) what.push("what the cluster did");
    if (x.story.ok !== y.story.ok) what.push("the verdict");
  }
  const cluster = clusterDifferences(x.state, y.state, x.labels, y.labels);
  if (cluster.length > 0) what.push(`the cluster shown (${cluster.join(", ")})`);
  return what.length === 0 ? null : { step, what, stopped };
}

/** Every step (1-based) where two sides differ, up to the longer one's end. */
export function differences(a: Side, b: Side): Map<number, Difference> {
  const out = new Map<number, Difference>();
  const length = Math.max(a.timeline.length, b.timeline.length);
  for (let k = 1; k <= length; k++) {
    const d = differenceAt(a, b, k);
    if (d !== null) out.set(k, d);
  }
  return out;
}

/** The sentence over the frames: where the two sides agree or part, and where a story stopped. `pair` names both ("the seed and ray profiles"). */
export function differenceSentence(pair: string, a: Side, b: Side, step: number, d: Difference | null): string {
  if (step === 0) return `Before the first step ${pair} start from the same fresh cluster.`;
  if (d === null) return `At step ${step} ${pair} agree: the same story, and the same cluster shown.`;
  if (d.stopped !== null) {
    const other = d.stopped.name === a.name ? b.name : a.name;
    const rest = d.what.filter((w) => w !== "the story");
    return `At step ${step} ${pair} part: the ${d.stopped.name} story stopped at step ${d.stopped.at}, which does not do what the file expects, ` +
      `so its panels show the cluster after step ${d.stopped.at}; the ${other} story tells step ${step}.` +
      (rest.length === 0 ? " The clusters shown are the same." : ` The clusters shown differ (${rest.join(", ").replace(/^the cluster shown \((.*)\)$/, "$1")}).`);
  }
  return `At step ${step} ${pair} part: ${d.what.join(", ")} ${d.what.length === 1 ? "differs" : "differ"}.`;
}
