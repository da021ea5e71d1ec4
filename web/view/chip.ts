import { selectActor, type State } from "../../model/index.js";
import { h } from "../dom.js";

/** A driver or an actor as a coloured chip: its label, coloured by its lifecycle state; clicking an actor follows it in the chart. */
export function callerChip(id: string, state: State, name: (id: string) => string, focus: (actor: string) => void, focused: string | null): HTMLElement {
  const label = name(id);
  const job = state.jobs[id] ?? state.finished[id];
  if (job !== undefined) {
    return h("span", { class: `chip driver ${job.lifecycle}`, "data-id": id, title: `driver ${label}: job ${id}, ${job.lifecycle}, namespace '${job.namespace}'` }, label);
  }
  const a = selectActor(state, id);
  if (a === undefined) return h("span", { class: "chip gone", "data-id": id }, label);
  const title = `${label === id ? `actor ${id}` : `'${label}' (${id})`}: ${a.cls}${a.name === null ? "" : ` '${a.name}'`}, ${a.lifecycle}${a.deathCause === null ? "" : ` (${a.deathCause})`}`;
  return h("button", {
    type: "button", class: `chip actor ${a.lifecycle}${focused === id ? " focused" : ""}`, "data-id": id, title,
    onclick: () => focus(id),
  }, label);
}

