import { RULES, type RuleId } from "../model/index.js";
import {
  CAUSE_INTENDED_USER_EXIT, CAUSE_OUT_OF_SCOPE, CAUSE_OWNER_DIED, CAUSE_RAY_KILL, CAUSE_REF_DELETED, CAUSE_WORKER_DIED,
  HANDLE_NONE, HANDLE_STRONG, HANDLE_WEAK, INFL_CREATE_REGISTER, INFL_GIE_LOOKUP_AGAIN, INFL_GIE_REGISTER, INFL_NONE,
  LIFE_ALIVE, LIFE_DEAD, LIFE_PENDING, LIFE_UNREADY, type PackedLayout,
} from "./packedLayout.js";
import type { Operation, Universe } from "./universe.js";

/**
 * The successors of a packed state, computed on the words themselves: the
 * same moves as the reference explorer's `successors` followed by the
 * reducer's `transition`, case by case (model/cases/*.ts, mechanics.ts,
 * enabled.ts), for the restricted universe of `packedSupports`: profile `ray`,
 * no faults, max_restarts 0 (so no actor ever restarts, none is ever kept out
 * of scope for lineage, and RESTARTING is unreachable), no mutant. Each
 * successor comes with a move code (which command or event; `packedEvent`
 * turns it back into a reference event) and the rules the reducer would
 * record, so tests can hold the two engines side by side.
 */

/** Move kinds: the low 5 bits of a move code. */
export const MOVE = {
  init: 0, create: 1, continue: 2, get: 3, call: 4, kill: 5, killRestart: 6, drop: 7, exitActor: 8, list: 9, exit: 10,
  ownerDeath: 11, outOfScope: 12, lineage: 13, scheduled: 14, created: 15, killProcessed: 16,
} as const;

/** A move code: kind, slot, actor index (or kill position), and extra (namespace for init; name, getIfExists, detached for create; name for get). */
export function moveCode(kind: number, slot: number, actor: number, extra: number): number {
  return kind | (slot << 5) | (actor << 9) | (extra << 16);
}
export const moveKind = (m: number): number => m & 31;
export const moveSlot = (m: number): number => (m >>> 5) & 15;
export const moveActor = (m: number): number => (m >>> 9) & 127;
export const moveExtra = (m: number): number => m >>> 16;

/** Every rule of the catalogue, numbered from 1 (0: no rule). */
export const RULE_IDS = Object.keys(RULES) as RuleId[];
const R = (id: RuleId): number => RULE_IDS.indexOf(id) + 1;

/** The rules a packed transition recorded, in order (at most two, packed as r1 | r2 << 8). */
export function rulesOf(code: number): RuleId[] {
  const out: RuleId[] = [];
  for (let c = code; c !== 0; c >>>= 8) out.push(RULE_IDS[(c & 255) - 1]!);
  return out;
}

const RULE = {
  init: R("init.namespace"), precheckTaken: R("create.precheckTaken"), gieExisting: R("getIfExists.existing"),
  registerTaken: R("create.registerTaken"), registered: R("create.registered"), detached: R("create.detached"),
  lostRace: R("getIfExists.lostRace"), reraise: R("getIfExists.reraise"),
  getFound: R("get.found"), getDead: R("get.dead"), getNotFound: R("get.notFound"),
  callOk: R("call.ok"), callDead: R("call.dead"), killSent: R("kill.sent"), dropOk: R("drop.ok"),
  exitDriver: R("exit.driver"), exitActor: R("exit.actor"), callerDead: R("caller.dead"), listOk: R("list.ok"),
  detachedFreed: R("death.detachedFreed"), nameKept: R("death.nameKept"),
  scheduled: R("actor.scheduled"), created: R("actor.created"), ownerDied: R("owner.died"),
  scopeDestroy: R("scope.destroy"), lineageDestroy: R("lineage.destroy"),
  killGone: R("kill.gone"), killDestroy: R("kill.destroy"), killNoop: R("kill.noop"),
} as const;

/** Fills `out` (from word 0) with the successors of the state at `src[so..]`; returns how many. */
export type Expand = (src: Uint32Array, so: number, out: Uint32Array, moves: Int32Array, rules: Int32Array) => number;

/** The most successors one state can have in a universe (the size of `expand`'s output). */
export function maxSuccessors(u: Universe): number {
  const K = Array.from({ length: u.drivers }, (_, i) => u.driverOps?.[i] ?? u.ops).reduce((a, b) => a + b, 0);
  const perSlot = Math.max(u.namespaces, u.names * 5 + K * 5 + 2);
  return u.drivers * perSlot + K * 4 + u.drivers + 1;
}

/** Builds the successor function of a supported universe. */
export function makeExpand(u: Universe, L: PackedLayout): Expand {
  const has = (op: Operation): boolean => u.operations.includes(op);
  const opCreate = has("create");
  const opGie = has("getIfExists");
  const opGet = has("get");
  const opCall = has("call");
  const opKill = has("kill");
  const opKillRestart = has("killRestart");
  const opDrop = has("drop");
  const opExitActor = has("exitActor");
  const opList = has("list");
  const opExit = has("exit");
  const W = L.words;
  const D = L.drivers;
  const K = L.actors;
  const NS = L.namespaces;
  const M = L.names;
  const opsOf = L.opsOf;
  const { ns: wNs, name: wName, jobNumber: wJob, jobIndex: wJobIdx, actorNumber: wAct, ops: wOps, data: wData } = L.width;
  const { slotJob, slotOps, jobNs, jobFinished, jobInflight, jobInflightName, jobInflightDetached, handle } = L;
  const { actorCreator, actorName, actorDetached, actorGetIfExists, actorLife, actorRegistered, actorIncarnation, actorCause, actorData } = L;
  const { registry, killBy, killActor, killNoRestart } = L;
  const pCounterJob = L.counterJob;
  const pCounterActor = L.counterActor;

  let b: Uint32Array = new Uint32Array(0); // the buffer being read or written
  let o = 0; // the word offset of the successor being written

  const get = (pos: number, bits: number): number => (b[o + (pos >>> 5)]! >>> (pos & 31)) & ((1 << bits) - 1);
  const set = (pos: number, bits: number, v: number): void => {
    const i = o + (pos >>> 5);
    const s = pos & 31;
    const m = ((1 << bits) - 1) << s;
    b[i] = (b[i]! & ~m) | ((v << s) & m);
  };

  /** `addHandle`: a strong handle is never weakened. */
  const addWeak = (ji: number, k: number): void => {
    const p = handle[ji * K + k]!;
    if (get(p, 2) !== HANDLE_STRONG) set(p, 2, HANDLE_WEAK);
  };
  /** `releaseName`: unchecked, like Ray's RemoveActorNameFromRegistry. */
  const releaseName = (k: number): void => {
    const ns = get(jobNs[get(actorCreator[k]!, wJobIdx)]!, wNs);
    set(registry[ns * M + get(actorName[k]!, wName)]!, wAct, 0);
  };
  /** `destroy` (keep = false: with no restarts, nothing is kept for lineage). */
  const destroy = (k: number, cause: number): void => {
    const life = get(actorLife[k]!, 2);
    if (life !== LIFE_DEAD) {
      if (life !== LIFE_UNREADY) set(actorIncarnation[k]!, 1, 1); // processGone: the process existed
      set(actorCause[k]!, 3, cause);
      set(actorLife[k]!, 2, LIFE_DEAD);
    }
    set(actorRegistered[k]!, 1, 0);
    releaseName(k);
  };
  /** `workerDied` with no restart possible; returns the rule that decided the name's fate. */
  const workerDied = (k: number, cause: number): number => {
    set(actorIncarnation[k]!, 1, 1);
    set(actorLife[k]!, 2, LIFE_DEAD);
    set(actorCause[k]!, 3, cause);
    if (get(actorDetached[k]!, 1) === 1) {
      set(actorRegistered[k]!, 1, 0);
      releaseName(k);
      return RULE.detachedFreed;
    }
    return RULE.nameKept;
  };

  // The call being served: its source state, output, and successors so far.
  let src: Uint32Array = b;
  let so = 0;
  let out: Uint32Array = b;
  let moves: Int32Array = new Int32Array(0);
  let rules: Int32Array = new Int32Array(0);
  let n = 0;
  /** Starts a successor: a copy of the source state. */
  const begin = (move: number): void => {
    const to = n * W;
    for (let w = 0; w < W; w++) out[to + w] = src[so + w]!;
    moves[n] = move;
    b = out;
    o = to;
  };
  /** Ends a successor with its rules. */
  const end = (r: number): void => {
    rules[n] = r;
    n++;
    b = src;
    o = so;
  };
  const bumpOps = (i: number): void => set(slotOps[i]!, wOps, get(slotOps[i]!, wOps) + 1);

  return (src_, so_, out_, moves_, rules_) => {
    src = src_;
    so = so_;
    out = out_;
    moves = moves_;
    rules = rules_;
    n = 0;
    b = src;
    o = so;
    const cJob = get(pCounterJob, wJob);
    const cActor = get(pCounterActor, wAct);
    let blocked = 0; // job indices with a kill pending: their requests wait for it
    let kills = 0;
    for (; kills < D; kills++) {
      const by = get(killBy[kills]!, wJob);
      if (by === 0) break;
      blocked |= 1 << (by - 1);
    }
    // Drivers start in a namespace already in use or in the first unused one (universe.ts).
    let used = 0;
    for (let ji = 0; ji < cJob; ji++) used |= 1 << get(jobNs[ji]!, wNs);
    let open = 0;
    while ((used & (1 << open)) !== 0) open++;
    if (open < NS) open++;

    for (let i = 0; i < D; i++) {
      const j = get(slotJob[i]!, wJob);
      if (j === 0) {
        for (let ns = 0; ns < open; ns++) {
          begin(moveCode(MOVE.init, i, 0, ns));
          set(slotJob[i]!, wJob, cJob + 1);
          set(jobNs[cJob]!, wNs, ns);
          set(pCounterJob, wJob, cJob + 1);
          end(RULE.init);
        }
        continue;
      }
      const ji = j - 1;
      if (get(jobFinished[ji]!, 1) === 1) continue;
      const isBlocked = (blocked & (1 << ji)) !== 0;
      const infl = get(jobInflight[ji]!, 2);
      const ns = get(jobNs[ji]!, wNs);
      if (infl !== INFL_NONE) {
        if (isBlocked) continue;
        begin(moveCode(MOVE.continue, i, 0, 0));
        const name = get(jobInflightName[ji]!, wName);
        const det = get(jobInflightDetached[ji]!, 1);
        set(jobInflight[ji]!, 2, INFL_NONE);
        set(jobInflightName[ji]!, wName, 0);
        set(jobInflightDetached[ji]!, 1, 0);
        const rp = registry[ns * M + name]!;
        const holder = get(rp, wAct);
        if (infl === INFL_GIE_LOOKUP_AGAIN) {
          if (holder !== 0) {
            addWeak(ji, holder - 1);
            end(RULE.lostRace);
          } else end(RULE.reraise);
        } else if (holder !== 0) {
          if (infl === INFL_CREATE_REGISTER) end(RULE.registerTaken);
          else {
            set(jobInflight[ji]!, 2, INFL_GIE_LOOKUP_AGAIN);
            set(jobInflightName[ji]!, wName, name);
            set(jobInflightDetached[ji]!, 1, det);
            end(0);
          }
        } else {
          const k = cActor; // register: the next actor number is cActor + 1
          set(pCounterActor, wAct, cActor + 1);
          set(actorCreator[k]!, wJobIdx, ji);
          set(actorName[k]!, wName, name);
          set(actorDetached[k]!, 1, det);
          set(actorGetIfExists[k]!, 1, infl === INFL_GIE_REGISTER ? 1 : 0);
          set(actorLife[k]!, 2, LIFE_UNREADY);
          set(actorRegistered[k]!, 1, 1);
          set(rp, wAct, k + 1);
          set(handle[ji * K + k]!, 2, HANDLE_STRONG);
          end(det === 1 ? RULE.detached : RULE.registered);
        }
        continue;
      }
      if (get(slotOps[i]!, wOps) >= opsOf[i]!) continue;
      if (!isBlocked) {
        for (let name = 0; name < M; name++) {
          const holder = get(registry[ns * M + name]!, wAct);
          for (let gie = 0; gie < 2; gie++) {
            if (gie === 0 ? !opCreate : !opGie) continue;
            for (let det = 0; det < 2; det++) {
              begin(moveCode(MOVE.create, i, 0, name | (gie << 3) | (det << 4)));
              bumpOps(i);
              if (holder !== 0 && gie === 1) {
                addWeak(ji, holder - 1);
                end(RULE.gieExisting);
              } else if (holder !== 0) {
                end(RULE.precheckTaken);
              } else {
                set(jobInflight[ji]!, 2, gie === 1 ? INFL_GIE_REGISTER : INFL_CREATE_REGISTER);
                set(jobInflightName[ji]!, wName, name);
                set(jobInflightDetached[ji]!, 1, det);
                end(0);
              }
            }
          }
          if (opGet) {
            begin(moveCode(MOVE.get, i, 0, name));
            bumpOps(i);
            if (holder === 0) end(RULE.getNotFound);
            else {
              addWeak(ji, holder - 1);
              end(get(actorLife[holder - 1]!, 2) === LIFE_DEAD ? RULE.getDead : RULE.getFound);
            }
          }
        }
      }
      for (let k = 0; k < cActor; k++) {
        if (get(handle[ji * K + k]!, 2) === HANDLE_NONE) continue;
        const life = get(actorLife[k]!, 2);
        const waiting = life === LIFE_UNREADY || life === LIFE_PENDING; // registered, since destroyed actors are DEAD
        if (!isBlocked) {
          if (opCall && !waiting) {
            begin(moveCode(MOVE.call, i, k, 0));
            bumpOps(i);
            if (life === LIFE_DEAD) end(RULE.callDead);
            else {
              set(actorData[k]!, wData, get(actorData[k]!, wData) + 1);
              end(RULE.callOk);
            }
          }
          for (let nr = 1; nr >= 0; nr--) {
            if (nr === 1 ? !opKill : !opKillRestart) continue;
            begin(moveCode(nr === 1 ? MOVE.kill : MOVE.killRestart, i, k, 0));
            bumpOps(i);
            set(killBy[kills]!, wJob, j);
            set(killActor[kills]!, wAct, k + 1);
            set(killNoRestart[kills]!, 1, nr);
            end(RULE.killSent);
          }
          if (opDrop) {
            begin(moveCode(MOVE.drop, i, k, 0));
            bumpOps(i);
            set(handle[ji * K + k]!, 2, HANDLE_NONE);
            end(RULE.dropOk);
          }
        }
        // exit_actor() runs in the actor: its caller is the actor, whose requests no kill of the driver holds back.
        if (opExitActor && !waiting) {
          begin(moveCode(MOVE.exitActor, i, k, 0));
          bumpOps(i);
          if (life === LIFE_ALIVE) end(RULE.exitActor | (workerDied(k, CAUSE_INTENDED_USER_EXIT) << 8));
          else end(RULE.callerDead);
        }
      }
      if (isBlocked) continue;
      if (opList) {
        begin(moveCode(MOVE.list, i, 0, 0));
        bumpOps(i);
        end(RULE.listOk);
      }
      if (opExit) {
        begin(moveCode(MOVE.exit, i, 0, 0));
        bumpOps(i);
        set(jobFinished[ji]!, 1, 1);
        for (let k = 0; k < cActor; k++) set(handle[ji * K + k]!, 2, HANDLE_NONE);
        end(RULE.exitDriver);
      }
    }

    for (let k = 0; k < cActor; k++) {
      if (get(actorRegistered[k]!, 1) === 0) continue;
      const ci = get(actorCreator[k]!, wJobIdx);
      const det = get(actorDetached[k]!, 1);
      const life = get(actorLife[k]!, 2);
      const ownerGone = get(jobFinished[ci]!, 1) === 1 && (det === 0 || life === LIFE_UNREADY);
      if (ownerGone) {
        begin(moveCode(MOVE.ownerDeath, 0, k, 0));
        destroy(k, CAUSE_OWNER_DIED);
        end(RULE.ownerDied);
        continue;
      }
      if (det === 0 && get(handle[ci * K + k]!, 2) !== HANDLE_STRONG) {
        begin(moveCode(MOVE.outOfScope, 0, k, 0));
        destroy(k, CAUSE_OUT_OF_SCOPE);
        end(RULE.scopeDestroy);
        begin(moveCode(MOVE.lineage, 0, k, 0));
        destroy(k, CAUSE_REF_DELETED);
        end(RULE.lineageDestroy);
      }
      if (life === LIFE_UNREADY) {
        begin(moveCode(MOVE.scheduled, 0, k, 0));
        set(actorLife[k]!, 2, LIFE_PENDING);
        end(RULE.scheduled);
      } else if (life === LIFE_PENDING) {
        begin(moveCode(MOVE.created, 0, k, 0));
        set(actorLife[k]!, 2, LIFE_ALIVE);
        set(actorData[k]!, wData, 1 + get(actorGetIfExists[k]!, 1)); // Counter() → 0, Counter(1) → 1; stored + 1
        end(RULE.created);
      }
    }

    for (let p = 0; p < kills; p++) {
      const a = get(killActor[p]!, wAct);
      const nr = get(killNoRestart[p]!, 1);
      begin(moveCode(MOVE.killProcessed, 0, p, 0));
      // The GCS takes the oldest pending kill of this actor with this no_restart, which may be another caller's.
      let q = 0;
      while (get(killActor[q]!, wAct) !== a || get(killNoRestart[q]!, 1) !== nr) q++;
      for (; q + 1 < kills; q++) {
        set(killBy[q]!, wJob, get(killBy[q + 1]!, wJob));
        set(killActor[q]!, wAct, get(killActor[q + 1]!, wAct));
        set(killNoRestart[q]!, 1, get(killNoRestart[q + 1]!, 1));
      }
      set(killBy[kills - 1]!, wJob, 0);
      set(killActor[kills - 1]!, wAct, 0);
      set(killNoRestart[kills - 1]!, 1, 0);
      const k = a - 1;
      const life = get(actorLife[k]!, 2);
      if (get(actorRegistered[k]!, 1) === 0) end(RULE.killGone);
      else if (nr === 1) {
        destroy(k, CAUSE_RAY_KILL);
        end(RULE.killDestroy);
      } else if (life === LIFE_ALIVE || life === LIFE_PENDING) {
        end(workerDied(k, CAUSE_WORKER_DIED));
      } else end(RULE.killNoop);
    }
    return n;
  };
}
