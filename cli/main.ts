#!/usr/bin/env node
import { Command, CommanderError, Option } from "commander";
import { EXIT_INTERNAL, EXIT_INVALID, InputError } from "./errors.js";
import { runCommand } from "./run.js";
import { ROLLCALL_VERSION } from "../sim/log.js";

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
    .option("--target <target>", "implementation to run on", "model")
    .addOption(profileOption())
    .option("--json", "print results as JSON")
    .action((paths: string[], opts) => {
      exitCode = runCommand(paths, opts);
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

process.exitCode = await main(process.argv);
