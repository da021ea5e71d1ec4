import type { AnyStateMachine } from "xstate";

/** One arrow of a chart: every transition from one state to another, with the events (and guards) that take it. */
export interface ChartEdge {
  readonly from: string;
  readonly to: string;
  /** `creation.succeeded`, `worker.died [canRestart]`, `worker.died [else]`. */
  readonly events: readonly string[];
}

/** A lifecycle chart as a graph: its states in the machine's document order, the initial one, and the arrows. */
export interface ChartGraph {
  readonly initial: string;
  readonly states: readonly string[];
  readonly edges: readonly ChartEdge[];
}

/**
 * The graph of a flat XState machine, read from the machine object itself
 * (its state nodes and their transitions), so the drawing cannot drift from
 * the chart the reducer consults. A transition without a guard that follows
 * guarded ones of the same event is labelled `[else]`.
 */
export function chartGraph(machine: AnyStateMachine): ChartGraph {
  const root = machine.root;
  const states = Object.values(root.states).sort((a, b) => a.order - b.order).map((n) => n.key);
  const edges = new Map<string, { from: string; to: string; events: string[] }>();
  for (const node of Object.values(root.states)) {
    for (const [eventType, transitions] of node.transitions) {
      transitions.forEach((t, i) => {
        const guard = t.guard === undefined ? (i > 0 && transitions.slice(0, i).some((p) => p.guard !== undefined) ? " [else]" : "") : ` [${guardName(t.guard)}]`;
        for (const target of t.target ?? [node]) {
          const key = `${node.key}→${target.key}`;
          const edge = edges.get(key) ?? { from: node.key, to: target.key, events: [] };
          edge.events.push(eventType + guard);
          edges.set(key, edge);
        }
      });
    }
  }
  const initial = root.initial.target[0]?.key ?? states[0];
  return { initial, states, edges: [...edges.values()] };
}

function guardName(guard: unknown): string {
  if (typeof guard === "string") return guard;
  if (guard !== null && typeof guard === "object" && typeof (guard as { type?: unknown }).type === "string") return (guard as { type: string }).type;
  return "guard";
}
