import type { Timeline } from "../../sim/timeline.js";
import { h, svg } from "../dom.js";
import { REGISTRY, sequenceOf, type Row } from "../lanes.js";

/** Steps drawn around the one shown, for long logs. */
const WINDOW = 30;
const LANE_W = 150;
const GUTTER = 70;
const HEADER = 40;
const ROW_H = 22;
const STEP_H = 18;
/** Longer texts on arrows are cut (the whole text is the arrow's tooltip). */
const TEXT_MAX = 64;

/**
 * The swimlanes: a sequence diagram of the steps around the one shown (all
 * of a scenario's), one lane per driver and actor and one for the registry.
 * The shown step is banded; clicking a step's band goes there.
 */
export function swimlanesView(t: Timeline, step: number, go: (step: number) => void): HTMLElement {
  if (t.length === 0) return h("p", { class: "empty" }, "No step to draw.");
  const from = Math.max(0, Math.min(step - 1 - WINDOW / 2, t.length - WINDOW));
  const to = Math.min(t.length, from + WINDOW);
  const seq = sequenceOf(Array.from({ length: to - from }, (_, k) => ({ index: from + k, scene: t.story(from + k).scene })));
  const laneX = new Map(seq.lanes.map((l, i) => [l.id, GUTTER + LANE_W * i + LANE_W / 2]));
  const ys: number[] = [];
  let y = HEADER;
  for (const row of seq.rows) {
    y += row.kind === "step" ? STEP_H : ROW_H;
    ys.push(y);
  }
  // Room on the right for the texts of arrows into the last lane.
  const width = GUTTER + LANE_W * seq.lanes.length + LANE_W;
  const height = y + 16;
  const bands = seq.rows.flatMap((row, i) => {
    if (row.kind !== "step") return [];
    const next = seq.rows.findIndex((r, j) => j > i && r.kind === "step");
    const top = ys[i] - STEP_H + 4;
    const bottom = next === -1 ? height - 8 : ys[next] - STEP_H + 4;
    return [svg("g", { class: `band${row.step === step - 1 ? " current" : ""}`, "data-step": row.step + 1, onclick: () => go(row.step + 1) },
      svg("rect", { x: 0, y: top, width, height: bottom - top }),
      svg("text", { class: "band-label", x: 6, y: top + 13 }, `step ${row.step + 1}`))];
  });
  // The lane titles stay in view while the steps scroll under them.
  const head = svg("svg", { class: "swimlanes lanes-head", width, height: HEADER - 4, viewBox: `0 0 ${width} ${HEADER - 4}` },
    ...seq.lanes.map((l) => svg("text", { class: "lane-title", x: laneX.get(l.id) ?? 0, y: HEADER - 14, "text-anchor": "middle" }, l.title)));
  const body = svg("svg", { class: "swimlanes", width, height: height - HEADER, viewBox: `0 ${HEADER} ${width} ${height - HEADER}` },
    svg("defs", {}, svg("marker", { id: "lane-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }))),
    ...bands,
    ...seq.lanes.map((l) => svg("g", { class: `lane${l.id === REGISTRY ? " registry" : ""}`, "data-lane": l.title },
      svg("line", { x1: laneX.get(l.id) ?? 0, x2: laneX.get(l.id) ?? 0, y1: HEADER, y2: height - 8 }))),
    ...seq.rows.map((row, i) => rowView(row, ys[i], laneX)),
  );
  const note = from > 0 || to < t.length ? h("p", { class: "note" }, `Steps ${from + 1} to ${to} of ${t.length}.`) : null;
  return h("div", { class: "lanes-box" }, note, h("div", { class: "lanes-scroll" }, h("div", { class: "lanes-sticky" }, head), body));
}

function rowView(row: Row, y: number, laneX: ReadonlyMap<string, number>): SVGElement | null {
  if (row.kind === "step") return null;
  if (row.kind === "mark") {
    const cx = laneX.get(row.lane) ?? 0;
    const w = Math.min(LANE_W * 1.9, 16 + row.text.length * 6.9);
    return svg("g", { class: `mark ${row.style}`, "data-step": row.step + 1 },
      svg("rect", { x: cx - w / 2, y: y - 14, width: w, height: 17, rx: 8 }),
      svg("text", { x: cx, y: y - 2, "text-anchor": "middle" }, row.text));
  }
  const x1 = laneX.get(row.from) ?? 0;
  const x2 = laneX.get(row.to) ?? 0;
  const line = x1 === x2
    ? svg("path", { class: "arrow-line", d: `M${x1},${y - 8} h28 v8 h-26`, "marker-end": "url(#lane-arrow)" })
    : svg("line", { class: "arrow-line", x1, y1: y, x2: x2 + (x2 > x1 ? -3 : 3), y2: y, "marker-end": "url(#lane-arrow)" });
  const tx = x1 === x2 ? x1 + 34 : (x1 + x2) / 2;
  const text = row.text.length > TEXT_MAX ? `${row.text.slice(0, TEXT_MAX - 1)}…` : row.text;
  return svg("g", { class: `arrow ${row.style}`, "data-step": row.step + 1 },
    svg("title", {}, row.text),
    line,
    svg("text", { x: tx, y: y - 4, "text-anchor": x1 === x2 ? "start" : "middle" }, text));
}
