import { selectActor, selectRestartsLeft, type Actor, type State } from "../../model/index.js";
import { h } from "../dom.js";
import { callerChip } from "./chip.js";

/** Destroyed actors listed at most, newest first (a long log destroys hundreds). */
const DESTROYED_SHOWN = 24;
/** Past this many, namespaces and drivers that are over (no names, no running job, nothing owned) are only counted. */
const CROWDED = 8;

/** What the cluster view needs besides the state: how to name an id, the actor followed, and how to follow another. */
export interface ClusterContext {
  /** An id in the scenario's words (sim/describe.ts `labelIndex`). */
  readonly name: (id: string) => string;
  readonly focused: string | null;
  readonly focus: (actor: string) => void;
}

/**
 * The cluster at one step: namespaces as regions holding their name → actor
 * bindings; drivers and actors as trees of owners (detached actors root
 * their own trees), each with its lifecycle state and the handles it holds;
 * then the actors the GCS has forgotten.
 */
export function clusterView(state: State, ctx: ClusterContext): HTMLElement {
  return h("div", { class: "cluster" },
    h("h3", {}, "Namespaces"),
    namespacesView(state, ctx),
    h("h3", {}, "Drivers and actors"),
    treesView(state, ctx),
    destroyedView(state, ctx),
  );
}

function namespacesView(state: State, ctx: ClusterContext): HTMLElement {
  const jobs = [...Object.values(state.jobs), ...Object.values(state.finished)];
  const all = [...new Set([...jobs.map((j) => j.namespace), ...Object.keys(state.names)])];
  if (all.length === 0) return h("p", { class: "empty" }, "No namespace yet: no driver has started.");
  const live = (ns: string): boolean => Object.keys(state.names[ns] ?? {}).length > 0 || jobs.some((j) => j.namespace === ns && j.lifecycle === "RUNNING");
  const namespaces = all.length > CROWDED ? all.filter(live) : all;
  const hidden = all.length - namespaces.length;
  return h("div", { class: "namespaces" }, ...namespaces.map((ns) => {
    const drivers = jobs.filter((j) => j.namespace === ns);
    const names = Object.entries(state.names[ns] ?? {});
    return h("section", { class: "namespace", "data-namespace": ns },
      h("header", {}, h("span", { class: "ns-name" }, `'${ns}'`), drivers.some((j) => j.anonymous) ? h("span", { class: "tag" }, "anonymous") : null,
        drivers.length === 0 ? null : h("span", { class: "ns-drivers" }, "jobs: ", ...drivers.map((j) => callerChip(j.id, state, ctx.name, ctx.focus, ctx.focused)))),
      names.length === 0
        ? h("p", { class: "empty" }, "no names")
        : h("ul", { class: "bindings" }, ...names.map(([name, id]) => h("li", { class: "binding", "data-name": name, "data-actor": id },
          h("span", { class: "name" }, `'${name}'`), " → ", callerChip(id, state, ctx.name, ctx.focus, ctx.focused),
          h("span", { class: `lifecycle ${selectActor(state, id).lifecycle}` }, selectActor(state, id).lifecycle)))),
    );
  }), hidden === 0 ? null : h("p", { class: "note", id: "namespaces-hidden" }, `and ${hidden} namespaces of finished jobs, holding no names`));
}

/** Roots: every driver, every registered detached actor, and any registered actor whose owner is not shown. */
function treesView(state: State, ctx: ClusterContext): HTMLElement {
  const drivers = [...Object.keys(state.jobs), ...Object.keys(state.finished)].sort(byNumber);
  if (drivers.length === 0) return h("p", { class: "empty" }, "No driver yet.");
  const actors = Object.values(state.actors);
  const shown = new Set([...drivers, ...actors.map((a) => a.id)]);
  const children = (id: string): Actor[] => actors.filter((a) => a.owner?.caller === id);
  const over = drivers.length > CROWDED ? drivers.filter((id) => state.finished[id] !== undefined && children(id).length === 0 && Object.keys(state.handles[id] ?? {}).length === 0) : [];
  const roots = [...drivers.filter((id) => !over.includes(id)), ...actors.filter((a) => a.owner === null || !shown.has(a.owner.caller)).map((a) => a.id)];
  const node = (id: string): HTMLElement => {
    const kids = children(id);
    return h("li", { class: "node", "data-id": id },
      nodeLine(id, state, ctx),
      handlesLine(id, state, ctx),
      kids.length === 0 ? null : h("ul", {}, ...kids.map((k) => node(k.id))));
  };
  return h("div", {},
    h("ul", { class: "trees" }, ...roots.map(node)),
    over.length === 0 ? null : h("div", { class: "finished-drivers" }, `${over.length} finished drivers that own nothing: `,
      ...over.map((id) => callerChip(id, state, ctx.name, ctx.focus, ctx.focused))));
}

function nodeLine(id: string, state: State, ctx: ClusterContext): HTMLElement {
  const chip = callerChip(id, state, ctx.name, ctx.focus, ctx.focused);
  const job = state.jobs[id] ?? state.finished[id];
  if (job !== undefined) {
    return h("div", { class: "line" }, chip, h("span", { class: "kind" }, "driver"),
      h("span", { class: `lifecycle ${job.lifecycle}` }, job.lifecycle), h("span", { class: "facts" }, `namespace '${job.namespace}'${job.defaultLifetime === "detached" ? ", default lifetime detached" : ""}`));
  }
  const a = selectActor(state, id);
  const facts = [
    `${a.cls}${a.name === null ? " (unnamed)" : ` '${a.name}'`}`,
    a.detached ? null : a.owner === null ? null : `owned by ${ctx.name(a.owner.caller)}`,
    a.maxRestarts === 0 ? null : `restarts ${a.numRestarts} of ${a.maxRestarts === -1 ? "∞" : a.maxRestarts}${selectRestartsLeft(a) === 0 ? " (none left)" : ""}`,
    a.deathCause === null ? null : `cause ${a.deathCause}`,
    a.data === null ? null : `state ${JSON.stringify(a.data)}`,
  ].filter((f) => f !== null);
  return h("div", { class: "line" }, chip, h("span", { class: "kind" }, "actor"), a.detached ? h("span", { class: "tag detached" }, "detached") : null,
    h("span", { class: `lifecycle ${a.lifecycle}` }, a.lifecycle), h("span", { class: "facts" }, facts.join(", ")));
}

/** The handles a caller holds: solid for strong ones, dashed for weak ones. */
function handlesLine(id: string, state: State, ctx: ClusterContext): HTMLElement | null {
  const held = Object.entries(state.handles[id] ?? {});
  if (held.length === 0) return null;
  return h("div", { class: "handles" }, "holds ", ...held.map(([actor, kind]) =>
    h("span", { class: `handle ${kind}`, "data-actor": actor, title: `a ${kind} handle to ${ctx.name(actor)}` }, ctx.name(actor), h("small", {}, kind))));
}

function destroyedView(state: State, ctx: ClusterContext): HTMLElement | null {
  const gone = Object.keys(state.destroyed).sort(byNumber).reverse();
  if (gone.length === 0) return null;
  const shown = gone.slice(0, DESTROYED_SHOWN);
  return h("div", { class: "destroyed" },
    h("h3", {}, `Destroyed (the GCS forgot them): ${gone.length}`),
    h("div", { class: "chips" }, ...shown.map((id) => callerChip(id, state, ctx.name, ctx.focus, ctx.focused)),
      gone.length > shown.length ? h("span", { class: "more" }, `and ${gone.length - shown.length} more`) : null));
}

/** Ids `a12` and `j3` in the order they were made. */
function byNumber(x: string, y: string): number {
  return Number(x.slice(1)) - Number(y.slice(1));
}
