import { PROFILES, type ProfileName } from "../../model/index.js";
import type { Source } from "../../sim/source.js";
import { CORPUS } from "../corpus.js";
import { h } from "../dom.js";

/** What the source bar asks of the viewer. */
export interface SourceBarActions {
  readonly openCorpus: (path: string) => void;
  readonly openFile: (file: File) => void;
  readonly setProfile: (profile: ProfileName) => void;
  readonly setCompare: (on: boolean) => void;
}

/** The bar at the top: a corpus scenario or a file to open, the profile, and the seed-versus-Ray switch. */
export class SourceBar {
  readonly element: HTMLElement;
  private readonly corpus: HTMLSelectElement;
  private readonly profile: HTMLSelectElement;
  private readonly compare: HTMLInputElement;

  constructor(actions: SourceBarActions) {
    const topics = [...new Set(CORPUS.map((e) => e.topic))];
    this.corpus = h("select", { id: "corpus", "aria-label": "a scenario of the corpus", onchange: () => actions.openCorpus(this.corpus.value) },
      h("option", { value: "" }, `The corpus: ${CORPUS.length} scenarios`),
      ...topics.map((topic) => h("optgroup", { label: topic },
        ...CORPUS.filter((e) => e.topic === topic).map((e) => h("option", { value: e.path }, e.path.split("/").at(-1) ?? e.path)))));
    const file = h("input", { type: "file", id: "file", accept: ".json,.jsonl,application/json", onchange: () => {
      const chosen = file.files?.[0];
      if (chosen !== undefined) actions.openFile(chosen);
      file.value = "";
    } });
    this.profile = h("select", { id: "profile", "aria-label": "profile", onchange: () => actions.setProfile(this.profile.value as ProfileName) },
      ...Object.values(PROFILES).map((p) => h("option", { value: p.name, title: p.summary }, p.name)));
    this.compare = h("input", { type: "checkbox", id: "compare", onchange: () => actions.setCompare(this.compare.checked) });
    this.element = h("header", { class: "bar" },
      h("span", { class: "brand" }, "rollcall"),
      this.corpus,
      h("label", { class: "file" }, "Open a scenario or log… ", file),
      h("label", {}, "Profile ", this.profile),
      h("label", { class: "switch", title: "play the scenario under the seed and ray profiles side by side" }, this.compare, " Seed vs Ray"));
  }

  /** Shows the source, profile and switch of the view. */
  update(source: Source, profile: ProfileName, compare: boolean): void {
    this.corpus.value = CORPUS.some((e) => e.path === source.name) ? source.name : "";
    this.profile.value = profile;
    this.profile.disabled = source.kind === "log";
    this.profile.title = source.kind === "log" ? "a log records a run under its own profile" : "";
    this.compare.checked = compare;
    this.compare.disabled = source.kind === "log";
  }
}
