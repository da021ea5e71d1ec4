import type { Timeline } from "../../sim/timeline.js";
import { h, svg } from "../dom.js";
import { REGISTRY, sequenceOf, type Row } from "../lanes.js";
import { textWidth, wrapText } from "../measure.js";

/** Steps drawn around the one shown, for long logs. */
const WINDOW = 30;
const LANE_W = 150;
const GUTTER = 70;
const HEADER = 40;
const ROW_H = 22;
const STEP_H = 18;
/** The height of each further line of a label broken into lines. */
const LINE_H = 13;
/** Room between a label and the lanes it lies between. */
const PAD = 6;
/** A mark may be this wide, centred on its lane. */
const MARK_MAX = LANE_W * 1.9;
/** Lines a label is broken into at most (past them it ends with …; the whole text is its tooltip). */
const MAX_LINES = 3;
/** The fonts of style.css, to measure labels with. */
const ARROW_FONT = "11px system-ui, sans-serif";
const MARK_FONT = "700 11px system-ui, sans-serif";
const TITLE_FONT = '700 12px ui-monospace, "DejaVu Sans Mono", monospace';

/** A row's label broken into the lines that fit where it is drawn. */
function linesOf(row: Row, laneX: ReadonlyMap<string, number>): string[] {
  if (row.kind === "step") return [];
  if (row.kind === "mark") return wrapText(row.text, MARK_MAX - 16, MARK_FONT, MAX_LINES);
  const x1 = laneX.get(row.from) ?? 0;
  const x2 = laneX.get(row.to) ?? 0;
  return wrapText(row.text, x1 === x2 ? LANE_W - 34 - PAD : Math.abs(x2 - x1) - 2 * PAD, ARROW_FONT, MAX_LINES);
}

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
  const lines = seq.rows.map((row) => linesOf(row, laneX));
  const ys: number[] = [];
  let y = HEADER;
  seq.rows.forEach((row, i) => {
    y += row.kind === "step" ? STEP_H : ROW_H + LINE_H * Math.max(0, lines[i].length - 1);
    ys.push(y);
  });
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
    ...seq.lanes.map((l) => {
      const x = laneX.get(l.id) ?? 0;
      const [title] = wrapText(l.title, LANE_W - 2 * PAD, TITLE_FONT, 1);
      return svg("g", { "data-x-min": x - LANE_W / 2, "data-x-max": x + LANE_W / 2 },
        title === l.title ? null : svg("title", {}, l.title),
        svg("text", { class: "lane-title", x, y: HEADER - 14, "text-anchor": "middle" }, title));
    }));
  const body = svg("svg", { class: "swimlanes", width, height: height - HEADER, viewBox: `0 ${HEADER} ${width} ${height - HEADER}` },
    svg("defs", {}, svg("marker", { id: "lane-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }))),
    ...bands,
    ...seq.lanes.map((l) => svg("g", { class: `lane${l.id === REGISTRY ? " registry" : ""}`, "data-lane": l.title },
      svg("line", { x1: laneX.get(l.id) ?? 0, x2: laneX.get(l.id) ?? 0, y1: HEADER, y2: height - 8 }))),
    ...seq.rows.map((row, i) => rowView(row, ys[i], lines[i], laneX)),
  );
  const note = from > 0 || to < t.length ? h("p", { class: "note" }, `Steps ${from + 1} to ${to} of ${t.length}.`) : null;
  return h("div", { class: "lanes-box" }, note, h("div", { class: "lanes-scroll" }, h("div", { class: "lanes-sticky" }, head), body));
}

/** Text lines stacked upwards from the baseline of the last one. */
function tspans(lines: readonly string[], x: number, lastY: number): SVGElement[] {
  return lines.map((l, i) => svg("tspan", { x, y: lastY - LINE_H * (lines.length - 1 - i) }, l));
}

/**
 * One row: a mark (its text broken into lines within its pill) or an arrow
 * (its text broken into lines between the lanes it joins); the row is as
 * tall as its lines, so no label runs into another or off its lane.
 */
function rowView(row: Row, y: number, lines: readonly string[], laneX: ReadonlyMap<string, number>): SVGElement | null {
  if (row.kind === "step") return null;
  const extra = LINE_H * Math.max(0, lines.length - 1);
  const whole = lines.join(" ") === row.text ? null : svg("title", {}, row.text);
  if (row.kind === "mark") {
    const cx = laneX.get(row.lane) ?? 0;
    const w = Math.min(MARK_MAX, 16 + Math.max(...lines.map((l) => textWidth(l, MARK_FONT))));
    return svg("g", { class: `mark ${row.style}`, "data-step": row.step + 1, "data-x-min": cx - MARK_MAX / 2, "data-x-max": cx + MARK_MAX / 2 },
      whole,
      svg("rect", { x: cx - w / 2, y: y - 14 - extra, width: w, height: 17 + extra, rx: 8 }),
      svg("text", { x: cx, y: y - 2, "text-anchor": "middle" }, ...tspans(lines, cx, y - 2)));
  }
  const x1 = laneX.get(row.from) ?? 0;
  const x2 = laneX.get(row.to) ?? 0;
  const line = x1 === x2
    ? svg("path", { class: "arrow-line", d: `M${x1},${y - 8} h28 v8 h-26`, "marker-end": "url(#lane-arrow)" })
    : svg("line", { class: "arrow-line", x1, y1: y, x2: x2 + (x2 > x1 ? -3 : 3), y2: y, "marker-end": "url(#lane-arrow)" });
  const tx = x1 === x2 ? x1 + 34 : (x1 + x2) / 2;
  const [lo, hi] = x1 === x2 ? [x1, x1 + LANE_W] : [Math.min(x1, x2), Math.max(x1, x2)];
  return svg("g", { class: `arrow ${row.style}`, "data-step": row.step + 1, "data-x-min": lo, "data-x-max": hi },
    svg("title", {}, row.text),
    line,
    svg("text", { x: tx, y: y - 4, "text-anchor": x1 === x2 ? "start" : "middle" }, ...tspans(lines, tx, y - 4)));
}
