#!/usr/bin/env -S node --max-semi-space-size=8
// (A young generation of 8 MB semi-spaces: long simulations promote less garbage, so peak memory stays low; see REPORT, issue 11.)
import { Command, CommanderError, Option } from "commander";
import { EXIT_INTERNAL, EXIT_INVALID, InputError } from "./errors.js";
import { stopAllTargets } from "../adapters/process.js";
import { ROLLCALL_VERSION } from "../sim/log.js";
import { OPERATIONS, OPERATION_HELP } from "../checker/universe.js";
import { runInterruptHooks } from "./interrupt.js";
import type { ProfileName } from "../model/index.js";

// Each command's module is loaded when it runs (`await import`): a command
// loads only what it uses, and `--help` loads none of them.
const OPERATIONS_HELP = OPERATIONS.map((o) => `${o}: ${OPERATION_HELP[o]}`).join("; ");
const DEFAULT_PORT = 5178;

/**
 * The command line: the only place that reads clocks or picks seeds. Every
 * subcommand returns its exit code; errors of input exit 2 with a message,
 * never a stack trace.
 */
function program(): Command {
  const p = new Command("rollcall")
    .description("Executable specification, simulator and checker of Ray's named actors")
    .version(ROLLCALL_VERSION)
    .showHelpAfterError()
    .exitOverride();
  const profileOption = () => new Option("--profile <name>", "semantics to use: ray (Ray 2.60), seed (the seed text), ray-2.49");

  p.command("run")
    .description("run scenario files (or folders of them) and check every expectation")
    .argument("<paths...>", "scenario files or folders")
    .option("--target <target>", "implementation to run on: model, ray (npm run ray:install first), node (the runtime in runtime/), or cmd:<command> speaking docs/adapter-protocol.md", "model")
    .option("--step-timeout <seconds>", "deadline for each step of a real implementation", "60")
    .option("--known <file>", "known differences of the target (JSON): such a scenario failing at its listed step counts as KNOWN")
    .addOption(profileOption())
    .option("--json", "print results as JSON")
    .option("--max-states <n>", "states to explore per parallel block before giving up (INCOMPLETE)", "100000")
    .option("--mutant <name>", "run on the model with a seeded bug (rollcall check --list-mutants)")
    .option("--bug <name>", "switch on a seeded bug of a real implementation (sets ROLLCALL_BUG for it; the Node runtime's are listed in runtime/bugs.ts)")
    .option("--logs <dir>", "where a real implementation's own log goes (every request, its stdout and stderr, the verdicts; Ray's session logs beside it)", "rollcall-logs")
    .option("--repeat <k>", "on a real implementation, run each scenario with a parallel block up to this many times (a race is a rare event); it fails if any run fails", "1")
    .option("--repeat-time <seconds>", "stop repeating a scenario after this long")
    .option("--address <host:port>", "with --target ray or ray@VERSION: run on your own Ray cluster (its GCS address, on this machine), starting nothing; scenarios use namespaces of their own and touch only what they create")
    .action(async (paths: string[], opts) => {
      const { runCommand } = await import("./run.js");
      exitCode = await runCommand(paths, opts);
    });

  p.command("check")
    .description("model checking: explore every interleaving of bounded programs of several drivers, prove the laws or print the shortest counterexample, written as a scenario")
    .addOption(profileOption())
    .option("--drivers <n>", "drivers (default 2)")
    .option("--namespaces <n>", "namespaces the drivers may start in (default 2)")
    .option("--names <n>", "actor names (default 1)")
    .option("--ops <n[,n...]>", "operations per driver, one count for all or one per driver (default 2,1)")
    .option("--max-restarts <n>", "creates ask for max_restarts 0 or this (default 2)")
    .option("--no-faults", "no crashes (default: an ALIVE actor may crash at any point)")
    .option("--nodes <n>", "worker nodes n1..nN (0-3, default 0: the head alone): drivers may start on one, actors are placed on them, and with faults each may die and be drained for preemption at any point (counterexamples are format-2 scenarios)")
    .option("--init-fails", "constructors that fail: creates may also ask for a Counter whose constructor raises or calls sys.exit(1) (counterexamples are format-2 scenarios)")
    .option("--gcs", "GCS restarts: the GCS keeps its tables in Redis and may stop once, at any point, and start again; while it is stopped drivers only call, kill, drop and exit (counterexamples are format-2 scenarios)")
    .option("--operations <list>", `the operations drivers may use, comma-separated (default all): ${OPERATIONS_HELP}`)
    .option("--mutant <name>", "check the model with a seeded bug; the counterexample is written as a scenario that passes on the model and fails on the bug")
    .option("--list-mutants", "list the seeded bugs and exit")
    .option("--symmetry", "symmetry reduction: one state per renaming of drivers, namespaces, names and actors (the report gives both counts; the count without it gets what is left of --max-seconds, or ten times the reduced search's time)")
    .option("--por", "partial-order reduction: explore one persistent set of moves per state (same verdicts; a violation is re-searched without it, so the counterexample is a shortest one)")
    .option("--max-states <n>", "stop (verdict incomplete) past this many states")
    .option("--max-seconds <n>", "stop (verdict incomplete) past this many seconds")
    .option("--max-memory <MB>", "stop (verdict incomplete) past this much memory in use (default 16384)")
    .option("--out <dir>", "where a counterexample scenario is written", "counterexamples")
    .option("--itf <file>", "also write the counterexample as an ITF trace (Apalache/Quint)")
    .option("--workers <n>", "search with this many worker threads (default 1)")
    .option("--no-liveness", "do not record the graph nor decide the eventually laws (liveness)")
    .option("--json", "print the report as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (opts) => {
      const { checkCommand } = await import("./check.js");
      exitCode = await checkCommand(opts);
    });

  p.command("export")
    .description("export a trace (an event log from simulate, or a scenario's run on the model) in another format")
    .argument("<file>", "an event log (.jsonl) or a scenario file")
    .option("--itf", "the Informal Trace Format (Apalache ADR-015) that Quint and Apalache tools read")
    .option("--out <file>", "write here instead of stdout")
    .action(async (file: string, opts) => {
      const { exportCommand } = await import("./export.js");
      exitCode = await exportCommand(file, opts);
    });

  p.command("explain")
    .description("tell a scenario step by step in plain English: what was asked, what the cluster did, what the caller saw, and why")
    .argument("<file>", "a scenario file")
    .addOption(profileOption())
    .option("--mutant <name>", "tell it on the model with a seeded bug (rollcall check --list-mutants)")
    .action(async (file: string, opts) => {
      const { explainCommand } = await import("./explain.js");
      exitCode = await explainCommand(file, opts);
    });

  p.command("simulate")
    .description("run a random program of several drivers on the model (settled) and write its event log")
    .option("--seed <n>", "seed of the random program (default: picked from the clock, and printed)")
    .option("--steps <n>", "commands to run (at most 100,000,000; above, exit 2)", "1000")
    .addOption(profileOption())
    .option("--drivers <k>", "drivers running at once, at most", "3")
    .option("--no-faults", "inject no crashes")
    .option("--log <file>", "write the event log (JSON lines) here")
    .action(async (opts) => {
      const { simulateCommand } = await import("./simulate.js");
      exitCode = await simulateCommand(opts);
    });

  p.command("replay")
    .description("replay an event log on the model, checking every recorded observation")
    .argument("<file>", "a log written by simulate")
    .action(async (file: string) => {
      const { replayCommand } = await import("./replay.js");
      exitCode = await replayCommand(file);
    });

  p.command("web")
    .description("serve the teaching viewer on 127.0.0.1: the cluster step by step, seed versus Ray, what if, swimlanes")
    .argument("[file]", "a scenario (a fuzz failure, a checker counterexample) or an event log to open")
    .option("--port <n>", "port to listen on (0 picks a free one)", String(DEFAULT_PORT))
    .option("--mutant <name>", "play the scenario on the model with a seeded bug (rollcall check --list-mutants)")
    .action(async (file: string | undefined, opts: { port: string; mutant?: string }) => {
      const { webCommand } = await import("./web.js");
      exitCode = await webCommand(file, opts);
    });

  p.command("fuzz")
    .description("differential fuzzing: random programs of several drivers on a target and on the model, compared step by step; a difference is shrunk and written as a scenario")
    .option("--target <target>", "implementation to fuzz: ray, node (the runtime in runtime/), cmd:<command>, or model", "model")
    .option("--runs <n>", "programs to run", "100")
    .option("--seed <n>", "seed (default: picked from the clock, and printed)")
    .addOption(profileOption())
    .option("--max-moves <n>", "moves per program at most", "25")
    .option("--out <dir>", "where a difference is written as a scenario", "fuzz-failures")
    .option("--race", "race mode: each program ends in a parallel block whose outcome must be one the model allows")
    .option("--nodes <n>", "worker nodes programs may add (0-4): with some, programs also kill and drain nodes, start drivers and place actors on them (scenario format 2; the target must list it)", "0")
    .option("--init-fails", "constructors that fail: one creation in four asks for a constructor that raises, calls sys.exit(1) or sys.exit(0) (scenario format 2, feature initFails; the target must list it)")
    .option("--gcs", "GCS restarts: the GCS keeps its tables in Redis, and programs stop it and start it again (scenario format 2, feature gcs; the target must list it)")
    .option("--bug <name>", "switch on a seeded bug of a real implementation (sets ROLLCALL_BUG for it)")
    .option("--shrink-time <seconds>", "how long shrinking a difference may take; past it the smallest failing program so far is written", "600")
    .option("--step-timeout <seconds>", "deadline for each step of a real implementation", "60")
    .option("--logs <dir>", "where a real implementation's own log goes (default: <out>/logs)")
    .option("--repeat <k>", "race mode: run each race up to this many times, collecting every outcome with how often it appeared (a race on a real implementation is a rare event)", "1")
    .option("--repeat-time <seconds>", "race mode: stop repeating a race after this long")
    .option("--address <host:port>", "with --target ray or ray@VERSION: fuzz your own Ray cluster (its GCS address, on this machine), starting nothing")
    .action(async (opts) => {
      const { fuzzCommand } = await import("./fuzz.js");
      exitCode = await fuzzCommand(opts);
    });

  p.command("matrix")
    .description("run Ray releases in turn (each from its own environment in the cache): the corpus, each Ray profile's scenarios held to the release, random programs and races; writes matrix.md and matrix.json")
    .argument("[paths...]", "scenario files or folders (default: the embedded corpus)")
    .requiredOption("--releases <list>", "Ray releases, comma-separated, e.g. 2.9.3,2.30.0,2.49.2,2.60.0")
    .option("--fuzz <n>", "random programs per release (0: none)", "0")
    .option("--race <n>", "races per release (0: none)", "0")
    .option("--repeat <k>", "runs of each race", "1")
    .option("--seed <n>", "seed of the programs and races", "1")
    .option("--out <dir>", "where the tables, findings and logs go", "matrix")
    .option("--known <file>", "known differences (as run --known): a scenario failing at its listed step counts as KNOWN")
    .option("--step-timeout <seconds>", "deadline for each step", "60")
    .option("--shrink-time <seconds>", "how long shrinking a difference may take, per release", "120")
    .action(async (paths: string[], opts) => {
      const { matrixCommand } = await import("./matrix.js");
      exitCode = await matrixCommand(paths, opts);
    });

  p.command("ray-install")
    .description("install the Ray that --target ray runs, in a virtual environment in ${XDG_CACHE_HOME:-~/.cache}/rollcall/ray-<version> (never inside the package)")
    .option("--ray-version <version>", "another Ray release than the pinned one (adapters/ray/requirements.txt)")
    .action(async (o: { rayVersion?: string }) => {
      const { rayInstallCommand } = await import("./ray.js");
      exitCode = await rayInstallCommand(o.rayVersion === undefined ? {} : { version: o.rayVersion });
    });

  p.command("serve-model")
    .description("answer the adapter protocol on stdin/stdout with the model (its reference implementation)")
    .addOption(new Option("--as-profile <name>", "behave as this profile whatever reset asks: a deliberately wrong implementation, for testing harnesses"))
    .option("--implements <profiles>", "the profiles its hello lists and its reset accepts, comma-separated (default all), as a Ray release lists its own")
    .action(async (opts: { asProfile?: string; implements?: string }) => {
      const [{ serveModel }, { parseProfile }] = await Promise.all([import("../adapters/model-server.js"), import("./options.js")]);
      const implemented = opts.implements?.split(",").map((p) => parseProfile(p.trim()) as ProfileName);
      await serveModel(parseProfile(opts.asProfile), implemented);
    });

  return p;
}

let exitCode = 0;

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : EXIT_INVALID;
    }
    if (e instanceof InputError) {
      console.error(`rollcall: ${e.message}`);
      return EXIT_INVALID;
    }
    console.error(`rollcall: internal error: ${(e as Error).message}`);
    if (process.env.ROLLCALL_DEBUG !== undefined) console.error((e as Error).stack);
    else console.error("(a bug in rollcall: run again with ROLLCALL_DEBUG=1 for the stack, and report it)");
    return EXIT_INTERNAL;
  }
}

// Output piped into a reader that stops early (`| head`): stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// An interrupted run stops the implementations it started (their process groups).
process.on("exit", stopAllTargets);
// Long loops give the event loop a turn once per slice (sim/pace.ts), so these
// run within a second: first what a command still owes (a finding to save).
const stop = (code: number) => () => {
  runInterruptHooks();
  process.exit(code);
};
process.on("SIGINT", stop(130));
process.on("SIGTERM", stop(143));

process.exitCode = await main(process.argv);
