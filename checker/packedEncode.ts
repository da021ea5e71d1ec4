import type { Actor, Command, HandleKind, Inflight, Job, ModelEvent, PendingKill, State } from "../model/index.js";
import {
  CAUSES, HANDLE_NONE, HANDLE_STRONG, HANDLE_WEAK, INFL_CREATE_REGISTER, INFL_GIE_LOOKUP_AGAIN, INFL_GIE_REGISTER, INFL_NONE,
  LIFE_DEAD, LIFE_NAMES, getField, setField, type PackedLayout,
} from "./packedLayout.js";
import { MOVE, moveActor, moveExtra, moveKind, moveSlot } from "./packedExpand.js";
import { NAMES, namespaceName, type DriverSlot } from "./universe.js";

/**
 * The bridge between reference states and packed ones: `encodeWords` packs a
 * reference state (refusing one outside the restricted universe, or whose
 * derived fields are not what the packed form assumes), `decodeWords` unpacks
 * one back into a reference state, and `packedEvent` turns a move code into
 * the reference event it stands for.
 */

const num = (id: string): number => Number(id.slice(1));
const nsIndex = (ns: string): number => {
  const m = /^ns([1-9]\d*)$/.exec(ns);
  if (m === null) throw new Error(`packed: namespace ${ns} is not one of the universe's`);
  return Number(m[1]) - 1;
};
const nameIndex = (name: string | null): number => {
  const i = name === null ? -1 : NAMES.indexOf(name as (typeof NAMES)[number]);
  if (i < 0) throw new Error(`packed: actor name ${name} is not one of the universe's`);
  return i;
};

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`packed: the state is outside the restricted universe: ${what}`);
}

/** The message the reducer keeps for a get-or-create that lost its registration race. */
function createError(name: string, namespace: string): string {
  return `Actor with name '${name}' already exists in the namespace ${namespace}`;
}

/** Packs a reference state and the drivers' positions into `L.words` words. */
export function encodeWords(L: PackedLayout, state: State, slots: readonly DriverSlot[]): Uint32Array {
  const b = new Uint32Array(L.words);
  const w = L.width;
  const put = (pos: number, bits: number, v: number, what: string): void => {
    expect(Number.isInteger(v) && v >= 0 && v < 1 << bits || (bits === 0 && v === 0), `${what} = ${v} does not fit`);
    setField(b, 0, pos, bits, v);
  };
  expect(state.profile === "ray", "profile");
  expect(slots.length === L.drivers, "drivers");
  slots.forEach((s, i) => {
    put(L.slotJob[i]!, w.jobNumber, s.job === null ? 0 : num(s.job), "slot job");
    put(L.slotOps[i]!, w.ops, s.ops, "slot ops");
  });
  put(L.counterJob, w.jobNumber, state.counters.job, "counters.job");
  put(L.counterActor, w.actorNumber, state.counters.actor, "counters.actor");
  const jobs: Job[] = [...Object.values(state.jobs), ...Object.values(state.finished)];
  expect(jobs.length === state.counters.job, "job count");
  for (const job of jobs) {
    const ji = num(job.id) - 1;
    expect(job.anonymous === false && job.defaultLifetime === "non_detached", `job ${job.id} options`);
    expect((state.jobs[job.id] !== undefined) === (job.lifecycle === "RUNNING"), `job ${job.id} lifecycle`);
    put(L.jobNs[ji]!, w.ns, nsIndex(job.namespace), "job namespace");
    put(L.jobFinished[ji]!, 1, job.lifecycle === "FINISHED" ? 1 : 0, "job finished");
  }
  for (const [caller, inflight] of Object.entries(state.inflight) as [string, Inflight][]) {
    const ji = num(caller) - 1;
    expect(inflight.op !== "call", `inflight call of ${caller} (calls are in flight only on actors that may restart)`);
    if (inflight.op === "call") continue;
    const r = inflight.request;
    expect(caller.startsWith("j") && state.jobs[caller] !== undefined, `inflight of ${caller}`);
    expect(r.cls === "Counter" && r.maxRestarts === 0 && r.namespace === state.jobs[caller]!.namespace, `inflight request of ${caller}`);
    expect(JSON.stringify(r.args) === (inflight.op === "create" ? "[]" : "[1]"), `inflight args of ${caller}`);
    const code = inflight.op === "create" ? INFL_CREATE_REGISTER : inflight.next === "register" ? INFL_GIE_REGISTER : INFL_GIE_LOOKUP_AGAIN;
    if (inflight.next === "lookupAgain") expect(inflight.createError === createError(r.name as string, r.namespace), "createError");
    put(L.jobInflight[ji]!, 2, code, "inflight");
    put(L.jobInflightName[ji]!, w.name, nameIndex(r.name), "inflight name");
    put(L.jobInflightDetached[ji]!, 1, r.detached ? 1 : 0, "inflight detached");
  }
  for (const [caller, held] of Object.entries(state.handles)) {
    expect(caller.startsWith("j") && state.jobs[caller] !== undefined && Object.keys(held).length > 0, `handles of ${caller}`);
    for (const [actor, kind] of Object.entries(held) as [string, HandleKind][]) {
      put(L.handle[(num(caller) - 1) * L.actors + num(actor) - 1]!, 2, kind === "strong" ? HANDLE_STRONG : HANDLE_WEAK, "handle");
    }
  }
  const actors: Actor[] = [...Object.values(state.actors), ...Object.values(state.destroyed)];
  expect(actors.length === state.counters.actor, "actor count");
  for (const a of actors) {
    const k = num(a.id) - 1;
    const creator = a.creator.caller;
    const creatorJob = jobs.find((j) => j.id === creator);
    expect(creatorJob !== undefined && a.creator.incarnation === 0 && a.job === creator, `${a.id} creator`);
    expect(a.cls === "Counter" && a.maxRestarts === 0 && a.numRestarts === 0 && a.outOfScope === false, `${a.id} options`);
    expect(a.namespace === creatorJob!.namespace, `${a.id} namespace`);
    expect(a.detached ? a.owner === null && a.root === a.id : a.owner?.caller === creator && a.owner.incarnation === 0 && a.root === null, `${a.id} owner`);
    const gie = JSON.stringify(a.args) === "[1]";
    expect(gie || JSON.stringify(a.args) === "[]", `${a.id} args`);
    const life = LIFE_NAMES.indexOf(a.lifecycle as (typeof LIFE_NAMES)[number]);
    expect(life >= 0, `${a.id} lifecycle ${a.lifecycle}`);
    expect(state.actors[a.id] !== undefined || life === LIFE_DEAD, `${a.id} destroyed but not DEAD`);
    const cause = CAUSES.indexOf(a.deathCause as (typeof CAUSES)[number]);
    expect(cause >= 0, `${a.id} death cause`);
    const data = a.data === null ? 0 : (a.data as { count: number }).count + 1;
    put(L.actorCreator[k]!, w.jobIndex, num(creator) - 1, "creator");
    put(L.actorName[k]!, w.name, nameIndex(a.name), "name");
    put(L.actorDetached[k]!, 1, a.detached ? 1 : 0, "detached");
    put(L.actorGetIfExists[k]!, 1, gie ? 1 : 0, "args");
    put(L.actorLife[k]!, 2, life, "lifecycle");
    put(L.actorRegistered[k]!, 1, state.actors[a.id] !== undefined ? 1 : 0, "registered");
    put(L.actorIncarnation[k]!, 1, a.incarnation, "incarnation");
    put(L.actorCause[k]!, 3, cause, "death cause");
    put(L.actorData[k]!, w.data, data, "data");
  }
  for (const [ns, names] of Object.entries(state.names)) {
    expect(Object.keys(names).length > 0, `empty registry of ${ns}`);
    for (const [name, id] of Object.entries(names)) put(L.registry[nsIndex(ns) * L.names + nameIndex(name)]!, w.actorNumber, num(id), "registry");
  }
  expect(state.kills.length <= L.drivers, "kills");
  state.kills.forEach((k, p) => {
    put(L.killBy[p]!, w.jobNumber, num(k.by), "kill by");
    put(L.killActor[p]!, w.actorNumber, num(k.actor), "kill actor");
    put(L.killNoRestart[p]!, 1, k.noRestart ? 1 : 0, "kill noRestart");
  });
  return b;
}

/** Unpacks the state at `b[o..]` into a reference state and the drivers' positions. */
export function decodeWords(L: PackedLayout, b: Uint32Array, o = 0): { state: State; slots: DriverSlot[] } {
  const w = L.width;
  const g = (pos: number, bits: number): number => getField(b, o, pos, bits);
  const cJob = g(L.counterJob, w.jobNumber);
  const cActor = g(L.counterActor, w.actorNumber);
  const jobs: Record<string, Job> = {};
  const finished: Record<string, Job> = {};
  const inflight: Record<string, Inflight> = {};
  const handles: Record<string, Record<string, HandleKind>> = {};
  for (let ji = 0; ji < cJob; ji++) {
    const id = `j${ji + 1}`;
    const fin = g(L.jobFinished[ji]!, 1) === 1;
    const job: Job = { id, namespace: namespaceName(g(L.jobNs[ji]!, w.ns)), anonymous: false, defaultLifetime: "non_detached", lifecycle: fin ? "FINISHED" : "RUNNING" };
    (fin ? finished : jobs)[id] = job;
    const code = g(L.jobInflight[ji]!, 2);
    if (code !== INFL_NONE) {
      const name = NAMES[g(L.jobInflightName[ji]!, w.name)]!;
      const request = { cls: "Counter" as const, args: code === INFL_CREATE_REGISTER ? [] : [1], name, namespace: job.namespace, detached: g(L.jobInflightDetached[ji]!, 1) === 1, maxRestarts: 0 };
      inflight[id] = code === INFL_CREATE_REGISTER ? { op: "create", next: "register", request }
        : code === INFL_GIE_REGISTER ? { op: "getIfExists", next: "register", request }
        : { op: "getIfExists", next: "lookupAgain", request, createError: createError(name, job.namespace) };
    }
    for (let k = 0; k < cActor; k++) {
      const h = g(L.handle[ji * L.actors + k]!, 2);
      if (h !== HANDLE_NONE) (handles[id] ??= {})[`a${k + 1}`] = h === HANDLE_STRONG ? "strong" : "weak";
    }
  }
  const actors: Record<string, Actor> = {};
  const destroyed: Record<string, Actor> = {};
  for (let k = 0; k < cActor; k++) {
    const id = `a${k + 1}`;
    const creator = `j${g(L.actorCreator[k]!, w.jobIndex) + 1}`;
    const detached = g(L.actorDetached[k]!, 1) === 1;
    const data = g(L.actorData[k]!, w.data);
    const actor: Actor = {
      id, cls: "Counter", args: g(L.actorGetIfExists[k]!, 1) === 1 ? [1] : [], name: NAMES[g(L.actorName[k]!, w.name)]!,
      namespace: (jobs[creator] ?? finished[creator])!.namespace, detached,
      owner: detached ? null : { caller: creator, incarnation: 0 }, creator: { caller: creator, incarnation: 0 }, job: creator,
      root: detached ? id : null, lifecycle: LIFE_NAMES[g(L.actorLife[k]!, 2)]!, maxRestarts: 0, numRestarts: 0,
      incarnation: g(L.actorIncarnation[k]!, 1), deathCause: CAUSES[g(L.actorCause[k]!, 3)]!, outOfScope: false,
      data: data === 0 ? null : { count: data - 1 },
    };
    (g(L.actorRegistered[k]!, 1) === 1 ? actors : destroyed)[id] = actor;
  }
  const names: Record<string, Record<string, string>> = {};
  for (let ns = 0; ns < L.namespaces; ns++) {
    for (let n = 0; n < L.names; n++) {
      const a = g(L.registry[ns * L.names + n]!, w.actorNumber);
      if (a !== 0) (names[namespaceName(ns)] ??= {})[NAMES[n]!] = `a${a}`;
    }
  }
  const kills: PendingKill[] = [];
  for (let p = 0; p < L.drivers; p++) {
    const by = g(L.killBy[p]!, w.jobNumber);
    if (by === 0) break;
    kills.push({ actor: `a${g(L.killActor[p]!, w.actorNumber)}`, noRestart: g(L.killNoRestart[p]!, 1) === 1, by: `j${by}` });
  }
  const state: State = { profile: "ray", counters: { job: cJob, actor: cActor }, jobs, finished, actors, destroyed, names, handles, inflight, kills };
  const slots: DriverSlot[] = [];
  for (let i = 0; i < L.drivers; i++) {
    const j = g(L.slotJob[i]!, w.jobNumber);
    slots.push({ job: j === 0 ? null : `j${j}`, ops: g(L.slotOps[i]!, w.ops) });
  }
  return { state, slots };
}

/** The reference event a move code stands for, in the state at `b[o..]` it is taken from. */
export function packedEvent(L: PackedLayout, b: Uint32Array, o: number, move: number): ModelEvent {
  const w = L.width;
  const slot = moveSlot(move);
  const caller = `j${getField(b, o, L.slotJob[slot]!, w.jobNumber)}`;
  const actor = `a${moveActor(move) + 1}`;
  const extra = moveExtra(move);
  switch (moveKind(move)) {
    case MOVE.init: return { type: "init", namespace: namespaceName(extra) };
    case MOVE.create: {
      const gie = (extra & 8) !== 0;
      const cmd: Command = {
        type: "create", caller, cls: "Counter", args: gie ? [1] : [], name: NAMES[extra & 7]!,
        lifetime: (extra & 16) !== 0 ? "detached" : "non_detached", maxRestarts: 0, ...(gie ? { getIfExists: true } : {}),
      };
      return cmd;
    }
    case MOVE.continue: return { type: "continue", caller };
    case MOVE.get: return { type: "get", caller, name: NAMES[extra & 7]! };
    case MOVE.call: return { type: "call", caller, actor, method: "incr" };
    case MOVE.kill: return { type: "kill", caller, actor, noRestart: true };
    case MOVE.killRestart: return { type: "kill", caller, actor, noRestart: false };
    case MOVE.drop: return { type: "drop", caller, actor };
    case MOVE.exitActor: return { type: "exit", caller: actor };
    case MOVE.list: return { type: "list", caller };
    case MOVE.exit: return { type: "exit", caller };
    case MOVE.ownerDeath: return { type: "owner.death.processed", actor };
    case MOVE.outOfScope: return { type: "actor.out_of_scope", actor };
    case MOVE.lineage: return { type: "lineage.released", actor };
    case MOVE.scheduled: return { type: "actor.scheduled", actor };
    case MOVE.created: return { type: "actor.created", actor };
    case MOVE.killProcessed: {
      const p = moveActor(move);
      return {
        type: "kill.processed",
        actor: `a${getField(b, o, L.killActor[p]!, w.actorNumber)}`,
        noRestart: getField(b, o, L.killNoRestart[p]!, 1) === 1,
      };
    }
    default: throw new Error(`packed: unknown move ${move}`);
  }
}
