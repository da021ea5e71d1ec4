import { MUTANTS, type MutantName, type ProfileName } from "../model/index.js";
import { formatLog } from "../sim/log.js";
import type { Source } from "../sim/source.js";
import type { Timeline } from "../sim/timeline.js";
import { encodeText, formatAddress, type Compare } from "./address.js";
import { differenceAt, differences, differenceSentence, type Side } from "./compare.js";
import { h, replace } from "./dom.js";
import { stepLabel } from "./stepLabel.js";
import { COMPARED, exposedMutant, ownProfile, timelineOf } from "./timelines.js";
import { frameView } from "./view/frame.js";
import { SourceBar, type SourceBarActions } from "./view/header.js";
import { swimlanesView } from "./view/swimlanes.js";
import { timelineView } from "./view/timeline.js";
import { WhatIfPanel } from "./view/whatif.js";

/** How long the view must stay put before the address is rewritten. */
const ADDRESS_DELAY_MS = 100;

/** Everything the page shows, and all the address records. */
export interface ViewState {
  readonly source: Source;
  /** The source as opened, before any what-if edit. */
  readonly original: Source;
  /** 0 is the fresh cluster; k the cluster after step k. */
  readonly step: number;
  readonly profile: ProfileName;
  /** The seeded bug the model runs with (model/mutants.ts), or null for the model itself. */
  readonly mutant: MutantName | null;
  /** Side by side: seed and ray (each on the bug chosen, if any), or the model and the bug. */
  readonly compare: Compare;
  /** The actor the lifecycle chart follows, when one was picked. */
  readonly actor: string | null;
}

/**
 * The viewer: holds the view's state, renders the page from it (every
 * section from the model's timelines) and keeps the address in step with it.
 */
export class Viewer {
  readonly element: HTMLElement;
  private state: ViewState | null = null;
  private readonly codes = new WeakMap<Source, string>();
  private addressTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly bar: SourceBar;
  private readonly whatIf: WhatIfPanel;
  private readonly problems = h("div", { id: "problems", class: "problems", role: "alert" });
  private readonly titleBox = h("div", { id: "title-box" });
  private readonly timelineBox = h("nav", { id: "timeline-box", "aria-label": "timeline" });
  private readonly framesBox = h("div", { id: "frames" });
  private readonly lanesBox = h("section", { id: "swimlanes", class: "panel" });

  constructor(actions: Pick<SourceBarActions, "openCorpus" | "openFile">) {
    this.bar = new SourceBar({
      ...actions,
      setProfile: (profile) => this.update({ profile }),
      setMutant: (mutant) => this.update({ mutant }),
      setCompare: (compare) => this.update({ compare }),
    });
    this.whatIf = new WhatIfPanel((source, step) => this.update({ source, step, actor: null }));
    this.element = h("div", { class: "viewer" }, this.bar.element,
      h("main", {}, this.problems, this.titleBox, this.timelineBox, this.framesBox, this.lanesBox, this.whatIf.element));
  }

  /**
   * Shows a source; what is not given takes its default (the source's own
   * profile, the first step). A checker counterexample opens on the model
   * and on the seeded bug it exposes, side by side, unless told otherwise.
   */
  open(source: Source, options: Partial<Omit<ViewState, "source">> = {}): void {
    replace(this.problems);
    const exposed = exposedMutant(source);
    const mutant = options.mutant !== undefined ? options.mutant : exposed;
    this.set({
      source,
      original: options.original ?? source,
      step: options.step ?? (source.kind === "log" ? 0 : 1),
      profile: options.profile ?? ownProfile(source),
      mutant,
      compare: options.compare ?? (options.mutant === undefined && exposed !== null ? "bug" : "off"),
      actor: options.actor ?? null,
    });
  }

  /** Shows a source with the bug and the side-by-side choice of the view shown (a corpus scenario picked in the page). */
  openKeeping(source: Source): void {
    const s = this.state;
    this.open(source, s === null || exposedMutant(source) !== null ? {} : { mutant: s.mutant, compare: s.compare });
  }

  /** Says why something could not be opened; the view shown stays. */
  complain(title: string, problems: readonly string[]): void {
    replace(this.problems, h("p", {}, title), h("ul", {}, ...problems.map((p) => h("li", {}, p))));
  }

  /** One step back (-1) or forward (+1), or to the start or end. */
  move(to: "back" | "forward" | "start" | "end"): void {
    if (this.state === null) return;
    const step = { back: this.state.step - 1, forward: this.state.step + 1, start: 0, end: Infinity }[to];
    this.update({ step });
  }

  private update(patch: Partial<ViewState>): void {
    if (this.state !== null) this.set({ ...this.state, ...patch });
  }

  private set(next: ViewState): void {
    const previous = this.state;
    try {
      // A log is one recorded run of the model itself: no bug, nothing side by side.
      const mutant = next.source.kind === "scenario" ? next.mutant : null;
      const compare = next.source.kind === "log" || (next.compare === "bug" && mutant === null) ? "off" : next.compare;
      const fixed = { ...next, mutant, compare };
      this.state = { ...fixed, step: Math.max(0, Math.min(next.step, this.lengthOf(fixed))) };
      this.render();
    } catch (e) {
      // Whatever the model or the page could not do with this source is said in the page; the view shown before stays.
      this.state = previous;
      this.complain(`Could not show ${next.source.name}:`, [errorText(e)]);
      if (previous !== null) this.tryRender();
      else for (const box of [this.titleBox, this.timelineBox, this.framesBox, this.lanesBox]) replace(box);
      return;
    }
    void this.writeAddress();
  }

  private tryRender(): void {
    try {
      this.render();
    } catch {
      this.state = null;
      for (const box of [this.titleBox, this.timelineBox, this.framesBox, this.lanesBox]) replace(box);
    }
  }

  /** The sides shown: seed and ray, the model and the bug, or the one timeline of the profile (and bug). */
  private shown(s: ViewState): (Side & { heading: string | null; mutant: MutantName | null })[] {
    const on = s.mutant === null ? "" : `, bug ${s.mutant}`;
    if (s.compare === "profiles") return COMPARED.map((p) => ({ name: p, heading: `profile ${p}${on}`, mutant: s.mutant, timeline: timelineOf(s.source, p, s.mutant) }));
    if (s.compare === "bug" && s.mutant !== null) {
      return [
        { name: "model", heading: `the model (profile ${s.profile})`, mutant: null, timeline: timelineOf(s.source, s.profile) },
        { name: s.mutant, heading: `seeded bug ${s.mutant} (profile ${s.profile})`, mutant: s.mutant, timeline: timelineOf(s.source, s.profile, s.mutant) },
      ];
    }
    return [{ name: s.profile, heading: null, mutant: s.mutant, timeline: timelineOf(s.source, s.profile, s.mutant) }];
  }

  private lengthOf(s: ViewState): number {
    return Math.max(...this.shown(s).map((side) => side.timeline.length));
  }

  private render(): void {
    const s = this.state;
    if (s === null) return;
    const shown = this.shown(s);
    const main = timelineOf(s.source, s.profile, s.mutant);
    const pair = s.compare === "profiles" ? "the seed and ray profiles" : `the model and the bug ${s.mutant ?? ""}`;
    const parts = shown.length === 2 ? differences(shown[0], shown[1]) : new Map();
    const failing = new Set(shown.map((side) => side.timeline).filter((t) => t.length > 0 && !t.story(t.length - 1).ok).map((t) => t.length));
    document.title = `${main.title} — rollcall`;
    this.bar.update(s.source, s.profile, s.mutant, s.compare);
    replace(this.titleBox, h("h1", { id: "title" }, main.title), about(s.source), h("p", { id: "meta" }, meta(s, main)));
    replace(this.timelineBox, timelineView({
      length: this.lengthOf(s), step: s.step, partings: parts, failing,
      label: (k) => stepLabel(main.item(k - 1)),
      go: (step) => this.update({ step }),
    }));
    const focus = (actor: string): void => this.update({ actor });
    const difference = shown.length === 2 ? differenceAt(shown[0], shown[1], s.step) : null;
    replace(this.framesBox,
      shown.length === 2 ? h("p", { id: "parting", class: difference === null ? "parting none" : "parting" },
        differenceSentence(pair, shown[0], shown[1], s.step, difference)) : null,
      h("div", { class: shown.length === 2 ? "frames compare" : "frames single" },
        ...shown.map((side) => frameView(side.timeline, s.step, s.actor, focus, side.heading, side.mutant))));
    replace(this.lanesBox, h("h2", {}, `Swimlanes (profile ${main.profile}${s.mutant === null ? "" : `, seeded bug ${s.mutant}`})`), swimlanesView(main, s.step, (step) => this.update({ step })));
    scrollToCurrentBand(this.lanesBox);
    this.whatIf.show(s.source, s.original, s.step, main);
  }

  /** Puts the view in the address (the source is encoded once, then reused). */
  private async writeAddress(): Promise<void> {
    const s = this.state;
    if (s === null) return;
    let code = this.codes.get(s.source);
    if (code === undefined) {
      code = await encodeText(sourceText(s.source));
      this.codes.set(s.source, code);
    }
    // Written once stepping pauses: a log's address is long, and writing it costs milliseconds.
    clearTimeout(this.addressTimer);
    this.addressTimer = setTimeout(() => {
      const now = this.state;
      if (now === null || now.source !== s.source) return;
      history.replaceState(null, "", formatAddress({
        source: { kind: now.source.kind, name: now.source.name, code },
        step: now.step, profile: now.profile, ...(now.mutant === null ? {} : { mutant: now.mutant }), compare: now.compare,
        ...(now.actor === null ? {} : { actor: now.actor }),
      }));
    }, ADDRESS_DELAY_MS);
  }
}

/** Scrolls the swimlanes so that the band of the step shown is in view (from its position in the drawing). */
function scrollToCurrentBand(box: HTMLElement): void {
  const scroller = box.querySelector<HTMLElement>(".lanes-scroll");
  const top = Number(box.querySelector(".band.current rect")?.getAttribute("y"));
  // Set with the next frame's layout rather than forcing one now.
  // The drawing's rows start below the lane titles (swimlanes.ts HEADER), which stay on top.
  if (scroller !== null && Number.isFinite(top)) requestAnimationFrame(() => (scroller.scrollTop = Math.max(0, top - 200)));
}

/** A source as the text of its file: a scenario's JSON, a log's JSON lines. */
function sourceText(source: Source): string {
  return source.kind === "scenario" ? JSON.stringify(source.loaded.scenario) : formatLog([source.header, ...source.records]);
}

function about(source: Source): HTMLElement | null {
  const text = source.kind === "scenario" ? source.loaded.scenario.about : undefined;
  return text === undefined ? null : h("p", { id: "about" }, text);
}

function meta(s: ViewState, t: Timeline): string {
  if (s.source.kind === "log") {
    const { header } = s.source;
    return `${s.source.name}: an event log (${String(header.run?.mode ?? "a run")}, profile ${header.profile}, seed ${header.seed ?? "none"}), ${t.length} steps, replayed on the model.`;
  }
  const changed = s.source !== s.original ? " Changed in the page (what if)." : "";
  const under = s.compare === "profiles" ? `played under ${COMPARED.join(" and ")}` : `played under ${s.profile}`;
  const exposed = exposedMutant(s.source);
  // A counterexample's `about` already says what its bug does.
  const summary = s.mutant === null || s.mutant === exposed ? "" : ` (${MUTANTS[s.mutant].summary})`;
  const bug = s.mutant === null ? "" : s.compare === "bug" ? ` on the model and on the seeded bug ${s.mutant}${summary}` : ` on the seeded bug ${s.mutant}${summary}`;
  const cx = exposed === null ? "" : ` A counterexample of rollcall check: it passes on the model and fails on the bug ${exposed}.`;
  return `${s.source.name}: ${t.total} steps, written for profile ${ownProfile(s.source)}, ${under}${bug}.${cx}${changed}`;
}

/** An error in words, for the page. */
export function errorText(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return "the file is nested too deeply for the viewer to read (Maximum call stack size exceeded)";
  return e instanceof Error ? e.message : String(e);
}
