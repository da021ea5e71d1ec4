import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Costs that must grow with the work, not its square: each figure is one
 * whole `rollcall` process (so its peak memory is its own), timed in CPU
 * seconds (user + system, steadier than wall time on a shared machine).
 * - simulate: settled steps per CPU second of a 100,000-step and a
 *   2,000,000-step run (the log streamed to a file), and the peak RSS;
 * - run: one init and 30,000 creates, one scenario;
 * - export --itf: the ITF trace of a 50,000-step simulate log.
 * Bars (issue 11): 2,000,000 steps within 25% of the 100,000-step rate, under 300 MB.
 */
const main = fileURLToPath(new URL("../cli/main.js", import.meta.url));

interface Figures {
  readonly cpu: number;
  readonly maxRssMB: number;
  readonly out: string;
}

/** Runs `rollcall ARGS` in a child that reports its own CPU time and peak RSS. */
function measure(args: readonly string[]): Figures {
  const probe = `process.on("exit",()=>{const u=process.resourceUsage();process.stderr.write("\\n@@"+JSON.stringify({cpu:(u.userCPUTime+u.systemCPUTime)/1e6,rss:u.maxRSS/1024})+"\\n")});await import(${JSON.stringify(main)});`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe, "--", main, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = r.stderr.split("\n").find((l) => l.startsWith("@@"));
  if (r.status !== 0 || line === undefined) throw new Error(`rollcall ${args.join(" ")} failed (${r.status}): ${r.stderr.slice(-500)}`);
  const f = JSON.parse(line.slice(2)) as { cpu: number; rss: number };
  return { cpu: f.cpu, maxRssMB: f.rss, out: r.stdout };
}

const dir = mkdtempSync(join(tmpdir(), "rollcall-linear-"));
try {
  const rate = (steps: number): number => {
    const f = measure(["simulate", "--seed", "1", "--steps", String(steps), "--log", join(dir, `s${steps}.jsonl`)]);
    console.log(`simulate --steps ${steps.toLocaleString("en-US")} --log: ${Math.round(steps / f.cpu).toLocaleString("en-US")} steps per CPU second, ${f.cpu.toFixed(1)} CPU s, peak RSS ${f.maxRssMB.toFixed(0)} MB`);
    return steps / f.cpu;
  };
  const small = rate(100_000);
  const large = rate(2_000_000);
  console.log(`2,000,000 steps run at ${((100 * large) / small).toFixed(0)}% of the 100,000-step rate (bar: at least 75%)`);

  const steps = [{ by: "d1", do: "init" }, ...Array.from({ length: 30_000 }, (_, i) => ({ by: "d1", do: "create", class: "Counter", name: `c${i}`, as: `c${i}` }))];
  const scenario = join(dir, "creates.json");
  writeFileSync(scenario, JSON.stringify({ title: "one init and 30,000 creates", profile: "ray", steps }));
  const run = measure(["run", scenario]);
  console.log(`run of one init and 30,000 creates: ${run.cpu.toFixed(1)} CPU s, peak RSS ${run.maxRssMB.toFixed(0)} MB`);

  const log = join(dir, "s50k.jsonl");
  measure(["simulate", "--seed", "1", "--steps", "50000", "--log", log]);
  const itf = join(dir, "s50k.itf.json");
  const exp = measure(["export", "--itf", log, "--out", itf]);
  console.log(`export --itf of a 50,000-step log: ${exp.cpu.toFixed(1)} CPU s, ${(statSync(itf).size / 1e6).toFixed(0)} MB written, peak RSS ${exp.maxRssMB.toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
