import { selectActor, type ActorLifecycle, type State } from "../model/index.js";
import type { Scene } from "../sim/explain.js";
import { isParallel, type Item } from "../sim/scenario/types.js";
import { sceneEvents } from "./sceneEvents.js";

/**
 * The actor a step is about, for the lifecycle chart: the actor the step
 * names (`actor`, the label it binds with `as`, or the one it expects a
 * handle to), else the first actor whose
 * lifecycle the step changed; null when the step touches none.
 */
export function actorOfStep(item: Item, scene: Scene): string | null {
  const steps = isParallel(item) ? item.parallel.flat() : [item];
  for (const step of steps) {
    const expected = step.expect !== undefined && "actor" in step.expect ? step.expect.actor : undefined;
    for (const label of [step.actor, step.as, expected]) {
      const id = label === undefined ? undefined : scene.labels[label];
      if (id !== undefined && selectActor(scene.after, id) !== undefined) return id;
    }
  }
  for (const id of [...Object.keys(scene.after.actors), ...Object.keys(scene.after.destroyed)]) {
    if (selectActor(scene.before, id)?.lifecycle !== selectActor(scene.after, id).lifecycle) return id;
  }
  return null;
}

/** The lifecycle states an actor went through during a step, in order, repeats of one state left out (empty if it did not exist). */
export function lifecyclePath(actor: string, scene: Scene): ActorLifecycle[] {
  const path: ActorLifecycle[] = [];
  const visit = (state: State): void => {
    const lifecycle = selectActor(state, actor)?.lifecycle;
    if (lifecycle !== undefined && path.at(-1) !== lifecycle) path.push(lifecycle);
  };
  visit(scene.before);
  for (const e of sceneEvents(scene)) visit(e.after);
  return path;
}
