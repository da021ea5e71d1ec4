import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../sim/scenario/parse.js";
import { ProcessTarget } from "./process.js";
import { runOnTarget } from "./run-target.js";

const FIXTURE = join(process.cwd(), "adapters", "fixtures", "misbehave.mjs");
const scenario = parseScenario("s.json", JSON.stringify({
  title: "one driver", profile: "ray",
  steps: [{ by: "d1", do: "init" }, { by: "d1", do: "create", class: "Counter", name: "x", as: "x" }, { by: "d1", do: "call", actor: "x", method: "incr", expect: { value: 1 } }],
}));

async function verdictOf(mode: string) {
  const target = new ProcessTarget(`node ${JSON.stringify(FIXTURE)} ${mode}`, { stepTimeoutMs: 800 });
  const started = performance.now();
  try {
    const result = await runOnTarget(scenario, target);
    return { result, ms: performance.now() - started };
  } finally {
    await target.close();
  }
}

/** How many `sleep 1000` processes run on this machine. */
function sleepers(): number {
  try {
    return Number(execFileSync("pgrep", ["-fc", "^sleep 1000$"], { encoding: "utf8" }).trim());
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

describe("a misbehaving implementation gets a verdict, never a hang", () => {
  it("one that never answers: timeout, within the deadline", async () => {
    const { result, ms } = await verdictOf("hang");
    expect(result.verdict?.kind).toBe("timeout");
    expect(result.verdict?.message).toMatch(/no answer to reset within 2\.4 s/);
    expect(ms).toBeLessThan(10_000);
  });

  it("one that exits at once: died, with its status", async () => {
    const { result } = await verdictOf("exit");
    expect(result.verdict?.kind).toBe("died");
    expect(result.verdict?.message).toMatch(/exited with status 3/);
  });

  it("one that prints garbage: protocol", async () => {
    const { result } = await verdictOf("garbage");
    expect(result.verdict?.kind).toBe("protocol");
    expect(result.verdict?.message).toMatch(/not JSON: "hello there"/);
  });

  it("one that answers an id it was not asked: protocol", async () => {
    const { result } = await verdictOf("wrong-id");
    expect(result.verdict?.kind).toBe("protocol");
    expect(result.verdict?.message).toMatch(/was not asked/);
  });

  it("one that stalls on a step: timeout naming the step", async () => {
    const { result } = await verdictOf("stall-step");
    expect(result.verdict).toMatchObject({ kind: "timeout", path: { index: 0 } });
    expect(result.verdict?.message).toMatch(/no answer to step init/);
  });

  it("one that dies mid-scenario: died naming the step, with its last words", async () => {
    const { result } = await verdictOf("die-on-step");
    expect(result.verdict).toMatchObject({ kind: "died", path: { index: 0 } });
    expect(result.verdict?.message).toMatch(/exited with status 7.*oh no, a step/);
  });

  it("leaves no process behind when it is stopped", async () => {
    const before = sleepers();
    const { result } = await verdictOf("spawn-and-hang");
    expect(result.verdict?.kind).toBe("timeout");
    await new Promise((r) => setTimeout(r, 300));
    expect(sleepers()).toBe(before);
  });
});

describe("the target's own log", () => {
  it("keeps every request, reply, stderr line and the verdict, and the verdict names it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollcall-target-log-"));
    try {
      const target = new ProcessTarget(`node ${JSON.stringify(FIXTURE)} die-on-step`, { stepTimeoutMs: 5_000, logDir: join(dir, "logs"), label: "misbehave" });
      let result;
      try {
        result = await runOnTarget(scenario, target);
      } finally {
        await target.close();
      }
      const files = readdirSync(join(dir, "logs"));
      expect(files).toHaveLength(1);
      const file = join(dir, "logs", files[0] as string);
      expect(files[0]).toMatch(/^misbehave-\d{8}-\d{6}-\d+-\d+\.log$/);
      expect(result.verdict?.message).toContain(`(its log: ${file})`);
      const lines = readFileSync(file, "utf8").trimEnd().split("\n");
      const kinds = lines.map((l) => l.split(" ")[1]);
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z # started in /);
      expect(lines).toContainEqual(expect.stringMatching(/ > \{"id":1,"type":"reset","profile":"ray"\}$/));
      expect(lines).toContainEqual(expect.stringMatching(/ < \{"id":1,"ok":true,"result":\{\}\}$/));
      expect(lines).toContainEqual(expect.stringMatching(/ > \{"id":\d+,"type":"step","do":"init"/));
      expect(lines).toContainEqual(expect.stringMatching(/ ! oh no, a step$/));
      expect(lines).toContainEqual(expect.stringMatching(/ # died: the implementation exited with status 7/));
      // The implementation was told where its own logs may go: beside the log, absolute.
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(` ! my own logs go to ${file.replace(/\.log$/, ".d").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)));
      expect(kinds.every((k) => k === ">" || k === "<" || k === "!" || k === "#")).toBe(true);
      expect(lines.at(-1)).toMatch(/ # stopped$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the model served over the protocol", () => {
  it("passes a scenario through the process adapter", async () => {
    const target = new ProcessTarget(`node ${JSON.stringify(join(process.cwd(), "dist", "cli", "main.js"))} serve-model`, { stepTimeoutMs: 10_000 });
    try {
      expect(await target.hello()).toMatchObject({ name: "rollcall-model", profiles: ["ray", "seed", "ray-2.49"] });
      const result = await runOnTarget(scenario, target);
      expect(result.passed).toBe(true);
    } finally {
      await target.close();
    }
  });
});
