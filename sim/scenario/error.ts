import { formatStepPath, type StepPath } from "./types.js";

/** A problem with a scenario file, naming the file, the step and the field. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly step?: StepPath,
    readonly field?: string,
  ) {
    super(formatScenarioError(file, detail, step, field));
    this.name = "ScenarioError";
  }
}

/** `file: steps[3].namespace: must be a string`. */
export function formatScenarioError(file: string, detail: string, step?: StepPath, field?: string): string {
  const where = [step === undefined ? undefined : formatStepPath(step), field].filter((x) => x !== undefined).join(".");
  return `${file}: ${where === "" ? "" : where + ": "}${detail}`;
}

/** Several problems with one file; the message lists them all. */
export class InvalidScenario extends Error {
  constructor(readonly file: string, readonly problems: readonly ScenarioError[]) {
    super(problems.map((p) => p.message).join("\n"));
    this.name = "InvalidScenario";
  }
}
