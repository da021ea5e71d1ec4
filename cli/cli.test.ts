import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// These run the built command line (npm test builds it first), as a user would.
const CLI = join(process.cwd(), "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "rollcall-cli-"));

function rollcall(...args: string[]) {
  // No Ray here, whatever this machine has installed: `--target ray` must say how to install it.
  const env = { ...process.env, ROLLCALL_RAY_VENV: join(tmpdir(), "rollcall-no-ray-venv") };
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 60_000, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)/m);

describe("rollcall run", () => {
  it("passes the seed examples with the closing line", () => {
    const r = rollcall("run", "scenarios/00-seed");
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n").at(-1)).toBe("8 passed, 0 failed");
    expect(r.out.match(/^PASS /gm)?.length).toBe(8);
  });

  it("reports a failing step with expected, observed and the rule, and exits 1", () => {
    const f = file("fail.json", {
      title: "expects the wrong thing", profile: "ray",
      steps: [{ by: "d1", do: "init" }, { by: "d2", do: "init" },
        { by: "d1", do: "create", class: "Counter", name: "x", as: "x" },
        { by: "d2", do: "get", name: "x", expect: { actor: "x" } }],
    });
    const r = rollcall("run", f);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL ${f}`);
    expect(r.out).toContain("at steps[3] (d2 get)");
    expect(r.out).toContain("expected a handle to 'x'");
    expect(r.out).toContain("observed error NotFound");
    expect(r.out).toContain("rule: get.notFound");
    expect(r.out.trim().split("\n").at(-1)).toBe("0 passed, 1 failed");
  });

  it("rejects invalid input with exit 2, naming file, step and field, without a stack trace", () => {
    const f = file("invalid.json", { title: "t", steps: [{ by: "d1", do: "init" }, { by: "d1", do: "get", nam: "x" }] });
    const r = rollcall("run", f);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}: steps[1].nam: unknown field`);
    expect(r.err).toContain(`${f}: steps[1].name: missing required field`);
    noStack(r.err);
    const bad = rollcall("run", file("broken.json", "{ nope"));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/broken\.json: not valid JSON/);
    noStack(bad.err);
  });

  it("exits 2 on a missing file, an unknown option, an unknown profile or target", () => {
    for (const args of [["run", join(dir, "nope.json")], ["run", "--frobnicate", "scenarios"], ["run", "--profile", "ray-1", "scenarios"], ["run", "--target", "ray", "scenarios"]]) {
      const r = rollcall(...args);
      expect(r.code, args.join(" ")).toBe(2);
      noStack(r.err);
    }
  });

  it("--json gives machine-readable results", () => {
    const r = rollcall("run", "--json", "scenarios/00-seed/06-kill-frees-name.json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ passed: 1, failed: 0, results: [{ status: "PASS", profile: "seed" }] });
  });

  it("--profile runs a scenario under another semantics", () => {
    const r = rollcall("run", "--profile", "seed", "scenarios/00-seed/07-no-namespace-ray.json");
    expect(r.code).toBe(1);
    expect(r.out).toContain("(seed)");
  });
});

describe("rollcall run on a real implementation", () => {
  const served = (profile: string) => `cmd:node ${JSON.stringify(CLI)} serve-model --as-profile ${profile}`;

  it("runs scenarios through the adapter protocol", () => {
    const r = rollcall("run", "--target", served("seed"), "scenarios/00-seed/01-name-then-get.json", "scenarios/00-seed/07-no-namespace-ray.json");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^PASS scenarios\/00-seed\/01-name-then-get\.json/m);
    expect(r.out).toMatch(/^FAIL scenarios\/00-seed\/07-no-namespace-ray\.json/m);
  });

  it("counts a known difference that happens as recorded, and fails one that no longer does", () => {
    const known = file("known.json", { differences: [
      { file: "scenarios/00-seed/07-no-namespace-ray.json", step: "steps[3]", observed: "a handle to 'a'", why: "one shared namespace" },
      { file: "scenarios/00-seed/01-name-then-get.json", step: "steps[1]", observed: "?", why: "stale entry" },
    ] });
    const r = rollcall("run", "--known", known, "--target", served("seed"), "scenarios/00-seed/07-no-namespace-ray.json", "scenarios/00-seed/01-name-then-get.json");
    expect(r.out).toMatch(/^KNOWN scenarios\/00-seed\/07-no-namespace-ray\.json/m);
    expect(r.out).toContain("passes now: update the list");
    expect(r.out.trim().split("\n").at(-1)).toBe("1 passed, 1 failed");
    expect(r.code).toBe(1);
  });

  it("stops the implementation's whole process group when it is interrupted", async () => {
    const marker = `rollcall-interrupt-${process.pid}-${Date.now()}`;
    const fixture = join(process.cwd(), "adapters", "fixtures", "misbehave.mjs");
    // The fixture starts a child of its own (sleep 1000) and never answers; rollcall waits up to 60 s for it.
    const child = spawn(process.execPath, [CLI, "run", "--step-timeout", "60", "--target", `cmd:node ${fixture} spawn-and-hang ${marker}`, "scenarios/00-seed/01-name-then-get.json"], { stdio: "ignore" });
    const groupOf = (): number | null => {
      const pids = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" }).stdout.trim().split("\n").filter((l) => l !== "" && Number(l) !== child.pid); // rollcall's own command line has the marker too
      if (pids.length === 0) return null;
      return Number(execFileSync("ps", ["-o", "pgid=", "-p", pids[0]!], { encoding: "utf8" }).trim());
    };
    let group: number | null = null;
    for (let i = 0; i < 100 && group === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      group = groupOf();
    }
    expect(group).not.toBeNull();
    await new Promise((r) => setTimeout(r, 300)); // the fixture's own child has started
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const alive = () => {
      try {
        process.kill(-group!, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });

  it("gives an implementation that hangs a verdict within the step timeout", () => {
    const started = Date.now();
    const r = rollcall("run", "--step-timeout", "1", "--target", `cmd:node -e "setInterval(() => {}, 1000)"`, "scenarios/00-seed/01-name-then-get.json");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ERROR .*\n  timeout before the first step: no answer to hello within 1\.0 s/m);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("rollcall explain", () => {
  it("tells each step: what was asked, what happened, what the caller saw, and why", () => {
    const r = rollcall("explain", "scenarios/00-seed/06-kill-frees-name.json");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Step 5. d1 runs ray.kill(old).");
    expect(r.out).toContain("the name 'CounterActor' in namespace 'default' is free again");
    expect(r.out).toContain("Why: A processed ray.kill (no_restart=True) destroys the actor and frees its name.");
    expect(r.out).toContain("The caller sees: error ActorDied");
  });
});

describe("rollcall web", () => {
  /** Starts the viewer's server on a free port; resolves with its address once it prints it. */
  function serve(...args: string[]): Promise<{ url: string; stop: () => void }> {
    const child = spawn(process.execPath, [CLI, "web", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0];
        if (url !== undefined) resolve({ url, stop: () => child.kill("SIGTERM") });
      });
      child.on("exit", (code) => reject(new Error(`rollcall web exited ${code} before printing its address: ${out}`)));
    });
  }

  it("serves the built page on 127.0.0.1, and the file it was given as preload", async () => {
    const { url, stop } = await serve("scenarios/00-seed/01-name-then-get.json");
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
      expect(script).toBeDefined();
      expect((await fetch(url + script)).headers.get("content-type")).toContain("javascript");
      const preload = (await (await fetch(url + "preload")).json()) as { name: string; text: string };
      expect(preload.name).toBe("scenarios/00-seed/01-name-then-get.json");
      expect(JSON.parse(preload.text).title).toBe("A named actor can be fetched back by its name");
      expect((await fetch(url + "nothing-here.js")).status).toBe(404);
      // One path segment that decodes to ../../package.json: outside the page, refused.
      expect((await fetch(url + "%2e%2e%2f%2e%2e%2fpackage.json")).status).toBe(404);
    } finally {
      stop();
    }
    const bare = await serve();
    try {
      expect(await (await fetch(bare.url + "preload")).json()).toBeNull();
    } finally {
      bare.stop();
    }
  });

  it("refuses a bad file or port with exit 2, naming the file and field, without a stack trace", () => {
    const f = file("web-invalid.json", { title: "t", steps: [{ by: "d1", do: "init", colour: "red" }] });
    const r = rollcall("web", "--port", "0", f);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`invalid: ${f}: steps[0].colour: unknown field`);
    noStack(r.err);
    const log = file("web-bad.jsonl", '{"type":"header","format":1,"rollcall":"0.1.0","profile":"ray","seed":1}\n{"type":"command","command":{"type":"get","caller":"j9","name":"x"},"rules":[]}\n');
    const l = rollcall("web", "--port", "0", log);
    expect(l.code).toBe(2);
    expect(l.err).toContain(`${log}: line 2: field command.caller: no driver or actor 'j9' in this log`);
    noStack(l.err);
    expect(rollcall("web", "--port", "70000").code).toBe(2);
    expect(rollcall("web", join(dir, "missing.json")).err).toContain("missing.json: cannot read the file (ENOENT)");
  });
});

describe("rollcall simulate and replay", () => {
  it("is deterministic, prints the seed first and the fingerprint last, and replays", () => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    const r1 = rollcall("simulate", "--seed", "7", "--steps", "2000", "--log", a);
    const r2 = rollcall("simulate", "--seed", "7", "--steps", "2000", "--log", b);
    expect(r1.code).toBe(0);
    expect(r1.out.split("\n")[0]).toBe("seed 7");
    const fingerprint = r1.out.trim().split("\n").at(-1);
    expect(fingerprint).toMatch(/^fingerprint [0-9a-f]{16}$/);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    const replay = rollcall("replay", a);
    expect(replay.code).toBe(0);
    expect(replay.out.trim().split("\n").at(-1)).toBe(fingerprint);
  });

  it("replay exits 1 naming the record whose observation was changed, and 2 on a broken log", () => {
    const a = join(dir, "t.jsonl");
    rollcall("simulate", "--seed", "9", "--steps", "500", "--log", a);
    const lines = readFileSync(a, "utf8").split("\n");
    const target = lines.findIndex((l) => l.includes('"kind":"state"'));
    lines[target] = lines[target].replace(/"state":"[A-Z_]+"/, '"state":"PENDING_CREATION"');
    const r = rollcall("replay", file("tampered.jsonl", lines.join("\n")));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`line ${target + 1}:`);
    const broken = rollcall("replay", file("broken.jsonl", '{"type":"header","format":1,"profile":"ray"}\n{oops'));
    expect(broken.code).toBe(2);
    expect(broken.err).toContain("line 2: not valid JSON");
    noStack(broken.err);
    // A header of another format, or none, is not replayed.
    for (const [name, header] of [["f99.jsonl", '{"type":"header","format":99,"profile":"ray"}'], ["f0.jsonl", '{"type":"header","profile":"ray"}']]) {
      const other = rollcall("replay", file(name, header + "\n"));
      expect(other.code, name).toBe(2);
      expect(other.err).toContain(`${name}: line 1: field format: this rollcall reads log format 1`);
      noStack(other.err);
    }
    // A record naming an actor the log never made: invalid input (exit 2), for replay and export alike.
    const unknown = lines.slice(0, 1).concat(['{"type":"command","command":{"type":"init"},"rules":[]}', '{"type":"command","command":{"type":"state","caller":"j1","actor":"a7"},"rules":[]}']).join("\n");
    for (const args of [["replay"], ["export", "--itf"]]) {
      const u = rollcall(...args, file("unknown.jsonl", unknown));
      expect(u.code, args.join(" ")).toBe(2);
      expect(u.err).toContain("unknown.jsonl: line 3: field command.actor: no actor 'a7' in this log");
      noStack(u.err);
    }
  });

  it("exits 2 on a bad --seed, --steps or --drivers", () => {
    const r = rollcall("simulate", "--seed", "seven");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--seed must be a whole number");
    expect(rollcall("simulate", "--seed", "4294967296").err).toContain("--seed must be at most 4294967295");
    for (const args of [["--steps", "-1"], ["--steps", "1e3"], ["--drivers", "0"], ["--steps", "1000000000000"]]) {
      const bad = rollcall("simulate", "--seed", "1", ...args);
      expect(bad.code, args.join(" ")).toBe(2);
      noStack(bad.err);
    }
    expect(rollcall("simulate", "--steps", "100000001").err).toContain("--steps must be at most 100,000,000");
    // An unwritable --log is refused before any step is run.
    const unwritable = rollcall("simulate", "--seed", "1", "--log", join(dir, "no-such-folder", "s.jsonl"));
    expect(unwritable.code).toBe(2);
    expect(unwritable.out).not.toContain("fingerprint");
    noStack(unwritable.err);
  });
});

describe("rollcall check", () => {
  it("--json with the default bounds: verdict ok, every companion reached, the counts", () => {
    const r = rollcall("check", "--json", "--quiet");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.verdict).toBe("ok");
    expect(report.states).toBe(97733);
    expect(report.transitions).toBe(254572);
    expect(report.depth).toBe(29);
    expect(report.violations).toEqual([]);
    expect(report.vacuous).toEqual([]);
    expect(typeof report.seconds).toBe("number");
    expect(report.laws.every((l: { verdict: string }) => l.verdict === "held")).toBe(true);
  });

  it("--mutant: exit 1, the counterexample written as a scenario that passes on the model and fails with run --mutant", () => {
    const out = join(dir, "cx");
    const itf = join(dir, "cx.itf.json");
    const r = rollcall("check", "--mutant", "kill-keeps-name", "--out", out, "--itf", itf, "--json", "--quiet");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.verdict).toBe("violation");
    const v = report.violations[0];
    expect(v.law).toBe("name-reusable-after-kill");
    expect(v.length).toBe(5);
    expect(rollcall("run", v.scenario).code).toBe(0);
    const onBug = rollcall("run", "--mutant", "kill-keeps-name", v.scenario);
    expect(onBug.code).toBe(1);
    expect(onBug.out).toMatch(/^FAIL /m);
    const trace = JSON.parse(readFileSync(itf, "utf8"));
    expect(trace.states.length).toBe(v.trace.length + 1);
    const story = rollcall("explain", v.scenario);
    expect(story.code).toBe(0);
    expect(story.out).toContain("Step 1.");
  });

  it("--mutant of a node bug without --nodes is checked with two worker nodes, and its counterexample fails on the bug", () => {
    const out = join(dir, "cx-node");
    const human = rollcall("check", "--mutant", "owner-node-one-child", "--out", out, "--quiet");
    expect(human.code).toBe(1);
    expect(human.out).toContain("(owner-node-one-child is a bug of node deaths: checked with --nodes 2)");
    const r = rollcall("check", "--mutant", "owner-node-one-child", "--out", out, "--json", "--quiet");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.verdict).toBe("violation");
    expect(report.violations[0].law).toBe("node-orphans-destroyed");
    expect(rollcall("run", report.violations[0].scenario).code).toBe(0);
    expect(rollcall("run", "--mutant", "owner-node-one-child", report.violations[0].scenario).code).toBe(1);
  });

  it("--workers 2 explores the same states and transitions, and finds a mutant at the same length", () => {
    const r = rollcall("check", "--workers", "2", "--ops", "2,1", "--namespaces", "1", "--json", "--quiet");
    const s = rollcall("check", "--ops", "2,1", "--namespaces", "1", "--json", "--quiet");
    expect(r.code).toBe(0);
    const [a, b] = [JSON.parse(r.out), JSON.parse(s.out)];
    expect([a.states, a.transitions, a.depth, a.verdict]).toEqual([b.states, b.transitions, b.depth, b.verdict]);
    // The liveness laws (kind eventually) are decided with one worker only.
    const always = (laws: { kind: string }[]) => laws.filter((l) => l.kind === "always");
    expect(always(a.laws)).toEqual(always(b.laws));
    expect(a.livenessUndecided).toBe("the liveness laws need one worker");
    expect(a.coverage).toEqual(b.coverage);
    const m = rollcall("check", "--workers", "2", "--mutant", "get-or-create-not-found", "--out", join(dir, "cx2"), "--json", "--quiet");
    expect(m.code).toBe(1);
    expect(JSON.parse(m.out).violations[0].length).toBe(6);
  });

  it("--symmetry's count without it is a figure under the bounds, never the verdict", () => {
    // 29,476 classes fit under 30,000 states; the 97,733 states without symmetry do not.
    const r = rollcall("check", "--symmetry", "--no-liveness", "--max-states", "30000", "--json", "--quiet");
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out);
    expect([a.verdict, a.states, a.verdictWithoutSymmetry, a.boundWithoutSymmetry]).toEqual(["ok", 29_476, "incomplete", "states"]);
    expect(a.statesWithoutSymmetry).toBeGreaterThanOrEqual(30_000);
    const human = rollcall("check", "--symmetry", "--no-liveness", "--max-states", "30000", "--quiet");
    expect(human.out).toMatch(/29,476 with symmetry reduction \(more than [\d,]+ without: that count stopped at the states bound\)/);
    expect(rollcall("check", "--symmetry", "--max-states", "30000", "--quiet").out).toMatch(/eventually laws not decided: they are decided on the search without symmetry, which stopped at the states bound/);
    const full = JSON.parse(rollcall("check", "--symmetry", "--no-liveness", "--json", "--quiet").out);
    expect([full.statesWithoutSymmetry, full.verdictWithoutSymmetry, full.boundWithoutSymmetry]).toEqual([97_733, "ok", undefined]);
  });

  it("--list-mutants lists at least 10 seeded bugs", () => {
    const r = rollcall("check", "--list-mutants", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).length).toBeGreaterThanOrEqual(10);
  });

  it("prints progress and a summary table; bad flags exit 2 without a stack trace", () => {
    const r = rollcall("check", "--ops", "1", "--namespaces", "1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/verdict\s+ok/);
    expect(r.out).toMatch(/name-uniqueness\s+held/);
    for (const args of [["--mutant", "nope"], ["--drivers", "0"], ["--drivers", "3", "--ops", "2,1"], ["--operations", "create,fly"], ["--profile", "x"]]) {
      const bad = rollcall("check", ...args);
      expect(bad.code, args.join(" ")).toBe(2);
      noStack(bad.err);
      expect(bad.err).toMatch(/rollcall: /);
    }
  });

  it("a states bound gives verdict incomplete and exit 1", () => {
    const r = rollcall("check", "--max-states", "100", "--json", "--quiet");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).verdict).toBe("incomplete");
  });
});

describe("rollcall export --itf", () => {
  it("exports a scenario's run and a simulate log", () => {
    const r = rollcall("export", "--itf", "scenarios/00-seed/01-name-then-get.json");
    expect(r.code, r.err).toBe(0);
    const itf = JSON.parse(r.out);
    expect(itf.states[0]["mbt::actionTaken"]).toBe("init");
    const log = join(dir, "sim.jsonl");
    expect(rollcall("simulate", "--seed", "3", "--steps", "30", "--log", log).code).toBe(0);
    const e = rollcall("export", "--itf", log);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out).states.length).toBeGreaterThan(30);
    expect(rollcall("export", "--itf", join(dir, "missing.jsonl")).code).toBe(2);
  });
});

describe("--bug", () => {
  it("reaches the implementation as ROLLCALL_BUG, and is refused on the model", () => {
    const r = rollcall("run", "--target", "cmd:echo bug=$ROLLCALL_BUG >&2; exit 3", "--bug", "late-free", "scenarios/00-seed/01-name-then-get.json");
    expect(r.code).toBe(1);
    expect(r.out + r.err).toContain("bug=late-free");
    const m = rollcall("run", "--bug", "late-free", "scenarios/00-seed/01-name-then-get.json");
    expect(m.code).toBe(2);
    expect(m.err).toContain("--mutant");
  });
});
