import { isParallel, type Item, type Step } from "../sim/scenario/types.js";

/** A step in a few words, for the timeline: `d1 create Counter 'x'`, `a crash`, `parallel: d2 create ‖ d3 create`. */
export function stepLabel(item: Item): string {
  if (isParallel(item)) return `parallel: ${item.parallel.map((list) => list.map(short).join(", ")).join(" ‖ ")}`;
  return short(item);
}

function short(s: Step): string {
  const by = s.by === undefined ? "" : `${s.by} `;
  switch (s.do) {
    case "init": return `${by}init${typeof s.namespace === "string" ? ` '${s.namespace}'` : ""}`;
    case "create": return `${by}create ${s.class ?? ""}${s.name === undefined ? "" : ` '${s.name}'`}${s.getIfExists === true ? " (get if exists)" : ""}`;
    case "get": return `${by}get '${s.name ?? ""}'`;
    case "call": return `${by}call ${s.actor ?? ""}.${s.method ?? ""}()`;
    case "crash": return `${s.actor ?? ""} crashes`;
    case "list": return `${by}list${s.allNamespaces === true ? " (all)" : ""}`;
    case "exit": return `${by}exit`;
    default: return `${by}${s.do} ${s.actor ?? ""}`;
  }
}
