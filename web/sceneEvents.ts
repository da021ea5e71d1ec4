import { transition, type State } from "../model/index.js";
import type { Scene } from "../sim/explain.js";
import type { LogRecord } from "../sim/log.js";

/** One record of a step with the states around it (an observation changes nothing: before and after are the same). */
export interface SceneEvent {
  readonly record: LogRecord;
  readonly before: State;
  readonly after: State;
}

/**
 * A step's records with the model state before and after each, found by
 * applying its commands and events again from the state before the step:
 * what the swimlanes and the chart need to show the step event by event.
 */
export function sceneEvents(scene: Scene): SceneEvent[] {
  let state = scene.before;
  return scene.records.map((record) => {
    const before = state;
    if (record.type === "command") state = transition(state, record.command).state;
    else if (record.type === "event") state = transition(state, record.event).state;
    return { record, before, after: state };
  });
}
