import { describe, expect, it } from "vitest";
import {
  commandEnabled, enabledInternalEvents, firstInternalEvent, initialState, transition,
  type ModelEvent, type Observation, type ProfileName, type State,
} from "./index.js";

/** Applies events in order; returns the final state and every observation. */
function play(profile: ProfileName, events: ModelEvent[], start: State = initialState(profile)): { state: State; seen: Observation[] } {
  let state = start;
  const seen: Observation[] = [];
  for (const e of events) {
    const t = transition(state, e);
    state = t.state;
    seen.push(...t.observations);
  }
  return { state, seen };
}

/** Runs internal events, first enabled first, until none is left. */
function settle(state: State): State {
  for (let e = firstInternalEvent(state); e !== null; e = firstInternalEvent(state)) state = transition(state, e).state;
  return state;
}

const created = (profile: ProfileName, extra: Partial<Extract<ModelEvent, { type: "create" }>> = {}) => {
  const { state } = play(profile, [
    { type: "init", namespace: "n" },
    { type: "create", caller: "j1", cls: "Counter", name: "w", ...extra },
    { type: "continue", caller: "j1" },
  ]);
  return settle(state);
};

describe("restarts", () => {
  it("an owned actor whose owner is dead is not restarted, even with restarts left (docs/semantics.md#owner.died)", () => {
    const s = created("ray", { maxRestarts: 3 });
    // The driver exits; before the GCS processes the owner's death, the actor crashes.
    const { state } = play("ray", [{ type: "exit", caller: "j1" }, { type: "actor.crashed", actor: "a1" }], s);
    expect(state.actors.a1?.lifecycle).toBe("DEAD");
    expect(state.actors.a1?.numRestarts).toBe(0);
  });

  it("a detached actor restarts after its creator is gone", () => {
    const s = created("ray", { maxRestarts: 1, lifetime: "detached" });
    const { state } = play("ray", [{ type: "exit", caller: "j1" }, { type: "actor.crashed", actor: "a1" }], s);
    expect(state.actors.a1.lifecycle).toBe("RESTARTING");
  });

  it("kill(no_restart=False) of an actor being restarted uses up another restart", () => {
    const s = created("ray", { maxRestarts: 2, lifetime: "detached" });
    const { state } = play("ray", [
      { type: "actor.crashed", actor: "a1" },
      { type: "kill", caller: "j1", actor: "a1", noRestart: false },
      { type: "kill.processed", actor: "a1", noRestart: false },
    ], s);
    expect(state.actors.a1.lifecycle).toBe("RESTARTING");
    expect(state.actors.a1.numRestarts).toBe(2);
  });
});

describe("a call in flight is answered at most once (max_task_retries=0)", () => {
  const greeter = () => created("ray", { cls: "Greeter", args: ["hi"], maxRestarts: 1, lifetime: "detached" });

  it("a call to a live actor that may restart is sent, then answered by the process it was sent to", () => {
    const { state, seen } = play("ray", [{ type: "call", caller: "j1", actor: "a1", method: "say_hello" }], greeter());
    expect(seen).toEqual([]);
    expect(state.inflight.j1).toMatchObject({ op: "call", actor: "a1", incarnation: state.actors.a1.incarnation });
    const done = play("ray", [{ type: "continue", caller: "j1" }], state).seen;
    expect(done).toMatchObject([{ caller: "j1", rule: "call.ok", result: { kind: "value", value: "hi" } }]);
  });

  it("fails with ActorDied when the process dies while the call is in flight, though the actor restarts", () => {
    const { state, seen } = play("ray", [
      { type: "call", caller: "j1", actor: "a1", method: "say_hello" },
      { type: "kill", caller: "j1", actor: "a1", noRestart: false },
      { type: "kill.processed", actor: "a1", noRestart: false },
      { type: "continue", caller: "j1" },
    ], greeter());
    expect(seen.at(-1)).toMatchObject({ caller: "j1", rule: "call.lostInFlight", result: { kind: "error", error: "ActorDied" } });
    expect(state.actors.a1.lifecycle).toBe("RESTARTING");
  });

  it("fails too when the process crashed and the actor is already back (a new incarnation)", () => {
    const { seen } = play("ray", [
      { type: "call", caller: "j1", actor: "a1", method: "say_hello" },
      { type: "actor.crashed", actor: "a1" },
      { type: "actor.restarted", actor: "a1" },
      { type: "continue", caller: "j1" },
    ], greeter());
    expect(seen.at(-1)).toMatchObject({ rule: "call.lostInFlight", result: { error: "ActorDied" } });
  });

  it("an actor that cannot restart answers at once (a death in between is the same as a call after it)", () => {
    const { state, seen } = play("ray", [{ type: "call", caller: "j1", actor: "a1", method: "say_hello" }], created("ray", { cls: "Greeter", args: ["hi"] }));
    expect(state.inflight.j1).toBeUndefined();
    expect(seen).toMatchObject([{ rule: "call.ok", result: { value: "hi" } }]);
  });
});

describe("get-or-create that loses the race to an actor already gone", () => {
  // d2 looks up (miss), d1 creates and registers "w", d2's registration is refused,
  // d1 kills "w" and the kill is processed, d2 looks up again (miss).
  const events = (): ModelEvent[] => [
    { type: "init", namespace: "n" },
    { type: "init", namespace: "n" },
    { type: "create", caller: "j2", cls: "Counter", name: "w", getIfExists: true },
    { type: "create", caller: "j1", cls: "Counter", name: "w", lifetime: "detached" },
    { type: "continue", caller: "j1" },
    { type: "continue", caller: "j2" },
    { type: "kill", caller: "j1", actor: "a1" },
    { type: "kill.processed", actor: "a1", noRestart: true },
    { type: "continue", caller: "j2" },
  ];

  it("surfaces the final lookup's NotFound in every Ray release (2.49.2, 2.54.1 and 2.60.0 read)", () => {
    for (const profile of ["ray", "ray-2.49"] as const) {
      const last = play(profile, events()).seen.at(-1);
      expect(last, profile).toMatchObject({ caller: "j2", rule: "getIfExists.lookupError", result: { kind: "error", error: "NotFound" } });
    }
  });

  it("re-raises the creation error in the seed's reading (the first version of PR #58628)", () => {
    const last = play("seed", events()).seen.at(-1);
    expect(last).toMatchObject({ caller: "j2", rule: "getIfExists.reraise", result: { kind: "error", error: "NameTaken" } });
  });
});

describe("ownership", () => {
  it("a get-or-create handle to an existing actor is weak: the creator's drop still ends the actor", () => {
    let { state } = play("ray", [
      { type: "init", namespace: "n" },
      { type: "init", namespace: "n" },
      { type: "create", caller: "j1", cls: "Counter", name: "w" },
      { type: "continue", caller: "j1" },
    ]);
    state = settle(state);
    state = transition(state, { type: "create", caller: "j2", cls: "Counter", name: "w", getIfExists: true }).state;
    expect(state.handles.j2.a1).toBe("weak");
    state = settle(transition(state, { type: "drop", caller: "j1", actor: "a1" }).state);
    expect(state.actors.a1).toBeUndefined();
    expect(state.destroyed.a1.deathCause).toBe("OUT_OF_SCOPE");
  });

  it("a caller's next step waits until its own kill is processed", () => {
    const s = created("ray", { lifetime: "detached" });
    const after = transition(s, { type: "kill", caller: "j1", actor: "a1" }).state;
    expect(enabledInternalEvents(after)).toEqual([{ type: "kill.processed", actor: "a1", noRestart: true }]);
    expect(commandEnabled(after, { type: "get", caller: "j1", name: "w" })).toBe(false);
    expect(commandEnabled(settle(after), { type: "get", caller: "j1", name: "w" })).toBe(true);
  });
});

describe("namespaces", () => {
  it("an anonymous namespace never lands on one a driver named", () => {
    const { state } = play("ray", [{ type: "init", namespace: "00000002-0000-4000-8000-000000000000" }, { type: "init" }]);
    expect(state.jobs.j2.anonymous).toBe(true);
    expect(state.jobs.j2.namespace).not.toBe(state.jobs.j1.namespace);
    expect(state.jobs.j2.namespace).toMatch(/^[0-9a-f]{8}-0000-4000-8000-[0-9a-f]{12}$/);
  });
});
