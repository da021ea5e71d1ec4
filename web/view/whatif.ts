import { InvalidSource, readSource, type Source } from "../../sim/source.js";
import { isParallel, type Item, type Scenario } from "../../sim/scenario/types.js";
import type { Timeline } from "../../sim/timeline.js";
import { h, replace } from "../dom.js";

/** How long typing may pause before the model answers. */
const DEBOUNCE_MS = 250;
/** Past this many steps, turning a log into a scenario is said to take a while (5000 steps: about 3 s). */
const SLOW_LOG_STEPS = 1000;

/** Which editor an edit was typed in (its text is then left as typed), or null for the buttons. */
type TypedIn = "step" | "scenario" | null;

/**
 * "What if": change the step shown, add a step after it or take it out, or
 * edit the whole scenario; every edit that makes a valid scenario is run on
 * the model at once (the viewer shows it), and one that does not says why,
 * in the words of `rollcall run`. A log can be turned into a scenario first.
 */
export class WhatIfPanel {
  readonly element: HTMLElement;
  private readonly stepEditor = h("textarea", { id: "step-editor", rows: 4, spellcheck: "false", "aria-label": "the step shown, as JSON" });
  private readonly scenarioEditor = h("textarea", { id: "scenario-editor", rows: 18, spellcheck: "false", "aria-label": "the whole scenario, as JSON" });
  private readonly problems = h("div", { id: "whatif-problems", class: "problems", role: "alert" });
  private readonly buttons = h("div", { class: "buttons" });
  private readonly body = h("div", {});
  private mode: "scenario" | "log" | null = null;
  private current: { source: Source; original: Source; step: number; timeline: Timeline } | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `edit` shows an edited source at a step. */
  constructor(private readonly edit: (source: Source, step: number) => void) {
    this.stepEditor.addEventListener("input", () => this.later(() => this.changeStep()));
    this.scenarioEditor.addEventListener("input", () => this.later(() => this.changeScenario()));
    this.element = h("section", { id: "whatif", class: "panel" }, h("h2", {}, "What if?"), this.body);
  }

  /** Shows a source at a step; the editors keep what the user typed when the source is the one they made. */
  show(source: Source, original: Source, step: number, timeline: Timeline): void {
    const same = this.current !== null && this.current.source === source && this.current.step === step;
    this.current = { source, original, step, timeline };
    if (source.kind === "log") {
      this.mode = "log";
      replace(this.body,
        h("p", {}, "A log records one run. To ask what if, turn it into a scenario: each command becomes a step expecting what the model answered."),
        h("button", { type: "button", id: "log-to-scenario", onclick: () => this.logToScenario() }, "Edit as a scenario"),
        timeline.length > SLOW_LOG_STEPS ? h("span", { class: "note" }, ` ${timeline.length} steps: running them again takes a few seconds.`) : null,
        this.problems);
      return;
    }
    if (this.mode !== "scenario") {
      this.mode = "scenario";
      replace(this.body,
        h("p", {}, "Change the step shown, add one after it or take it out: the model answers at once, and the address keeps your version."),
        h("label", { class: "editor" }, "The step shown (JSON)", this.stepEditor),
        this.buttons, this.problems,
        h("details", { id: "scenario-editor-box" }, h("summary", {}, "The whole scenario"), this.scenarioEditor));
    }
    if (!same) {
      clearTimeout(this.timer);
      this.fillStepEditor(source, step);
      this.scenarioEditor.value = JSON.stringify(source.loaded.scenario, null, 2);
      replace(this.problems);
    }
    replace(this.buttons,
      h("button", { type: "button", id: "add-step", onclick: () => this.addStep() }, step === 0 ? "Add a step at the start" : "Add a step after this one"),
      h("button", { type: "button", id: "remove-step", disabled: step === 0, onclick: () => this.removeStep() }, "Remove this step"),
      h("button", { type: "button", id: "reset", disabled: source === original, onclick: () => this.edit(original, step) }, "Back to the original"));
  }

  private fillStepEditor(source: Extract<Source, { kind: "scenario" }>, step: number): void {
    const item = step === 0 ? undefined : source.loaded.scenario.steps[step - 1];
    this.stepEditor.value = item === undefined ? "" : JSON.stringify(item);
    this.stepEditor.disabled = item === undefined;
    this.stepEditor.placeholder = item === undefined ? "Go to a step to change it, or add one at the start." : "";
  }

  private later(f: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(f, DEBOUNCE_MS);
  }

  private changeStep(): void {
    const scenario = this.scenario();
    if (scenario === null || this.current === null || this.current.step === 0) return;
    const { step } = this.current;
    let item: Item;
    try {
      item = JSON.parse(this.stepEditor.value) as Item;
    } catch (e) {
      this.say([`step ${step}: not valid JSON: ${(e as Error).message}`]);
      return;
    }
    const steps = [...scenario.steps];
    steps[step - 1] = item;
    this.run({ ...scenario, steps }, step, "step");
  }

  private changeScenario(): void {
    const source = this.read(this.scenarioEditor.value);
    if (source === null || this.current === null) return;
    this.commit(source, Math.min(this.current.step, source.loaded.scenario.steps.length), "scenario");
  }

  private addStep(): void {
    const scenario = this.scenario();
    if (scenario === null || this.current === null) return;
    const { step } = this.current;
    const steps = [...scenario.steps];
    steps.splice(step, 0, templateAfter(step === 0 ? undefined : steps[step - 1], steps));
    this.run({ ...scenario, steps }, step + 1, null);
    this.stepEditor.focus();
  }

  private removeStep(): void {
    const scenario = this.scenario();
    if (scenario === null || this.current === null || this.current.step === 0) return;
    if (scenario.steps.length === 1) {
      this.say(["A scenario needs at least one step."]);
      return;
    }
    const steps = scenario.steps.filter((_, i) => i !== (this.current as { step: number }).step - 1);
    this.run({ ...scenario, steps }, Math.min(this.current.step, steps.length), null);
  }

  private logToScenario(): void {
    if (this.current === null || this.current.source.kind !== "log") return;
    const { source, timeline, step } = this.current;
    const scenario: Scenario = {
      title: `${source.name}, as a scenario`,
      about: `the log ${source.name} turned into steps, each expecting what the model answered`,
      profile: source.profile,
      steps: Array.from({ length: timeline.length }, (_, i) => timeline.item(i)),
    };
    const next = this.read(JSON.stringify(scenario, null, 2), `${source.name.replace(/\.jsonl?$/, "")}.json`);
    if (next !== null) this.commit(next, step, null);
  }

  /** The scenario shown, or null for a log. */
  private scenario(): Scenario | null {
    return this.current?.source.kind === "scenario" ? this.current.source.loaded.scenario : null;
  }

  private run(scenario: Scenario, step: number, typedIn: TypedIn): void {
    const source = this.read(JSON.stringify(scenario, null, 2));
    if (source !== null) this.commit(source, step, typedIn);
  }

  /** Checks scenario text as `rollcall run` does; says what is wrong and gives null when it is not a valid scenario. */
  private read(text: string, name = this.current?.source.name ?? "scenario.json"): Extract<Source, { kind: "scenario" }> | null {
    try {
      const source = readSource(name, text);
      if (source.kind === "scenario") return source;
      this.say(["What if works on scenarios; this text reads as a log."]);
    } catch (e) {
      if (!(e instanceof InvalidSource)) throw e;
      this.say(e.problems);
    }
    return null;
  }

  /** Shows an edited scenario; the editor it was typed in keeps its text, the other follows. */
  private commit(source: Extract<Source, { kind: "scenario" }>, step: number, typedIn: TypedIn): void {
    replace(this.problems);
    if (this.current !== null && typedIn !== null) this.current = { ...this.current, source, step };
    if (typedIn === "step") this.scenarioEditor.value = JSON.stringify(source.loaded.scenario, null, 2);
    if (typedIn === "scenario") this.fillStepEditor(source, step);
    this.edit(source, step);
  }

  private say(problems: readonly string[]): void {
    replace(this.problems, h("ul", {}, ...problems.map((p) => h("li", {}, p))));
  }
}

/** A step to start from when adding one: a `list` by the caller of the step before (or the first caller), or an `init` of a new driver at the start. */
function templateAfter(before: Item | undefined, steps: readonly Item[]): Item {
  const callers = steps.flatMap((item) => (isParallel(item) ? item.parallel.flat() : [item])).map((s) => s.by);
  const by = (before === undefined ? undefined : isParallel(before) ? before.parallel[0]?.[0]?.by : before.by) ?? callers.find((b) => b !== undefined);
  if (before !== undefined && by !== undefined) return { by, do: "list" };
  let n = 1;
  while (callers.includes(`d${n}`)) n++;
  return { by: `d${n}`, do: "init" };
}
