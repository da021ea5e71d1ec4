import type { ProfileName } from "../model/index.js";
import { formatLog } from "../sim/log.js";
import type { Source } from "../sim/source.js";
import { partings, type Parting, type Timeline } from "../sim/timeline.js";
import { encodeText, formatAddress } from "./address.js";
import { h, replace } from "./dom.js";
import { stepLabel } from "./stepLabel.js";
import { COMPARED, ownProfile, timelineOf } from "./timelines.js";
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
  /** Seed versus Ray: the scenario played under both, side by side. */
  readonly compare: boolean;
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
      setCompare: (compare) => this.update({ compare }),
    });
    this.whatIf = new WhatIfPanel((source, step) => this.update({ source, step, actor: null }));
    this.element = h("div", { class: "viewer" }, this.bar.element,
      h("main", {}, this.problems, this.titleBox, this.timelineBox, this.framesBox, this.lanesBox, this.whatIf.element));
  }

  /** Shows a source; what is not given takes its default (the source's own profile, the first step). */
  open(source: Source, options: Partial<Omit<ViewState, "source">> = {}): void {
    replace(this.problems);
    this.set({
      source,
      original: options.original ?? source,
      step: options.step ?? (source.kind === "log" ? 0 : 1),
      profile: options.profile ?? ownProfile(source),
      compare: source.kind === "scenario" && (options.compare ?? false),
      actor: options.actor ?? null,
    });
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
    const length = this.lengthOf(next);
    const compare = next.compare && next.source.kind === "scenario";
    this.state = { ...next, compare, step: Math.max(0, Math.min(next.step, length)) };
    this.render();
    void this.writeAddress();
  }

  /** The timelines shown: seed and ray side by side, or the one of the profile. */
  private shown(s: ViewState): Timeline[] {
    return s.compare ? COMPARED.map((p) => timelineOf(s.source, p)) : [timelineOf(s.source, s.profile)];
  }

  private lengthOf(s: ViewState): number {
    return Math.max(...this.shown({ ...s, compare: s.compare && s.source.kind === "scenario" }).map((t) => t.length));
  }

  private render(): void {
    const s = this.state;
    if (s === null) return;
    const shown = this.shown(s);
    const main = timelineOf(s.source, s.profile);
    const parts = new Map<number, Parting>(s.compare ? partings(shown[0], shown[1]).map((p) => [p.index + 1, p]) : []);
    const failing = new Set(shown.filter((t) => t.length > 0 && !t.story(t.length - 1).ok).map((t) => t.length));
    document.title = `${main.title} — rollcall`;
    this.bar.update(s.source, s.profile, s.compare);
    replace(this.titleBox, h("h1", { id: "title" }, main.title), about(s.source), h("p", { id: "meta" }, meta(s, main)));
    replace(this.timelineBox, timelineView({
      length: this.lengthOf(s), step: s.step, partings: parts, failing,
      label: (k) => stepLabel(main.item(k - 1)),
      go: (step) => this.update({ step }),
    }));
    const focus = (actor: string): void => this.update({ actor });
    const parting = parts.get(s.step);
    replace(this.framesBox,
      s.compare ? h("p", { id: "parting", class: parting === undefined ? "parting none" : "parting" },
        parting === undefined ? `At step ${s.step} the seed and ray profiles agree.` : `At step ${s.step} the seed and ray profiles part: ${parting.what.join(", ")} differ.`) : null,
      h("div", { class: s.compare ? "frames compare" : "frames single" },
        ...shown.map((t) => frameView(t, s.step, s.actor, focus, s.compare ? `profile ${t.profile}` : null))));
    replace(this.lanesBox, h("h2", {}, `Swimlanes (profile ${main.profile})`), swimlanesView(main, s.step, (step) => this.update({ step })));
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
        step: now.step, profile: now.profile, compare: now.compare, ...(now.actor === null ? {} : { actor: now.actor }),
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
  const under = s.compare ? `played under ${COMPARED.join(" and ")}` : `played under ${s.profile}`;
  return `${s.source.name}: ${t.total} steps, written for profile ${ownProfile(s.source)}, ${under}.${changed}`;
}
