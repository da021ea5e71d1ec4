import fc from "fast-check";
import { canonicalJson, selectJob, type Command, type ProfileName, type Result, type State } from "../model/index.js";
import { listsSpace, search } from "../sim/search.js";
import { drainSync } from "../sim/pace.js";
import { compact } from "../sim/compact.js";
import { generateProgram, type GeneratedProgram } from "../sim/generate.js";
import { DEFAULT_SPACE, createCommand, nextCommandBy, type Choose } from "../sim/programs.js";
import { parseScenario } from "../sim/scenario/parse.js";
import type { Scenario, Step } from "../sim/scenario/types.js";
import { runSettled } from "../sim/settle.js";
import { Bindings, runOnTarget, toRequest, toResult } from "./run-target.js";
import type { Target } from "./target.js";

/** A settled prefix, then a block of lists that race. */
export interface RaceProgram {
  readonly prefix: GeneratedProgram;
  /** Each list: one caller's steps, in the model's ids and as scenario steps. */
  readonly lists: readonly { readonly commands: readonly Command[]; readonly steps: readonly Step[] }[];
}

/** What one list step returned, in words both sides share: labels for known actors, `new:<id>` for others. */
type Outcome = string;

/**
 * Builds a race: the prefix as a generated program, at least two drivers, then
 * 2–3 lists of 1–2 steps each by distinct callers, drawn from the state the
 * prefix leaves (an `exit` only last in its list; after a `drop` the list
 * never uses that handle again). One block in four is a single caller racing
 * the cluster itself: one list of 2–3 steps, nothing settling between them
 * (a drop, then a get_if_exists while the GCS is still destroying the actor).
 */
export function generateRace(prefixMoves: readonly (readonly number[])[], blockMoves: readonly number[], profile: ProfileName): RaceProgram {
  const prefix = generateProgram(prefixMoves, profile, DEFAULT_SPACE, "a race where the target and the model part");
  const steps = prefix.scenario.steps as Step[];
  let k = 0;
  const choose: Choose = (n) => (blockMoves[k++ % Math.max(1, blockMoves.length)] ?? 0) % n;
  let drivers = steps.filter((s) => s.do === "init").length;
  while (Object.keys(prefix.store.state.jobs).length < 2) {
    const label = `d${++drivers}`;
    const seen = runSettled(prefix.store, { type: "init" });
    const job = seen[0].result.kind === "driver" ? seen[0].result.job : "";
    prefix.labelOf.set(job, label);
    steps.push({ by: label, do: "init" });
  }
  const state = prefix.store.state;
  const callers = [...Object.keys(state.jobs)];
  const lists: { commands: Command[]; steps: Step[] }[] = [];
  const alone = choose(4) === 0;
  const count = alone ? 1 : Math.min(callers.length, 2 + choose(2));
  // Half the blocks are about contention: every lane starts by creating (most
  // often get-or-create) the same name in the same namespace.
  const hot = choose(2) === 0 ? { name: DEFAULT_SPACE.names[choose(DEFAULT_SPACE.names.length)]!, namespace: DEFAULT_SPACE.namespaces[choose(DEFAULT_SPACE.namespaces.length)]! } : undefined;
  for (let i = 0; i < count; i++) {
    const caller = callers.splice(choose(callers.length), 1)[0];
    const commands: Command[] = [];
    const dropped = new Set<string>();
    const length = alone ? 2 + choose(2) : 1 + choose(2);
    for (let j = 0; j < length; j++) {
      let command = j === 0 && hot !== undefined ? createCommand(caller, choose, DEFAULT_SPACE, hot) : nextCommandBy(state, caller, choose);
      // Drawn from the prefix's state: a handle this list has dropped is not used again (a few draws, then the list ends).
      for (let tries = 0; tries < 4 && "actor" in command && dropped.has(command.actor); tries++) command = nextCommandBy(state, caller, choose);
      if ("actor" in command && dropped.has(command.actor)) break;
      commands.push(command);
      if (command.type === "exit") break;
      if (command.type === "drop") dropped.add(command.actor);
    }
    lists.push({ commands, steps: commands.map((c) => bareStep(c, prefix.labelOf)) });
  }
  return { prefix, lists };
}

/** A command as a scenario step without expectations. */
function bareStep(c: Command, labelOf: Map<string, string>): Step {
  if (c.type === "init" || c.type === "continue") throw new Error(`no ${c.type} in a race`);
  const by = labelOf.get(c.caller) as string;
  const actor = "actor" in c ? labelOf.get(c.actor) : undefined;
  const base = { by, do: c.type, actor } as const;
  switch (c.type) {
    case "create": return compact({ by, do: "create" as const, class: c.cls, args: c.args, name: c.name, namespace: c.namespace, lifetime: c.lifetime, getIfExists: c.getIfExists, maxRestarts: c.maxRestarts });
    case "get": return compact({ by, do: "get" as const, name: c.name, namespace: c.namespace });
    case "call": return compact({ ...base, do: "call" as const, method: c.method, args: c.args });
    case "kill": return compact({ ...base, do: "kill" as const, noRestart: c.noRestart });
    case "list": return compact({ by, do: "list" as const, allNamespaces: c.allNamespaces });
    default: return compact(base) as Step;
  }
}

/** A result in race words. `name` maps an actor id to its label, or undefined; `nsName` maps a namespace to its words. */
function describe(r: Result, name: (id: string) => string | undefined, nsName: (ns: string) => string): Outcome {
  switch (r.kind) {
    case "error": return `error ${r.error}`;
    case "handle": return `handle ${name(r.actor) ?? `new:${r.actor}`}`;
    case "value": return `value ${canonicalJson(r.value)}`;
    case "names": return `names ${r.names.map((n) => (typeof n === "string" ? n : `${n.name}@${nsName(n.namespace)}`)).sort().join(",")}`;
    case "state": return `state ${r.state}`;
    default: return "ok";
  }
}

/** Numbers new actors by first appearance, so two vectors that differ only in ids compare equal. */
function canonicalVector(vector: readonly Outcome[][]): string {
  const seen = new Map<string, string>();
  return JSON.stringify(vector.map((list) => list.map((o) => o.replace(/new:(\S+)/g, (_m, id: string) => {
    if (!seen.has(id)) seen.set(id, `new#${seen.size}`);
    return seen.get(id) as string;
  }))));
}

/**
 * Every outcome vector the model allows for the block: all interleavings of
 * its lists' atomic steps and the cluster's events (the search core over the
 * block's lists, each node keeping what each list has seen so far). Null when
 * the search could not finish within `maxStates`: the race is undecided, never
 * a pass.
 */
export function allowedOutcomes(race: RaceProgram, maxStates = 200_000): Set<string> | null {
  const labelOf = race.prefix.labelOf;
  const nsName = (state: State) => (ns: string): string => {
    for (const [id, label] of labelOf) if (id.startsWith("j") && selectJob(state, id).anonymous && selectJob(state, id).namespace === ns) return `of:${label}`;
    return ns;
  };
  const allowed = new Set<string>();
  const space = listsSpace<Command, Outcome[][], never>({
    lists: race.lists.map((l) => l.commands),
    root: race.prefix.store.snapshot(),
    extra: race.lists.map(() => []),
    callerOf: (command) => (command as { caller: string }).caller,
    eventOf: (command) => command,
    isCrash: () => false,
    answered: ({ list, answer, after, extra }) => ({
      extra: extra.map((o, i) => (i === list ? [...o, describe(answer.result, (id) => labelOf.get(id), nsName(after))] : o)),
    }),
    extraKey: (out) => JSON.stringify(out),
  });
  const r = drainSync(search(space, { maxStates: maxStates + 1, onEnd: (_state, { extra }) => allowed.add(canonicalVector(extra)) }));
  if (r.verdict === "error") throw new Error(`the race oracle failed: ${r.error}`);
  return r.verdict === "ok" ? allowed : null;
}

/** One outcome of a block seen on the target, how often, and whether the model allows it. */
export interface SeenOutcome {
  readonly outcome: string;
  readonly count: number;
  readonly allowed: boolean;
}

/** How often a race runs on the target: `times` runs at most, for `seconds` at most (at least once). */
export interface Repeat {
  readonly times: number;
  readonly seconds?: number;
}

export interface RaceCheck {
  readonly passed: boolean;
  /** Runs of the block on the target (`--repeat`), and every outcome they gave, most frequent first. */
  readonly runs?: number;
  readonly outcomes?: readonly SeenOutcome[];
  /** The model's outcomes of the block could not all be found within the oracle's bound: neither a pass nor a difference. */
  readonly undecided?: boolean;
  readonly prefixFailed?: boolean;
  readonly observed?: string;
  readonly allowed?: readonly string[];
  readonly scenario: Scenario;
}

/**
 * Runs a race on the target: the prefix settled (checked like any scenario),
 * then the lists at once; every outcome must be one the model allows. A race
 * on a real implementation is a rare event, so the whole race (reset, prefix,
 * block) runs `repeat.times` times (within `repeat.seconds`), collecting each
 * outcome seen with how often it appeared: one the model forbids fails the
 * race, with its frequency.
 */
export async function checkRace(race: RaceProgram, target: Target, profile: ProfileName, repeat: Repeat = { times: 1 }, now: () => number = () => performance.now()): Promise<RaceCheck> {
  const scenario: Scenario = {
    ...race.prefix.scenario,
    steps: [...race.prefix.scenario.steps, { parallel: race.lists.map((l) => [...l.steps]) }],
  };
  const allowed = allowedOutcomes(race);
  const seen = new Map<string, number>();
  const started = now();
  let runs = 0;
  do {
    const one = await runRaceOnce(race, target, profile);
    if ("prefixFailed" in one) return { ...one, runs: runs + 1 };
    runs++;
    seen.set(one.observed, (seen.get(one.observed) ?? 0) + 1);
    // Undecided: the model's outcomes are not all known, so repeating cannot decide either.
    if (allowed === null) return { passed: true, undecided: true, observed: one.observed, scenario, runs };
  } while (runs < repeat.times && (repeat.seconds === undefined || now() - started < repeat.seconds * 1000));
  const outcomes = [...seen].map(([outcome, count]) => ({ outcome, count, allowed: allowed.has(outcome) })).sort((a, b) => b.count - a.count || a.outcome.localeCompare(b.outcome));
  const forbidden = outcomes.find((o) => !o.allowed);
  if (forbidden === undefined) return { passed: true, scenario, runs, outcomes };
  return { passed: false, observed: forbidden.outcome, allowed: [...allowed], scenario, runs, outcomes };
}

/** One run of a race: the settled prefix (a failure of it is returned as such), then the block; its outcome vector. */
async function runRaceOnce(race: RaceProgram, target: Target, profile: ProfileName): Promise<{ observed: string } | RaceCheck & { prefixFailed: true }> {
  const b = new Bindings();
  const prefix = await runOnTarget(parseScenario("race.json", JSON.stringify(race.prefix.scenario)), target, profile, b);
  if (!prefix.passed) {
    // The settled prefix already parts from the model: the scenario is the prefix, cut after its failing step.
    const cut = prefix.failure?.path.index ?? prefix.verdict?.path?.index ?? race.prefix.scenario.steps.length - 1;
    const steps = race.prefix.scenario.steps.slice(0, cut + 1);
    return { passed: false, prefixFailed: true, scenario: { ...race.prefix.scenario, steps }, observed: prefix.failure?.observed ?? prefix.verdict?.message };
  }
  const labelOfHandle = (id: string): string | undefined => Object.keys(b.ids).find((label) => b.ids[label] === id);
  const nsName = (ns: string): string => {
    for (const [label, n] of b.namespaces) if (n === ns && /^[0-9a-f]{8}-/.test(ns)) return `of:${label}`;
    return ns;
  };
  const vector = await Promise.all(race.lists.map(async (list) => {
    const outs: Outcome[] = [];
    for (const step of list.steps) outs.push(describe(toResult(step, await target.step(toRequest(step, b))), labelOfHandle, nsName));
    return outs;
  }));
  await target.settle();
  return { observed: canonicalVector(vector) };
}

/** fast-check's arbitrary for races: prefix moves and block choices. */
export const arbRace = (maxMoves: number) =>
  fc.tuple(
    fc.array(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 10, maxLength: 10 }), { minLength: 1, maxLength: maxMoves, size: "max" }),
    fc.array(fc.nat({ max: 1_000_000 }), { minLength: 12, maxLength: 12 }),
  );
