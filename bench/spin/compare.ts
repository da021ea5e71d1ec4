import { LAWS } from "../../model/index.js";
import { check } from "../../checker/explore.js";
import { SPIN_BENCH_UNIVERSE } from "./universe.js";
import type { Universe } from "../../checker/universe.js";

/**
 * The rollcall side of the SPIN baseline: explores the bench universe (or the
 * one given as JSON in argv[3]) with rollcall's one search engine (every law
 * checked on every transition), without and with symmetry, and prints one JSON line with the counts and seconds. With
 * `bounds` as argv[2] it prints the universe as run.sh passes it to
 * bench/spin/moves.sh and spin: D NS M OPS operations...
 */
export function rollcallSide(universe: Universe): Record<string, number | string> {
  const run = (symmetry: boolean) => {
    const started = performance.now();
    const r = check(universe, { symmetry, laws: LAWS, now: () => performance.now() });
    const seconds = (performance.now() - started) / 1000;
    if (r.verdict !== "ok") throw new Error(`rollcall check ended ${r.verdict}${r.violation ? `: ${r.violation.message}` : ""}`);
    return { ...r, seconds };
  };
  const plain = run(false);
  const sym = run(true);
  return {
    verdict: plain.verdict, states: plain.states, transitions: plain.transitions, depth: plain.depth, bytesPerState: Math.round(plain.tableBytes / plain.states),
    seconds: plain.seconds, statesPerSecond: Math.round(plain.states / plain.seconds),
    symmetryStates: sym.states, symmetryTransitions: sym.transitions, symmetrySeconds: sym.seconds,
    symmetryStatesPerSecond: Math.round(sym.states / sym.seconds),
  };
}

function main(): void {
  const universe: Universe = process.argv[3] !== undefined ? { ...SPIN_BENCH_UNIVERSE, ...JSON.parse(process.argv[3]) } : SPIN_BENCH_UNIVERSE;
  if (process.argv[2] === "bounds") {
    if (universe.driverOps !== undefined && new Set(universe.driverOps).size > 1) throw new RangeError("the Promela model takes one --ops for every driver");
    const ops = universe.driverOps?.[0] ?? universe.ops;
    console.log([universe.drivers, universe.namespaces, universe.names, ops, ...universe.operations].join(" "));
    return;
  }
  console.log(JSON.stringify(rollcallSide(universe)));
}

try {
  main();
} catch (e) {
  console.error(`compare: ${(e as Error).message}`);
  process.exit(2);
}
