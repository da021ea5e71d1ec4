import { initialState, isCommand, type ModelEvent, type ProfileName, type State } from "../model/index.js";
import { askedText, explainScenario, tellScene, type Scene, type StepStory } from "./explain.js";
import { initStep, toStep } from "./generate.js";
import type { LogRecord } from "./log.js";
import type { Labels } from "./scenario/command.js";
import type { Item, LoadedScenario, Step } from "./scenario/types.js";
import { Store } from "./store.js";

/**
 * A run told step by step, for time travel in the web viewer: a scenario's
 * steps as `rollcall explain` tells them, or a log's commands replayed on the
 * model. Step i's story carries its scene (the states before and after, the
 * labels, the log records), so any step can be shown without the ones before.
 */
export interface Timeline {
  readonly kind: "scenario" | "log";
  readonly title: string;
  readonly profile: ProfileName;
  /** The state before the first step. */
  readonly initial: State;
  /** Steps told. A scenario's story stops at the first step that does not do what the file expects. */
  readonly length: number;
  /** Steps in the source, told or not. */
  readonly total: number;
  /** Step i (0-based) in the scenario format's words (a log's commands are turned into steps). */
  item(i: number): Item;
  /** The story of step i, 0 ≤ i < length. */
  story(i: number): StepStory;
}

/** A scenario's timeline under a profile (the file's own by default): the stories of `explainScenario`. */
export function scenarioTimeline(loaded: LoadedScenario, profile?: ProfileName): Timeline {
  const told = explainScenario(loaded, profile);
  const steps = loaded.scenario.steps;
  return {
    kind: "scenario",
    title: loaded.scenario.title,
    profile: told.profile,
    initial: initialState(told.profile),
    length: told.stories.length,
    total: steps.length,
    item: (i) => steps[i],
    story: (i) => told.stories[i],
  };
}

/** The verdict of a log's step: the log was replayed and every observation agreed before the timeline was made. */
export const LOG_VERDICT = "as the log recorded";

/** How many stories of a log's steps are kept once told. */
const STORY_CACHE = 64;
/** Events between the log store's kept states: any step's states are then a copy and a few events away. */
const LOG_CHECKPOINT_EVERY = 64;

/**
 * A log's timeline: its commands and events replayed on the model (the
 * store's checkpoints give the state at any step), one step per command or
 * fault with the internal events that followed it. Drivers are labelled
 * d1, d2, … in the order they started, actors by their ids. The log should
 * have been checked with `replayLog` first.
 */
export function logTimeline(title: string, profile: ProfileName, records: readonly LogRecord[]): Timeline {
  const store = new Store(profile, initialState(profile), LOG_CHECKPOINT_EVERY);
  const eventStarts: number[] = [];
  const recordStarts: number[] = [];
  for (const r of records) {
    if (r.type !== "command" && r.type !== "event") continue;
    const event = r.type === "command" ? r.command : r.event;
    if (store.length === 0 || startsStep(event)) {
      eventStarts.push(store.length);
      recordStarts.push(store.records.length);
    }
    store.dispatch(event);
  }
  eventStarts.push(store.length);
  recordStarts.push(store.records.length);
  const length = eventStarts.length - 1;
  const recordsOf = (i: number): readonly LogRecord[] => store.records.slice(recordStarts[i], recordStarts[i + 1]);
  const { steps, labels } = stepsOfLog(length, recordsOf, store.state);
  const told = new Map<number, StepStory>();
  const story = (i: number): StepStory => {
    const known = told.get(i);
    if (known !== undefined) return known;
    if (!Number.isInteger(i) || i < 0 || i >= length) throw new RangeError(`no step ${i} (0..${length - 1})`);
    const scene: Scene = { before: store.stateAt(eventStarts[i]), after: store.stateAt(eventStarts[i + 1]), labels, records: recordsOf(i) };
    const s: StepStory = { index: i, asked: askedText(steps[i]), ...tellScene(scene), verdict: LOG_VERDICT, ok: true, scene };
    if (told.size >= STORY_CACHE) told.delete(told.keys().next().value as number);
    told.set(i, s);
    return s;
  };
  return { kind: "log", title, profile, initial: initialState(profile), length, total: length, item: (i) => steps[i], story };
}

/** A command other than `continue` (the next atomic step of one already begun), or a fault, begins a step. */
function startsStep(event: ModelEvent): boolean {
  return isCommand(event) ? event.type !== "continue" : event.type === "actor.crashed";
}

/**
 * A log's steps in the scenario format's words, with the labels they bind, as
 * the fuzzer writes a program (`generateProgram`): drivers d1, d2, … and
 * actors by their ids.
 */
function stepsOfLog(length: number, recordsOf: (i: number) => readonly LogRecord[], final: State): { steps: Step[]; labels: Labels } {
  const labelOf = new Map<string, string>();
  // Drivers' labels alone, for naming anonymous namespaces (there are far fewer drivers than actors).
  const driverLabels = new Map<string, string>();
  const steps: Step[] = [];
  let drivers = 0;
  for (let i = 0; i < length; i++) {
    const records = recordsOf(i);
    const first = records[0];
    if (first.type === "event") {
      const e = first.event;
      if (e.type === "node.died") steps.push({ do: "killNode", node: labelOf.get(e.node) ?? e.node });
      else if (e.type === "actor.crashed") steps.push({ do: "crash", actor: labelOf.get(e.actor) ?? e.actor });
      else throw new Error(`step ${i} begins with the internal event ${e.type}`);
      continue;
    }
    if (first.type !== "command") throw new Error(`step ${i} begins with a ${first.type} record`);
    const command = first.command;
    const caller = command.type === "init" ? null : command.caller;
    const answer = records.find((r) => r.type === "observation" && (caller === null || r.observation.caller === caller));
    if (answer?.type !== "observation") throw new Error(`step ${i} (${command.type}) has no answer in the log`);
    if (command.type === "init") {
      const label = `d${++drivers}`;
      steps.push(initStep(command, label, answer.observation));
      if (answer.observation.result.kind === "driver") {
        labelOf.set(answer.observation.result.job, label);
        driverLabels.set(answer.observation.result.job, label);
      }
    } else if (command.type !== "continue") {
      steps.push(toStep(command, answer.observation, labelOf, final, final, driverLabels));
    }
  }
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [id, label] of labelOf) labels[label] = id;
  return { steps, labels };
}

/** Where two timelines of one scenario part: a step told differently, and what differs. */
export interface Parting {
  readonly index: number;
  /** What differs: "the caller sees", "the cluster", "the verdict". */
  readonly what: readonly string[];
}

/**
 * The steps where two timelines of the same scenario (under two profiles)
 * part: both tell the step, and what the caller sees, what the cluster does
 * or the verdict differs. Steps one of them did not get to are not compared.
 */
export function partings(a: Timeline, b: Timeline): Parting[] {
  const out: Parting[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a.story(i);
    const y = b.story(i);
    const what = [
      x.saw === y.saw ? null : "the caller sees",
      x.cluster.join("\n") === y.cluster.join("\n") ? null : "the cluster",
      x.ok === y.ok ? null : "the verdict",
    ].filter((w): w is string => w !== null);
    if (what.length > 0) out.push({ index: i, what });
  }
  return out;
}
