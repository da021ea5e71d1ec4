import { actorChart, selectActor, type ActorLifecycle, type State } from "../../model/index.js";
import { actorPhrase } from "../../sim/narrate.js";
import type { Labels } from "../../sim/scenario/command.js";
import { chartGraph, type ChartEdge } from "../chartGraph.js";
import { h, svg } from "../dom.js";
import { textWidth } from "../measure.js";

/** The actor chart's graph, read once from the XState machine the reducer consults. */
const GRAPH = chartGraph(actorChart);

const SPACING = 175;
const MARGIN = 95;
const NODE_W = 156;
const NODE_H = 34;
/** Vertical room per level of arcs; each arc's label sits on its own level's row. */
const LEVEL = 17;
const LEVELS_ABOVE = levelsOf(GRAPH.edges.filter((e) => forward(e)));
const LEVELS_BELOW = levelsOf(GRAPH.edges.filter((e) => backward(e)));
const ROW_Y = 40 + LEVEL * (1 + Math.max(0, ...LEVELS_ABOVE.values()));
const LOOP_DROP = 44;
const HEIGHT = ROW_Y + NODE_H / 2 + Math.max(LOOP_DROP + 14, LEVEL * (2 + Math.max(0, ...LEVELS_BELOW.values()))) + 20;
const WIDTH = MARGIN * 2 + SPACING * (GRAPH.states.length - 1);
/** Actor labels listed under a state at most; past it (or past the room under the state) a count. */
const RESIDENTS = 6;
/** The font of `.chart .residents` in style.css, to fit the list under its state. */
const RESIDENTS_FONT = '11px ui-monospace, "DejaVu Sans Mono", monospace';

/** What the chart lights: the actor it follows, the states it went through during the step, and every registered actor's state. */
export interface ChartContext {
  readonly state: State;
  readonly labels: Labels;
  /** An id in the scenario's words (sim/describe.ts `labelIndex`). */
  readonly name: (id: string) => string;
  readonly focused: string | null;
  /** The followed actor's lifecycle states during the step, in order. */
  readonly path: readonly ActorLifecycle[];
}

/**
 * The actor lifecycle chart, drawn from the XState machine itself: its
 * states in document order on one row, each transition an arc (forward ones
 * above, backward ones below, a state's own transitions as loops), labelled
 * with its events and guards. The followed actor's state is lit and the
 * transitions it took during the step drawn bold; under each state, the
 * registered actors in it.
 */
export function chartView(ctx: ChartContext): HTMLElement {
  const taken = new Set(ctx.path.slice(1).map((to, i) => `${ctx.path[i]}→${to}`));
  const current = ctx.focused === null ? undefined : selectActor(ctx.state, ctx.focused)?.lifecycle;
  const firstX = xOf(GRAPH.initial);
  const picture = svg("svg", { class: "chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: "100%", style: `max-width:${WIDTH}px`, role: "img", "aria-label": "actor lifecycle chart" },
    svg("defs", {}, svg("marker", { id: "chart-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }))),
    svg("path", { class: `edge initial${ctx.path[0] === GRAPH.initial && taken.size > 0 ? " taken" : ""}`, d: `M${firstX - NODE_W / 2 - 34},${ROW_Y} L${firstX - NODE_W / 2 - 2},${ROW_Y}`, "marker-end": "url(#chart-arrow)" }),
    ...GRAPH.edges.map((e) => edgeView(e, taken.has(`${e.from}→${e.to}`))),
    ...GRAPH.states.map((s) => svg("g", { class: `state ${s}${s === current ? " lit" : ""}`, "data-state": s },
      svg("rect", { x: xOf(s) - NODE_W / 2, y: ROW_Y - NODE_H / 2, width: NODE_W, height: NODE_H, rx: 9 }),
      svg("text", { x: xOf(s), y: ROW_Y + 4, "text-anchor": "middle" }, s),
      svg("text", { class: "residents", "data-state": s, x: xOf(s), y: HEIGHT - 8, "text-anchor": "middle" }, residents(ctx, s)))),
  );
  return h("div", { class: "chart-box" }, h("p", { class: "chart-caption" }, caption(ctx, current)), picture);
}

function caption(ctx: ChartContext, current: ActorLifecycle | undefined): string {
  if (ctx.focused === null || current === undefined) return `Actor lifecycle (XState machine '${actorChart.id}'): no actor to follow yet.`;
  const moved = ctx.path.length > 1 ? `; this step: ${ctx.path.join(" → ")}` : "";
  return `Actor lifecycle (XState machine '${actorChart.id}'), following ${actorPhrase(ctx.state, ctx.focused, ctx.labels)}: ${current}${moved}.`;
}

function xOf(state: string): number {
  return MARGIN + SPACING * GRAPH.states.indexOf(state);
}

function forward(e: ChartEdge): boolean {
  return GRAPH.states.indexOf(e.to) > GRAPH.states.indexOf(e.from);
}

function backward(e: ChartEdge): boolean {
  return GRAPH.states.indexOf(e.to) < GRAPH.states.indexOf(e.from);
}

function labelOfEdge(e: ChartEdge): string {
  return e.events.join(" · ");
}

/**
 * A level for each arc, from the inside out: an arc sits above every arc it
 * spans, and its label (centred on the arc) never overlaps another label on
 * its level.
 */
function levelsOf(edges: readonly ChartEdge[]): Map<ChartEdge, number> {
  const span = (e: ChartEdge): [number, number] => [Math.min(xOf(e.from), xOf(e.to)), Math.max(xOf(e.from), xOf(e.to))];
  const label = (e: ChartEdge): [number, number] => {
    const [a, b] = span(e);
    const half = (labelOfEdge(e).length * 6.2 + 10) / 2;
    return [(a + b) / 2 - half, (a + b) / 2 + half];
  };
  const levels = new Map<ChartEdge, number>();
  for (const e of [...edges].sort((p, q) => span(p)[1] - span(p)[0] - (span(q)[1] - span(q)[0]) || span(p)[0] - span(q)[0])) {
    const [a, b] = span(e);
    const [l, r] = label(e);
    let level = 0;
    for (const [other, k] of levels) {
      const [c, d] = span(other);
      if (c >= a && d <= b) level = Math.max(level, k + 1);
    }
    while ([...levels].some(([other, k]) => k === level && label(other)[0] < r && label(other)[1] > l)) level++;
    levels.set(e, level);
  }
  return levels;
}

/** One arc of the chart with its label on its level's row (loops hang under their state). */
function edgeView(e: ChartEdge, taken: boolean): SVGElement {
  const x1 = xOf(e.from);
  const x2 = xOf(e.to);
  let d: string;
  let lx: number;
  let ly: number;
  if (x1 === x2) {
    const y = ROW_Y + NODE_H / 2;
    d = `M${x1 - 12},${y} C${x1 - 40},${y + LOOP_DROP} ${x1 + 40},${y + LOOP_DROP} ${x1 + 12},${y}`;
    [lx, ly] = [x1, y + LOOP_DROP + 2];
  } else {
    const above = x2 > x1;
    const level = (above ? LEVELS_ABOVE : LEVELS_BELOW).get(e) ?? 0;
    // A cubic arc's top lies at 3/4 of its control points' height.
    const lift = ((level + 1) * LEVEL + 6) / 0.75;
    const y = ROW_Y + (above ? -NODE_H / 2 : NODE_H / 2);
    const [s1, s2] = above ? [x1 + 16, x2 - 16] : [x1 - 16, x2 + 16];
    const c = above ? y - lift : y + lift;
    d = `M${s1},${y} C${s1},${c} ${s2},${c} ${s2},${y}`;
    [lx, ly] = [(s1 + s2) / 2, above ? y - lift * 0.75 - 3 : y + lift * 0.75 + 11];
  }
  return svg("g", { class: `edge-group${taken ? " taken" : ""}`, "data-edge": `${e.from}→${e.to}` },
    svg("path", { class: `edge${taken ? " taken" : ""}`, d, "marker-end": "url(#chart-arrow)" }),
    svg("text", { class: "edge-label", x: lx, y: ly, "text-anchor": "middle" }, labelOfEdge(e)));
}

/** The registered actors in a state, by label: as many as fit under the state without reaching the next one's, then a count. */
function residents(ctx: ChartContext, state: string): string {
  const here = Object.values(ctx.state.actors).filter((a) => a.lifecycle === state).map((a) => ctx.name(a.id));
  const room = SPACING - 12;
  for (let n = Math.min(here.length, RESIDENTS); n >= 0; n--) {
    const text = here.slice(0, n).join(", ") + (n < here.length ? `${n === 0 ? "" : " "}+${here.length - n}` : "");
    if (n === 0 || textWidth(text, RESIDENTS_FONT) <= room) return text;
  }
  return "";
}
