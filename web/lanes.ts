import { selectActor, type Command, type InternalEvent, type Fault, type State } from "../model/index.js";
import type { Scene } from "../sim/explain.js";
import { labelIndex } from "../sim/describe.js";
import { describeResult } from "../sim/scenario/expect.js";
import { sceneEvents } from "./sceneEvents.js";

/** The lane of the GCS and its name registry. */
export const REGISTRY = "registry";

/** How a row looks: a caller's request, the answer it gets, the cluster's own work, or a mark on one lane. */
export type RowStyle = "request" | "reply" | "cluster" | "start" | "exit" | "alive" | "restart" | "crash" | "death" | "destroyed" | "release" | "take";

/** One row of the sequence diagram. */
export type Row =
  | { readonly kind: "step"; readonly step: number }
  | { readonly kind: "arrow"; readonly step: number; readonly from: string; readonly to: string; readonly text: string; readonly style: RowStyle }
  | { readonly kind: "mark"; readonly step: number; readonly lane: string; readonly text: string; readonly style: RowStyle };

/** A sequence diagram: lanes (the registry, then drivers and actors in the order they appear) and rows, top to bottom. */
export interface Sequence {
  readonly lanes: readonly { readonly id: string; readonly title: string }[];
  readonly rows: readonly Row[];
}

/**
 * The sequence diagram of some consecutive steps: one lane per driver and
 * actor and one for the registry; each command an arrow from its caller,
 * each answer an arrow back, the cluster's events arrows from the registry;
 * births, deaths, restarts, crashes and names taken or freed marked on their
 * lanes; nodes joining, drained and dying marked on the registry's lane, and
 * the node each constructor runs on.
 */
export function sequenceOf(steps: readonly { readonly index: number; readonly scene: Scene }[]): Sequence {
  const rows: Row[] = [];
  const lanes: string[] = [REGISTRY];
  const touch = (id: string): string => {
    if (!lanes.includes(id)) lanes.push(id);
    return id;
  };
  let labels: Scene["labels"] = {};
  let name = labelIndex(labels);
  for (const { index: step, scene } of steps) {
    if (scene.labels !== labels) {
      labels = scene.labels;
      name = labelIndex(labels);
    }
    rows.push({ kind: "step", step });
    const waiting = new Map<string, string>(); // caller → the lane its request went to
    for (const e of sceneEvents(scene)) {
      const r = e.record;
      if (r.type === "observation") {
        const caller = r.observation.caller;
        // The GCS's answers to the cluster's own requests (no caller's lane): a node joined, a drain's verdict.
        const result = r.observation.result;
        if (caller === "" && result.kind === "node" && result.node !== null) rows.push({ kind: "mark", step, lane: REGISTRY, text: `node ${name(result.node)} joins`, style: "start" });
        if (caller === "" && result.kind === "drain") rows.push({ kind: "mark", step, lane: REGISTRY, text: `drain ${result.accepted ? "accepted" : "rejected"}`, style: "cluster" });
        if (caller === "") continue; // a refused init has no driver to answer
        rows.push({ kind: "arrow", step, from: waiting.get(caller) ?? REGISTRY, to: touch(caller), text: describeResult(r.observation.result, labels), style: "reply" });
        continue;
      }
      if (r.type === "command") {
        const c = r.command;
        const arrow = c.type === "exit" ? null : requestArrow(c, e.before, e.after, name);
        if (c.type === "exit") rows.push({ kind: "mark", step, lane: touch(c.caller), text: "exits", style: "exit" });
        else if (c.type === "drainNode") rows.push({ kind: "mark", step, lane: REGISTRY, text: `drain ${name(c.node)} (${c.reason})`, style: "cluster" });
        else if (arrow !== null) {
          waiting.set(touch(arrow.from), touch(arrow.to));
          rows.push({ kind: "arrow", step, from: arrow.from, to: arrow.to, text: arrow.text, style: "request" });
        }
      } else if (r.type === "event") {
        rows.push(clusterRow(r.event, step, name, touch));
      }
      rows.push(...changes(e.before, e.after, step, name, touch));
    }
  }
  return { lanes: lanes.map((id) => ({ id, title: id === REGISTRY ? "GCS registry" : name(id) })), rows };
}

/** The arrow of a caller's command (other than exit, a mark): from the caller to the registry, or to the actor it reaches. */
function requestArrow(c: Exclude<Command, { type: "exit" }>, before: State, after: State, l: (id: string) => string): { from: string; to: string; text: string } | null {
  switch (c.type) {
    case "init": {
      const job = Object.keys(after.jobs).find((id) => before.jobs[id] === undefined);
      return job === undefined ? null : { from: job, to: REGISTRY, text: `ray.init(${c.namespace === undefined ? "" : `namespace='${c.namespace}'`})` };
    }
    case "create": return { from: c.caller, to: REGISTRY, text: `create ${c.cls}${c.name === undefined ? "" : ` '${c.name}'`}${c.getIfExists === true ? " get_if_exists" : ""}` };
    case "continue": {
      const inflight = before.inflight[c.caller];
      return inflight?.op === "call" ? { from: c.caller, to: inflight.actor, text: "(call runs)" } : { from: c.caller, to: REGISTRY, text: `(${inflight?.next === "lookupAgain" ? "looks up again" : "registers"})` };
    }
    case "get": return { from: c.caller, to: REGISTRY, text: `get_actor('${c.name}')` };
    case "call": return { from: c.caller, to: c.actor, text: `${c.method}()` };
    case "kill": return { from: c.caller, to: REGISTRY, text: `ray.kill(${l(c.actor)}${c.noRestart === false ? ", no_restart=False" : ""})` };
    case "drop": return { from: c.caller, to: c.actor, text: `del ${l(c.actor)}` };
    case "list": return { from: c.caller, to: REGISTRY, text: `list_named_actors(${c.allNamespaces === true ? "all" : ""})` };
    case "state": return { from: c.caller, to: REGISTRY, text: `state of ${l(c.actor)}` };
    case "cause": return { from: c.caller, to: REGISTRY, text: `death cause of ${l(c.actor)}` };
    case "placement": return { from: c.caller, to: REGISTRY, text: `node of ${l(c.actor)}` };
    case "addNode": case "drainNode": case "stopGcs": case "startGcs": case "restartGcs": return null;
  }
}

/** The row of one of the cluster's own events or a fault. */
function clusterRow(e: InternalEvent | Fault, step: number, name: (id: string) => string, touch: (id: string) => string): Row {
  if (e.type === "node.died") return { kind: "mark", step, lane: REGISTRY, text: `node ${name(e.node)} dies`, style: "crash" };
  const lane = touch(e.actor);
  switch (e.type) {
    case "actor.crashed": return { kind: "mark", step, lane, text: "process crashes", style: "crash" };
    case "actor.created": return { kind: "mark", step, lane, text: `constructor runs${e.node === undefined ? "" : ` on ${name(e.node)}`}`, style: "cluster" };
    case "actor.restarted": return { kind: "mark", step, lane, text: `constructor runs again${e.node === undefined ? "" : ` on ${name(e.node)}`}`, style: "restart" };
    case "actor.scheduled": return { kind: "arrow", step, from: REGISTRY, to: lane, text: "schedules", style: "cluster" };
    case "kill.processed": return { kind: "arrow", step, from: REGISTRY, to: lane, text: `kill processed${e.noRestart ? "" : " (restart)"}`, style: "cluster" };
    case "owner.death.processed": return { kind: "arrow", step, from: REGISTRY, to: lane, text: "owner died", style: "cluster" };
    case "actor.out_of_scope": return { kind: "arrow", step, from: REGISTRY, to: lane, text: `out of scope (${name(e.actor)})`, style: "cluster" };
    case "lineage.released": return { kind: "arrow", step, from: REGISTRY, to: lane, text: "lineage released", style: "cluster" };
    case "actor.unschedulable": return { kind: "arrow", step, from: REGISTRY, to: lane, text: "cannot be placed", style: "cluster" };
  }
}

/** Marks for what one event changed: lifecycles (deaths with their cause), actors the GCS forgot, jobs finished, names taken and freed. */
function changes(before: State, after: State, step: number, name: (id: string) => string, touch: (id: string) => string): Row[] {
  const rows: Row[] = [];
  const mark = (lane: string, text: string, style: RowStyle): void => {
    rows.push({ kind: "mark", step, lane: touch(lane), text, style });
  };
  for (const id of [...Object.keys(after.actors), ...Object.keys(after.destroyed)]) {
    const b = selectActor(before, id);
    const a = selectActor(after, id);
    if (b === undefined) mark(id, `${a.cls}${a.name === null ? "" : ` '${a.name}'`} registered`, "start");
    else if (b.lifecycle !== a.lifecycle || a.numRestarts !== b.numRestarts) {
      if (a.lifecycle === "DEAD") mark(id, `DEAD (${a.deathCause ?? "?"})`, "death");
      else if (a.lifecycle === "RESTARTING") mark(id, "RESTARTING", "restart");
      else if (a.lifecycle === "ALIVE") mark(id, "ALIVE", "alive");
      else mark(id, a.lifecycle, "cluster");
    }
    if (before.actors[id] !== undefined && after.actors[id] === undefined) mark(id, "destroyed", "destroyed");
  }
  for (const id of Object.keys(after.finished)) if (before.finished[id] === undefined) mark(id, "job FINISHED", "exit");
  for (const ns of new Set([...Object.keys(before.names), ...Object.keys(after.names)])) {
    const b = before.names[ns] ?? {};
    const a = after.names[ns] ?? {};
    for (const key of Object.keys(b)) if (a[key] !== b[key]) mark(REGISTRY, `'${key}' freed (${ns})`, "release");
    for (const key of Object.keys(a)) if (a[key] !== b[key]) mark(REGISTRY, `'${key}' → ${name(a[key])} (${ns})`, "take");
  }
  return rows;
}
