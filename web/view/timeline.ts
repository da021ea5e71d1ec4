import type { Difference } from "../compare.js";
import { h } from "../dom.js";

/** Ticks drawn around the step shown, for long logs. */
const TICKS = 80;

/** What the timeline shows: the steps, the one shown, where profiles part and where a story stopped. */
export interface TimelineContext {
  readonly length: number;
  readonly step: number;
  /** Step i (1-based) in a few words. */
  readonly label: (step: number) => string;
  /** Where the two sides shown side by side differ, by step (1-based); empty when one is shown. */
  readonly partings: ReadonlyMap<number, Difference>;
  /** Steps (1-based) where a story stopped because the step did not do what the file expects. */
  readonly failing: ReadonlySet<number>;
  readonly go: (step: number) => void;
}

/**
 * Time travel: buttons to the start, back, forward and to the end, a
 * slider, and one tick per step (around the one shown, for long logs) with
 * the steps where the profiles part and where a story stopped marked.
 */
export function timelineView(ctx: TimelineContext): HTMLElement {
  const { length, step, go } = ctx;
  const button = (id: string, text: string, title: string, to: number, disabled: boolean): HTMLButtonElement =>
    h("button", { type: "button", id, title, disabled, onclick: () => go(to) }, text);
  const from = Math.max(0, Math.min(step - TICKS / 2, length + 1 - TICKS));
  const to = Math.min(length, from + TICKS - 1);
  const ticks: HTMLElement[] = [];
  for (let k = from; k <= to; k++) {
    const parting = ctx.partings.get(k);
    const classes = ["tick", k === step ? "current" : "", parting === undefined ? "" : "parts", parting?.stopped == null ? "" : "untold", ctx.failing.has(k) ? "fails" : ""].filter((c) => c !== "").join(" ");
    const why = parting === undefined ? "" : parting.stopped !== null ? ` — the ${parting.stopped.name} story stopped at step ${parting.stopped.at}` : ` — the two sides part here: ${parting.what.join(", ")}`;
    const title = k === 0 ? "before the first step" : `${k}. ${ctx.label(k)}${why}`;
    ticks.push(h("li", {}, h("button", { type: "button", class: classes, "data-step": k, title, onclick: () => go(k) }, k === 0 ? "start" : String(k))));
  }
  return h("div", { class: "timeline" },
    h("div", { class: "controls" },
      button("first", "«", "to the start (Home)", 0, step === 0),
      button("prev", "◀", "one step back (←)", step - 1, step === 0),
      button("next", "▶", "one step forward (→)", step + 1, step === length),
      button("last", "»", "to the end (End)", length, step === length),
      h("input", { type: "range", id: "scrub", min: 0, max: length, value: step, "aria-label": "step", oninput: (e) => go(Number((e.target as HTMLInputElement).value)) }),
      h("span", { id: "position" }, `Step ${step} of ${length}`),
      step === 0 ? null : h("span", { id: "step-label" }, ctx.label(step))),
    h("ol", { class: "ticks" }, ...ticks));
}
