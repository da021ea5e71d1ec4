import { describe, expect, it } from "vitest";
import {
  applyInPlace, canonicalJson, isFault, commandEnabled, enabledInternalEvents, firstInternalEvent, initialState, Ledger, MUTANT_NAMES, transition,
  type ModelEvent, type MutantName, type ProfileName, type State,
} from "./index.js";
import { DEFAULT_SPACE, eventEnabled, nextCommand, nodeEvents } from "../sim/programs.js";
import { Rng } from "../sim/rng.js";

/**
 * One random program, interleaved (any enabled internal event, any caller's
 * next step, a new command): the working state with its ledger against the
 * immer reducer and full scans, after every event.
 */
function agree(profile: ProfileName, mutant: MutantName | undefined, seed: number, moves: number, cache?: number, nodes = false): number {
  const rng = new Rng(seed);
  const choose = (n: number): number => rng.int(n);
  let state: State = initialState(profile, mutant, cache === undefined ? undefined : { destroyedActorCache: cache });
  const working = structuredClone(state);
  const ledger = new Ledger(working);
  let evictions = 0;
  for (let i = 0; i < moves; i++) {
    expect(canonicalJson(ledger.firstInternalEvent(working)), `move ${i}`).toBe(canonicalJson(firstInternalEvent(state)));
    const options: ModelEvent[] = [...enabledInternalEvents(state)];
    for (const caller of Object.keys(state.inflight)) options.push({ type: "continue", caller });
    if (nodes) options.push(...nodeEvents(state, [rng.int(1000), rng.int(1000), rng.int(1000), rng.int(1000), rng.int(1000), rng.int(1000)]).filter((e) => eventEnabled(state, e)));
    const command = nextCommand(state, choose, { ...DEFAULT_SPACE, drivers: 4 });
    const busy = "caller" in command && state.inflight[command.caller] !== undefined;
    if (!busy && (isFault(command) ? eventEnabled(state, command) : commandEnabled(state, command))) options.push(command, command, command);
    if (options.length === 0) continue;
    const event = options[choose(options.length)];
    const t = transition(state, event);
    const fx = applyInPlace(working, event, ledger);
    expect(canonicalJson(fx.observations), `move ${i}: ${JSON.stringify(event)}`).toBe(canonicalJson(t.observations));
    expect(canonicalJson(fx.rules)).toBe(canonicalJson(t.rules));
    if (t.rules.includes("gcs.destroyedEvicted")) evictions++;
    state = t.state;
    if (i % 25 === 0 || i === moves - 1) expect(canonicalJson(working), `move ${i}`).toBe(canonicalJson(state));
  }
  expect(canonicalJson(working)).toBe(canonicalJson(state));
  return evictions;
}

describe("the ledger answers as a scan of the state does", () => {
  it.each(["ray", "seed", "ray-2.49"] as ProfileName[])("on random interleaved programs (%s), with a cache of 3 destroyed actors", (profile) => {
    let evictions = 0;
    for (let seed = 1; seed <= 12; seed++) evictions += agree(profile, undefined, seed, 400, 3);
    expect(evictions).toBeGreaterThan(10);
  });

  it.each(["ray", "seed", "ray-2.49"] as ProfileName[])("on random interleaved programs (%s), Ray's cache", (profile) => {
    for (let seed = 20; seed <= 24; seed++) agree(profile, undefined, seed, 400);
  });

  it.each(["ray", "ray-2.49"] as ProfileName[])("on random interleaved programs with nodes added, drained and dying (%s)", (profile) => {
    for (let seed = 30; seed <= 37; seed++) agree(profile, undefined, seed, 400, 3, true);
  });

  it.each(MUTANT_NAMES)("under the seeded bug %s", (mutant) => {
    for (let seed = 1; seed <= 4; seed++) agree("ray", mutant, seed, 300, 2);
  });
});

describe("Ray's bounded cache of destroyed actors", () => {
  /** A driver that creates and kills `n` actors (a1 … an), keeping its handles, in a cluster caching `cache` destroyed actors. */
  function killed(n: number, cache: number): State {
    const state = initialState("ray", undefined, { destroyedActorCache: cache });
    const ledger = new Ledger(state);
    const run = (event: ModelEvent): void => {
      applyInPlace(state, event, ledger);
      for (let e = ledger.firstInternalEvent(state); e !== null; e = ledger.firstInternalEvent(state)) applyInPlace(state, e, ledger);
    };
    run({ type: "init", namespace: "n" });
    for (let i = 1; i <= n; i++) {
      run({ type: "create", caller: "j1", cls: "Counter" });
      run({ type: "kill", caller: "j1", actor: `a${i}` });
    }
    return state;
  }

  it("keeps the most recent ones; the one destroyed longest ago is evicted first (FIFO)", () => {
    const state = killed(5, 3);
    expect(Object.keys(state.destroyed).filter((id) => state.destroyed[id].evicted !== true)).toEqual(["a3", "a4", "a5"]);
  });

  it("the state API finds no evicted actor (NotFound), a cached one is DEAD", () => {
    const state = killed(5, 3);
    const old = applyInPlace(state, { type: "state", caller: "j1", actor: "a1" });
    expect(old.observations[0].result).toMatchObject({ kind: "error", error: "NotFound" });
    expect(old.rules).toEqual(["state.evicted"]);
    const recent = applyInPlace(state, { type: "state", caller: "j1", actor: "a5" });
    expect(recent.observations[0].result).toEqual({ kind: "state", state: "DEAD" });
  });

  it("a call through an old handle still fails with ActorDied and the death's cause: the caller's worker learned it when it died", () => {
    const state = killed(5, 3);
    const t = applyInPlace(state, { type: "call", caller: "j1", actor: "a1", method: "incr" });
    expect(t.observations[0].result).toMatchObject({ kind: "error", error: "ActorDied" });
    expect((t.observations[0].result as { message: string }).message).toContain("killed by `ray.kill`");
    expect(t.rules).toEqual(["call.dead"]);
  });

  it("an evicted actor nobody holds a handle to leaves no record; its record goes when the last holder lets go", () => {
    const state = killed(4, 2);
    expect(state.destroyed["a1"]?.evicted).toBe(true);
    applyInPlace(state, { type: "drop", caller: "j1", actor: "a1" });
    applyInPlace(state, { type: "create", caller: "j1", cls: "Counter" });
    const ledgerless = [{ type: "kill", caller: "j1", actor: "a5" }, { type: "kill.processed", actor: "a5", noRestart: true }] as ModelEvent[];
    for (const e of ledgerless) applyInPlace(state, e);
    expect(state.destroyed["a1"]).toBeUndefined();
    expect(state.destroyed["a2"]?.evicted).toBe(true);
  });

  it("is Ray's default size in every profile, and at least one", () => {
    expect(() => initialState("ray", undefined, { destroyedActorCache: 0 })).toThrow(RangeError);
    for (const p of ["ray", "seed", "ray-2.49"] as const) expect(initialState(p).destroyedActorCache).toBeUndefined();
  });
});
