import {
  DEFAULT_PROFILE, canonicalJson, fingerprint, initialState,
  type ModelEvent, type MutantName, type ProfileName, type Result, type State,
} from "../model/index.js";
import { labelOf } from "./describe.js";
import { listsSpace, search } from "./search.js";
import { drainSync } from "./pace.js";
import type { LogRecord } from "./log.js";
import { describeChanges, explainRule } from "./narrate.js";
import { resolveNamespace, type Labels } from "./scenario/command.js";
import { checkExpectation } from "./scenario/expect.js";
import { describeResult, exploreBlock, runStep } from "./scenario/run.js";
import { scenarioSteps } from "./scenario/parallel.js";
import { isParallel, type LoadedScenario, type ParallelBlock, type Step } from "./scenario/types.js";
import { labelTable, type World } from "./scenario/world.js";
import { Store } from "./store.js";

/** The story of one step: what was asked, what the cluster did, what the caller saw, and why. */
export interface StepStory {
  readonly index: number;
  readonly asked: string;
  readonly cluster: readonly string[];
  readonly saw: string;
  readonly why: readonly string[];
  readonly verdict: "as expected" | "succeeded" | string;
  readonly ok: boolean;
  /** The history the story tells of (the first one, or the one that fails), for the web viewer. */
  readonly scene: Scene;
  /**
   * A parallel block's race: what the file expects of each list's steps in
   * every interleaving, and each distinct outcome the model allows (what
   * each caller saw, what the cluster did), the first being the one the
   * story and its scene show.
   */
  readonly race?: Race;
}

/** The outcomes of a parallel block, in words. */
export interface Race {
  /** What the file expects of each step of the block, in order: `d2's create: a handle to 'foo'`. */
  readonly expects: readonly string[];
  /** Each distinct outcome: what every caller saw, in the order the answers came, and what changed in the cluster. */
  readonly outcomes: readonly { readonly saw: readonly string[]; readonly cluster: readonly string[]; readonly unexpected?: readonly string[] }[];
  /** For a block that fails: the outcomes are every end the model allows, each with what in it the file does not expect (none shown). */
  readonly failed?: true;
}

/** The model's side of one step: the states before and after, the labels bound after it, and its log records. */
export interface Scene {
  readonly before: State;
  readonly after: State;
  readonly labels: Labels;
  readonly records: readonly LogRecord[];
}

/**
 * A scenario's story, step by step, on the model (with a seeded bug when
 * `mutant` names one), stopping at the first step that does not do what the
 * file expects.
 */
export function explainScenario(loaded: LoadedScenario, profileOverride?: ProfileName, mutant?: MutantName): { profile: ProfileName; stories: StepStory[] } {
  const { scenario } = loaded;
  const profile = profileOverride ?? (scenario.profile as ProfileName | undefined) ?? DEFAULT_PROFILE;
  let worlds: World[] = [{ store: new Store(profile, initialState(profile, mutant, scenario.gcsStorage === "redis" ? { gcsStorage: "redis" } : undefined)), labels: labelTable() }];
  const stories: StepStory[] = [];
  for (let index = 0; index < scenario.steps.length; index++) {
    const item = scenario.steps[index];
    if (isParallel(item)) {
      const before = worlds[0].store.snapshot();
      const outcome = exploreBlock(worlds, item, index, {});
      const asked = `In parallel: ${item.parallel.map((list) => list.map((s) => askedText(s).replace(/\.$/, "")).join(", then ")).join("; while ")}.`;
      const unchanged: Scene = { before, after: before, labels: worlds[0].labels, records: [] };
      if ("failure" in outcome) {
        const f = outcome.failure;
        const race = worlds.length === 1 ? freeRace(worlds[0], item) : null;
        stories.push({
          index, asked, cluster: [], saw: f.observed, why: f.rule === null ? [] : [explainRule(f.rule)],
          verdict: `expected ${f.expected}, in the interleaving ${f.interleaving.join(" → ")}`, ok: false, scene: unchanged,
          ...(race === null ? {} : { race }),
        });
        break;
      }
      if ("incomplete" in outcome) {
        stories.push({ index, asked, cluster: [], saw: "not decided", why: [], verdict: outcome.incomplete, ok: false, scene: unchanged });
        break;
      }
      const from = worlds[0].store.length;
      const race = worlds.length === 1 ? raceOf(item, outcome.worlds, from, before) : null;
      worlds = outcome.worlds;
      const after = worlds[0];
      stories.push({
        index, asked,
        cluster: describeChanges(before, after.store.state, after.labels),
        saw: `every one of the ${outcome.explored} states reachable by interleaving the lists' atomic steps and the cluster's events met every expectation; ${worlds.length} distinct outcome${worlds.length === 1 ? "" : "s"}${worlds.length > 1 ? " (the story shows the first, and later steps are checked in all)" : ""}`,
        why: [], verdict: "as expected", ok: true,
        scene: { before, after: after.store.snapshot(), labels: after.labels, records: after.store.records.slice(recordIndex(after.store, from)) },
        ...(race === null ? {} : { race }),
      });
      continue;
    }
    // Run the step in every possible history; tell the story of the first one where it fails, else of the first.
    const befores = worlds.map((w) => ({ state: w.store.snapshot(), from: w.store.length }));
    const results = worlds.map((w) => runStep(w, item, { index }));
    const failing = results.findIndex((r) => "failure" in r);
    const shown = failing >= 0 ? failing : 0;
    const result = results[shown];
    const store = worlds[shown].store;
    const records = store.records.slice(recordIndex(store, befores[shown].from));
    const labels = "world" in result ? result.world.labels : worlds[shown].labels;
    const where = worlds.length > 1 ? ` (in ${failing >= 0 ? "one" : "each"} of the ${worlds.length} possible histories)` : "";
    const scene: Scene = { before: befores[shown].state, after: store.snapshot(), labels, records };
    stories.push({
      index,
      asked: askedText(item),
      ...tellScene(scene),
      verdict: "failure" in result ? `expected ${result.failure.expected}${where}` : `${item.expect === undefined ? "succeeded" : "as expected"}${where}`,
      ok: !("failure" in result),
      scene,
    });
    if ("failure" in result) break;
    worlds = results.map((r) => (r as { world: World }).world);
  }
  return { profile, stories };
}

/**
 * What one settled step did, told from its scene: what happened in the
 * cluster, what the caller saw (the step's first observation) and the rules
 * that decided. A scenario's step and a log's step are told alike.
 */
export function tellScene(scene: Scene): Pick<StepStory, "cluster" | "saw" | "why"> {
  const rules = [...new Set(scene.records.flatMap((r) => (r.type === "command" || r.type === "event" ? r.rules : [])))];
  const answer = scene.records.find((r) => r.type === "observation");
  return {
    cluster: describeChanges(scene.before, scene.after, scene.labels),
    saw: answer?.type === "observation" ? describeResult(answer.observation.result, scene.labels) : "nothing (a fault has no caller)",
    why: rules.map(explainRule),
  };
}

/**
 * The race of a parallel block run from one history, whose records begin
 * at event `from`.
 */
function raceOf(block: ParallelBlock, ends: readonly World[], from: number, before: State): Race | null {
  if (ends.length === 0) return null;
  const expects = block.parallel.flat().filter((s) => s.do !== "crash").map((s) => `${s.by ?? "the environment"}'s ${s.do}: ${expectedText(s)}`);
  const outcomes = ends.map((w) => {
    const records = w.store.records.slice(recordIndex(w.store, from));
    const saw = records.flatMap((r) => (r.type === "observation" && r.observation.caller !== ""
      ? [`${labelOf(r.observation.caller, w.labels)} sees ${raceResult(r.observation.result, w.labels)}`] : []));
    return { saw, cluster: describeChanges(before, w.store.state, w.labels) };
  });
  return { expects, outcomes };
}

/** Bound on the states `freeRace` visits: past it a failing block's outcomes are not told. */
const FREE_RACE_STATES = 20_000;

/**
 * Every end a parallel block can reach on the model, whatever the file
 * expects (for a block that fails, whose exploration stops at the first
 * expectation that does not hold): each list's steps run in every
 * interleaving with the cluster's events, as `exploreParallel` runs them;
 * each end tells what every caller saw, what the cluster did, and which of
 * its answers the file does not expect. Null when a list cannot be run
 * without its expectations (a label it needs is never bound) or past the
 * bound on states.
 */
function freeRace(world: World, block: ParallelBlock): Race | null {
  interface Seen { readonly bound: Record<string, string>; readonly saw: readonly { step: Step; caller: string; result: Result }[] }
  const lists = block.parallel;
  const before = world.store.state;
  const ends = new Map<string, { state: State; bound: Record<string, string>; saw: Seen["saw"] }>();
  const space = listsSpace<Step, Seen, "stuck">({
    lists, root: before, extra: { bound: labelTable(), saw: [] },
    ...scenarioSteps<Seen>(world.labels, (seen) => seen.bound),
    answered({ item: step, answer, extra }) {
      const bound = labelTable(extra.bound);
      if (step.do === "init" && answer.result.kind === "driver") bound[step.by as string] = answer.result.job;
      if (step.as !== undefined && answer.result.kind === "handle" && bound[step.as] === undefined) bound[step.as] = answer.result.actor;
      return { extra: { bound, saw: [...extra.saw, { step, caller: answer.caller, result: answer.result }] } };
    },
    extraKey: ({ bound, saw }) => `${canonicalJson(bound)}|${canonicalJson(saw.map((x) => [x.caller, x.result]))}`,
    // A list that cannot go on without what the file expects: no outcomes to tell.
    stuck: () => "stuck",
  });
  const r = drainSync(search(space, {
    maxStates: FREE_RACE_STATES + 1,
    onEnd: (state, { extra }) => {
      ends.set(`${fingerprint(state)}|${canonicalJson(extra.saw.map((x) => [x.caller, x.result]))}`, { state, bound: extra.bound, saw: extra.saw });
    },
  }));
  // A step that cannot be made into an event (a label never bound), a stuck list or too many states: nothing to tell.
  if (r.verdict !== "ok") return null;
  const outcomes = [...ends.values()].map((end) => {
    const labels = labelTable(world.labels, end.bound);
    const unexpected = end.saw.flatMap(({ step, result }) => {
      const mismatch = checkExpectation(step, result, labels, (ref) => resolveNamespace(ref, labels, end.state), () => null);
      return mismatch === null ? [] : [`${step.by ?? "the environment"}'s ${step.do}: expected ${mismatch.expected}, got ${raceResult(result, labels)}`];
    });
    return {
      saw: end.saw.map(({ caller, result }) => `${caller === "" ? "a driver" : labelOf(caller, labels)} sees ${raceResult(result, labels)}`),
      cluster: describeChanges(before, end.state, labels),
      unexpected,
    };
  });
  const expects = lists.flat().filter((s) => s.do !== "crash").map((s) => `${s.by ?? "the environment"}'s ${s.do}: ${expectedText(s)}`);
  return { expects, outcomes, failed: true };
}

/** Length of the part of an error's message a race's outcome quotes. */
const QUOTED = 48;

/** A result in a race's outcome: as `describeResult` says it, an error's message cut short (outcomes that differ only by it are told apart). */
function raceResult(result: Result, labels: Labels): string {
  if (result.kind !== "error") return describeResult(result, labels);
  const m = result.message;
  return `error ${result.error} ("${m.length > QUOTED ? `${m.slice(0, QUOTED - 1).trimEnd()}…` : m}")`;
}

/** What the file expects of a step, in words. */
function expectedText(s: Step): string {
  const e = s.expect;
  if (e === undefined) return s.as === undefined ? "success" : `a handle to a new actor for '${s.as}'`;
  if ("error" in e) return `error ${e.error}`;
  if ("actor" in e) return `a handle to '${e.actor}'`;
  if ("value" in e) return `value ${canonicalJson(e.value)}`;
  if ("state" in e) return `state ${e.state}`;
  if ("node" in e) return `on node '${e.node}'`;
  if ("drain" in e) return `drain ${e.drain}`;
  if ("cause" in e) return `death cause ${e.cause ?? "none (not DEAD)"}`;
  return `names ${canonicalJson(e.names)} in any order`;
}

/** A race's lines: the file's expectations, then each outcome (the one shown first; for a block that fails, whether the file expects it). */
export function raceLines(race: Race): string[] {
  const n = race.outcomes.length;
  const name = (i: number): string => (n === 1 ? "The one outcome the model allows" : `Outcome ${i + 1} of ${n}${i === 0 && race.failed !== true ? " (shown)" : ""}`);
  return [
    `  The file expects, in every interleaving: ${race.expects.join("; ")}.`,
    ...race.outcomes.map((o, i) => {
      const verdict = race.failed !== true ? "" : o.unexpected === undefined || o.unexpected.length === 0 ? " — as the file expects" : ` — not as the file expects (${o.unexpected.join("; ")})`;
      return `  ${name(i)}: ${o.saw.join("; ")}${o.cluster.length === 0 ? "" : `; in the cluster: ${o.cluster.join("; ")}`}${verdict}.`;
    }),
  ];
}

/** A story as `rollcall explain` prints it: the step, then one indented line each for the cluster, the caller, a race's outcomes, the rules and the verdict. */
export function storyLines(s: StepStory): string[] {
  return [
    `Step ${s.index + 1}. ${s.asked}`,
    ...s.cluster.map((c) => `  In the cluster: ${c}.`),
    `  The caller sees: ${s.saw.replace(/\.$/, "")}.`,
    ...(s.race === undefined ? [] : raceLines(s.race)),
    ...s.why.map((w) => `  Why: ${w}`),
    s.ok ? `  ✓ ${s.verdict}.` : `  ✗ ${s.verdict} — this is where the model and the file part.`,
  ];
}

/** The index in `store.records` of the record of event number `n`. */
function recordIndex(store: Store, n: number): number {
  let events = 0;
  for (let i = 0; i < store.records.length; i++) {
    const r = store.records[i];
    if (r.type === "command" || r.type === "event") {
      if (events === n) return i;
      events++;
    }
  }
  return store.records.length;
}

const NS = (ns: Step["namespace"]): string => (ns === undefined ? "" : typeof ns === "string" ? ` in namespace '${ns}'` : ` in the namespace of ${ns.of}`);

/** What the caller asked for, in Ray's terms. */
export function askedText(s: Step): string {
  const by = s.by ?? "the environment";
  switch (s.do) {
    case "init": return `${by} calls ray.init(${s.namespace === undefined ? "" : `namespace=${JSON.stringify(typeof s.namespace === "string" ? s.namespace : `<${s.namespace.of}'s>`)}`}${s.defaultLifetime === undefined ? "" : `, default lifetime ${s.defaultLifetime}`})${s.node === undefined || s.node === "head" ? "" : ` on node ${s.node}`}.`;
    case "create": {
      const opts = [
        s.name === undefined ? null : `name=${JSON.stringify(s.name)}`,
        s.namespace === undefined ? null : `namespace=${JSON.stringify(typeof s.namespace === "string" ? s.namespace : `<${s.namespace.of}'s>`)}`,
        s.lifetime === undefined ? null : `lifetime=${JSON.stringify(s.lifetime)}`,
        s.getIfExists === undefined ? null : `get_if_exists=${s.getIfExists ? "True" : "False"}`,
        s.maxRestarts === undefined ? null : `max_restarts=${s.maxRestarts}`,
        s.initFails === undefined ? null : `<constructor ${s.initFails === "raise" ? "raises" : s.initFails === "exit" ? "calls sys.exit(1)" : "calls sys.exit(0)"}>`,
        s.node === undefined ? null : `scheduling_strategy=NodeAffinitySchedulingStrategy(<${s.node}'s id>, soft=${s.soft === true ? "True" : "False"})`,
      ].filter((x) => x !== null);
      const args = (s.args ?? []).map((a) => JSON.stringify(a)).join(", ");
      return `${by} runs ${s.as === undefined ? "" : `${s.as} = `}${s.class}.options(${opts.join(", ")}).remote(${args}).`;
    }
    case "get": return `${by} runs ${s.as === undefined ? "" : `${s.as} = `}ray.get_actor(${JSON.stringify(s.name)})${NS(s.namespace)}.`;
    case "call": return `${by} runs ray.get(${s.actor}.${s.method}.remote(${(s.args ?? []).map((a) => JSON.stringify(a)).join(", ")})).`;
    case "kill": return `${by} runs ray.kill(${s.actor}${s.noRestart === false ? ", no_restart=False" : ""}).`;
    case "drop": return `${by} lets go of its handle to ${s.actor} (del ${s.actor}).`;
    case "exit": return `${by} exits${by.startsWith("d") ? "" : ""}.`;
    case "crash": return `${s.actor}'s process crashes (fault injected).`;
    case "list": return `${by} runs ray.util.list_named_actors(${s.allNamespaces === true ? "all_namespaces=True" : ""}).`;
    case "state": return `${by} asks the state API for ${s.actor}'s state.`;
    case "addNode": return `a worker node ${s.node} joins the cluster (ray start --address=...).`;
    case "killNode": return `node ${s.node} dies: its raylet and every worker process on it are killed (fault injected).`;
    case "drainNode": return `the autoscaler asks the GCS to drain node ${s.node} (DrainNode, reason ${s.reason === "idle" ? "IDLE_TERMINATION" : "PREEMPTION"}).`;
    case "deathCause": return `${by} asks the state API for ${s.actor}'s death cause.`;
    case "placement": return `${by} asks the state API which node ${s.actor} runs on.`;
    case "stopGcs": return "the GCS process is killed (SIGKILL, as Ray's tests' kill_gcs_server does): until it starts again, nothing the GCS does happens.";
    case "startGcs": return "the GCS process is started again (start_gcs_server), on the same port.";
    case "restartGcs": return "the GCS process is killed and started again at once.";
  }
}
