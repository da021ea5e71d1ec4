import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The fuzzer and the runtime run from the built files (`npm test` builds first).
const MAIN = join(process.cwd(), "dist", "cli", "main.js");
const DIST = join(process.cwd(), "dist", "runtime");
const { BUGS } = (await import(join(DIST, "bugs.js"))) as typeof import("./bugs.js");

/**
 * Each seeded bug with the budget under which the fuzzer finds it, found by
 * experiment (bench/bugs.sh, which found each within --runs 200 --seed 1 at
 * half these caps or fewer) and pinned: program generation is deterministic
 * for a seed, so the difference shows up in the same program every time.
 * `race`: fuzzed with --race (the bug only shows when two calls overlap);
 * whether a generated race really overlaps in the runtime depends on timing, so
 * its budget is three times the worst seen (bench/bugs.sh found it in 2–5).
 */
const BUDGETS: Record<string, Budget> = {
  "get-or-create-no-retry": { runs: 60, seed: 1, race: true },
  "name-never-freed": { runs: 26, seed: 1 },
  "name-freed-on-death": { runs: 10, seed: 1 },
  "restart-default-args": { runs: 120, seed: 1 },
  "driver-exit-leaks-owned": { runs: 230, seed: 1 },
  "stale-lookup-cache": { runs: 50, seed: 1 },
  "detached-killed-at-job-exit": { runs: 22, seed: 1 },
  "get-all-namespaces": { runs: 18, seed: 1 },
  "list-dead": { runs: 10, seed: 1 },
  "lineage-keeps-dropped": { runs: 14, seed: 1 },
  "kill-restart-free": { runs: 48, seed: 1 },
  "exit-actor-restarts": { runs: 34, seed: 1 },
  // The bugs of worker nodes, fuzzed with --nodes 2 (programs add, kill and drain nodes): found in
  // programs 236 and 105 (bench/bugs.sh); the caps are about 1.3x and 1.4x that, since a program with
  // nodes takes about a second here and twice the programs would cost this file minutes more.
  "owner-node-one-child": { runs: 300, seed: 1, nodes: 2 },
  "detached-killed-with-creator": { runs: 150, seed: 1, nodes: 2 },
  // The bugs of GCS restarts, fuzzed with --gcs (programs stop and restart the GCS, tables in Redis): found
  // in programs 13 and 12 (fuzz --target node --gcs --bug NAME --runs 300 --seed 1); caps about twice that.
  "gcs-restart-unkillable": { runs: 26, seed: 1, gcs: true },
  "gcs-reload-forgets-children": { runs: 25, seed: 1, gcs: true },
};

interface Budget {
  readonly runs: number;
  readonly seed: number;
  readonly race?: boolean;
  /** Worker nodes the programs may add (`--nodes`). */
  readonly nodes?: number;
  /** The programs stop and restart the GCS (`--gcs`). */
  readonly gcs?: boolean;
}

/**
 * The bugs of worker nodes and of GCS restarts (format version 2) are also
 * each shown by scenarios that pass on the model and on the runtime without
 * the bug, and fail with it at that step.
 */
const SCENARIOS: Record<string, { file: string; step: string; observed: RegExp }[]> = {
  // The child of the detached parent outlives it: the reloaded child forgot its owner.
  "gcs-reload-forgets-children": [
    { file: "scenarios/15-gcs/04-parent-killed-while-down.json", step: "steps[11] (d1 get)", observed: /expected error NotFound\n\s+observed a handle to 'child'/ },
    { file: "scenarios/15-gcs/03-job-ended-and-parent-killed-while-down.json", step: "steps[12] (d2 get)", observed: /expected error NotFound\n\s+observed a handle to 'child'/ },
  ],
  // The kill after the restart does nothing.
  "gcs-restart-unkillable": [
    { file: "scenarios/15-gcs/08-kill-after-a-restart.json", step: "steps[4] (d1 state)", observed: /expected state DEAD\n\s+observed state ALIVE/ },
  ],
  "owner-node-one-child": [
    // Only c1 of the three children of the actor p is destroyed when p's node dies: c2 is still there.
    { file: "scenarios/14-nodes/05-owner-on-dead-node.json", step: "steps[10] (d1 get)", observed: /expected error NotFound\n\s+observed a handle to 'c2'/ },
    // The same with a driver as the owner (the model's mutant of that name fails this one too).
    { file: writeScenario("driver-owner-on-dead-node.json", {
      version: 2,
      title: "A driver on a node that dies owned two actors on another node: both are destroyed",
      about: "runtime/bugs.test.ts: the seeded bug owner-node-one-child with a driver as the owner (docs/semantics.md#node.ownerDied)",
      steps: [
        { do: "addNode", node: "w1" },
        { do: "addNode", node: "w2" },
        { by: "d1", do: "init", namespace: "svc" },
        { by: "d2", do: "init", namespace: "svc", node: "w1" },
        { by: "d2", do: "create", class: "Counter", name: "a", maxRestarts: 1, node: "w2", as: "a" },
        { by: "d2", do: "create", class: "Counter", name: "b", maxRestarts: 1, node: "w2", as: "b" },
        { do: "killNode", node: "w1" },
        { by: "d1", do: "get", name: "a", expect: { error: "NotFound" } },
        { by: "d1", do: "get", name: "b", expect: { error: "NotFound" } },
        { by: "d1", do: "list", expect: { names: [] } },
      ],
    }), step: "steps[8] (d1 get)", observed: /expected error NotFound\n\s+observed a handle to 'b'/ },
  ],
  "detached-killed-with-creator": [
    // kept, detached, created by the actor maker on the node that dies, is killed with it: its name is gone.
    { file: "scenarios/14-nodes/06-detached-child-survives-owner-node.json", step: "steps[7] (d1 get)", observed: /expected a handle to 'kept'\n\s+observed error NotFound/ },
    // free, detached, created by the driver d2 on the node that dies.
    { file: "scenarios/14-nodes/07-driver-on-dead-node.json", step: "steps[8] (d1 get)", observed: /expected a handle to 'free'\n\s+observed error NotFound/ },
  ],
};

/** Writes a scenario of this file's own into a temporary folder (removed after the tests); its path. */
function writeScenario(name: string, scenario: object): string {
  const dir = mkdtempSync(join(tmpdir(), "rollcall-bug-scenario-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(scenario, null, 2));
  return file;
}

/** How long the fuzzer may shrink a difference: enough to write a scenario, short enough for the file's time budget. */
const SHRINK_SECONDS = 2;

interface FuzzRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly scenario: { steps: unknown[] } | null;
}

/** At most two fuzzer runs at once (2 cores): a queue of slots. */
let slots = 2;
const queue: (() => void)[] = [];
async function withSlot<T>(f: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((r) => queue.push(r));
  else slots -= 1;
  try {
    return await f();
  } finally {
    const next = queue.shift();
    if (next !== undefined) next();
    else slots += 1;
  }
}

/** Runs `rollcall fuzz --target node` (with ROLLCALL_BUG set through --bug, or none) and reads the scenario it wrote. */
function runFuzz(budget: Budget, bug?: string): Promise<FuzzRun> {
  const out = mkdtempSync(join(tmpdir(), "rollcall-bugs-"));
  const args = [MAIN, "fuzz", "--target", "node", "--runs", String(budget.runs), "--seed", String(budget.seed), "--shrink-time", String(SHRINK_SECONDS), "--out", out];
  if (bug !== undefined) args.push("--bug", bug);
  if (budget.race === true) args.push("--race");
  if (budget.nodes !== undefined) args.push("--nodes", String(budget.nodes));
  if (budget.gcs === true) args.push("--gcs");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("exit", (status) => {
      const file = readdirSync(out).find((f) => f.endsWith(`seed${budget.seed}.json`));
      const scenario = file === undefined ? null : (JSON.parse(readFileSync(join(out, file), "utf8")) as { steps: unknown[] });
      rmSync(out, { recursive: true, force: true });
      resolve({ status, stdout, scenario });
    });
  });
}

describe("the seeded bugs of the Node runtime", () => {
  it("every bug in the catalogue has a pinned budget", () => {
    expect(Object.keys(BUDGETS).sort()).toEqual(Object.keys(BUGS).sort());
    expect(Object.keys(SCENARIOS).filter((b) => !Object.hasOwn(BUGS, b))).toEqual([]);
    expect(Object.keys(BUGS).length).toBeGreaterThanOrEqual(10);
  });

  it("an unknown ROLLCALL_BUG makes hello and reset fail with an Internal error naming the known bugs", () => {
    const r = spawnSync(process.execPath, [join(DIST, "adapter.js")], {
      input: '{"id":1,"type":"hello","protocol":1}\n{"id":2,"type":"reset","profile":"ray"}\n',
      env: { ...process.env, ROLLCALL_BUG: "no-such-bug" },
      encoding: "utf8",
      timeout: 20_000,
    });
    const replies = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { ok: boolean; error?: { kind: string; message: string } });
    expect(replies).toHaveLength(2);
    for (const reply of replies) {
      expect(reply.ok).toBe(false);
      expect(reply.error?.kind).toBe("Internal");
      expect(reply.error?.message).toContain("no-such-bug");
      expect(reply.error?.message).toContain("name-never-freed");
    }
  });

  // Two at a time: each run is the fuzzer plus a cluster of processes.
  describe.concurrent("each is found by the fuzzer within its budget", { timeout: 600_000 }, () => {
    for (const [bug, budget] of Object.entries(BUDGETS)) {
      it(`${bug} (--runs ${budget.runs} --seed ${budget.seed}${budget.race === true ? " --race" : ""}${budget.nodes !== undefined ? ` --nodes ${budget.nodes}` : ""}${budget.gcs === true ? " --gcs" : ""})`, async () => {
        const r = await withSlot(() => runFuzz(budget, bug));
        expect(r.status, r.stdout).toBe(1);
        expect(r.scenario, r.stdout).not.toBeNull();
        expect(r.scenario!.steps.length).toBeGreaterThan(0);
      });
    }
  });

  describe.concurrent("each bug of worker nodes and of GCS restarts fails its scenario on the runtime, which passes on the model and on the runtime without it", { timeout: 120_000 }, () => {
    const run = (args: string[]) => withSlot(() => new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [MAIN, "run", ...args], { stdio: ["ignore", "pipe", "ignore"] });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.on("exit", (status) => resolve({ status, stdout }));
    }));
    for (const [bug, shown] of Object.entries(SCENARIOS)) for (const { file, step, observed } of shown) {
      it(`${bug}: ${file.replace(/^.*rollcall-bug-scenario-[^/]*\//, "")} at ${step}`, async () => {
        const [withBug, without, model] = await Promise.all([run(["--target", "node", "--bug", bug, file]), run(["--target", "node", file]), run([file])]);
        expect(withBug.status, withBug.stdout).toBe(1);
        expect(withBug.stdout).toContain(`FAIL ${file}`);
        expect(withBug.stdout).toContain(`at ${step}:`);
        expect(withBug.stdout).toMatch(observed);
        expect(without.status, without.stdout).toBe(0);
        expect(model.status, model.stdout).toBe(0);
      });
    }
  });

  // So the tests above can fail: without a bug, the same kind of budget finds nothing.
  it("without a bug, a sequential budget finds no difference", { timeout: 180_000 }, async () => {
    const r = await runFuzz({ runs: 30, seed: 1 });
    expect(r.status, r.stdout).toBe(0);
    expect(r.scenario).toBeNull();
  });

  it("without a bug, a budget with GCS restarts finds no difference", { timeout: 300_000 }, async () => {
    const r = await runFuzz({ runs: 40, seed: 1, gcs: true });
    expect(r.status, r.stdout).toBe(0);
    expect(r.scenario).toBeNull();
    expect(r.stdout).toContain("differences 0");
  });

  it("without a bug, a budget with node faults finds no difference", { timeout: 300_000 }, async () => {
    const r = await runFuzz({ runs: 60, seed: 1, nodes: 2 });
    expect(r.status, r.stdout).toBe(0);
    expect(r.scenario).toBeNull();
    expect(r.stdout).toContain("differences 0");
  });
});
