import { MUTANT_NAMES, MUTANTS, PROFILES, isMutantName, type MutantName, type ProfileName } from "../../model/index.js";
import type { Compare } from "../address.js";
import type { Source } from "../../sim/source.js";
import { CORPUS } from "../corpus.js";
import { h } from "../dom.js";

/** What the source bar asks of the viewer. */
export interface SourceBarActions {
  readonly openCorpus: (path: string) => void;
  readonly openFile: (file: File) => void;
  readonly setProfile: (profile: ProfileName) => void;
  readonly setMutant: (mutant: MutantName | null) => void;
  readonly setCompare: (compare: Compare) => void;
}

/**
 * The bar at the top: a corpus scenario or a file to open, the profile, the
 * seeded bug the model runs with, and the switches that play seed and ray,
 * or the model and the bug, side by side.
 */
export class SourceBar {
  readonly element: HTMLElement;
  private readonly corpus: HTMLSelectElement;
  private readonly profile: HTMLSelectElement;
  private readonly mutant: HTMLSelectElement;
  private readonly compare: HTMLInputElement;
  private readonly versusBug: HTMLInputElement;

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
    this.mutant = h("select", { id: "mutant", "aria-label": "the model, or the model with a seeded bug", onchange: () => actions.setMutant(isMutantName(this.mutant.value) ? this.mutant.value : null) },
      h("option", { value: "", title: "the model itself" }, "the model"),
      ...MUTANT_NAMES.map((m) => h("option", { value: m, title: MUTANTS[m].summary }, `bug: ${m}`)));
    this.compare = h("input", { type: "checkbox", id: "compare", onchange: () => actions.setCompare(this.compare.checked ? "profiles" : "off") });
    this.versusBug = h("input", { type: "checkbox", id: "versus-bug", onchange: () => actions.setCompare(this.versusBug.checked ? "bug" : "off") });
    this.element = h("header", { class: "bar" },
      h("span", { class: "brand" }, "rollcall"),
      this.corpus,
      h("label", { class: "file" }, "Open a scenario or log… ", file),
      h("label", {}, "Profile ", this.profile),
      h("label", {}, "Run on ", this.mutant),
      h("label", { class: "switch", title: "play the scenario under the seed and ray profiles side by side" }, this.compare, " Seed vs Ray"),
      h("label", { class: "switch", title: "play the scenario on the model and on the seeded bug chosen, side by side" }, this.versusBug, " Model vs bug"));
  }

  /** Shows the source, profile, bug and switches of the view. */
  update(source: Source, profile: ProfileName, mutant: MutantName | null, compare: Compare): void {
    this.corpus.value = CORPUS.some((e) => e.path === source.name) ? source.name : "";
    this.profile.value = profile;
    this.profile.disabled = source.kind === "log";
    this.profile.title = source.kind === "log" ? "a log records a run under its own profile" : "";
    this.mutant.value = mutant ?? "";
    this.mutant.disabled = source.kind === "log";
    this.mutant.title = source.kind === "log" ? "a log records a run of the model itself" : mutant === null ? "the model itself" : MUTANTS[mutant].summary;
    this.compare.checked = compare === "profiles";
    this.compare.disabled = source.kind === "log";
    this.versusBug.checked = compare === "bug";
    this.versusBug.disabled = source.kind === "log" || mutant === null;
  }
}
