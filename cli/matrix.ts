import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROFILES, type ProfileName } from "../model/index.js";
import { fuzz, fuzzRaces } from "../adapters/fuzz.js";
import { formatStepPath } from "../sim/scenario/types.js";
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, InputError } from "./errors.js";
import { parseCount } from "./options.js";
import { checkOutDir, saveFinding } from "./output.js";
import { applyKnown, loadAll, loadKnown, normalize, runOnProcessTarget, type Outcome } from "./run.js";
import { rayReleaseTarget, REPO_ROOT, startTarget, withProfile, type TargetSpec } from "./targets.js";

export interface MatrixCliOptions {
  readonly releases: string;
  readonly fuzz: string;
  readonly race: string;
  readonly repeat: string;
  readonly seed: string;
  readonly out: string;
  readonly known?: string;
  readonly stepTimeout: string;
  readonly shrinkTime: string;
}

/** One release's row of the matrix. */
interface ReleaseRow {
  readonly release: string;
  /** The profile the model's table of releases gives it. */
  readonly profile: ProfileName;
  /** Each Ray profile's own scenarios held against the release: how many passed and failed. */
  readonly profiles: Record<string, { passed: number; failed: number }>;
  /** The Ray profiles whose own scenarios all pass on it (the measurement). */
  readonly matches: readonly string[];
  readonly corpus: { passed: number; failed: number; skipped: number; known: number };
  readonly fuzz?: { programs: number; differences: number; explained: number; file?: string; difference?: string };
  readonly race?: { races: number; differences: number; undecided: number; file?: string; difference?: string };
  readonly seconds: number;
  /** Scenario file → status (under its own profile, a stand-in, or held to its profile). */
  readonly scenarios: Record<string, string>;
  readonly error?: string;
}

/**
 * `rollcall matrix`: each Ray release in turn, the corpus (every scenario
 * under the release's own profile or a stand-in), each Ray profile's own
 * scenarios held against the release (which profile it really implements),
 * random programs and races; a Markdown and a JSON table, rewritten after each
 * release, so an interrupted run keeps what it measured.
 */
export async function matrixCommand(paths: readonly string[], options: MatrixCliOptions): Promise<number> {
  const releases = options.releases.split(",").map((r) => r.trim()).filter((r) => r !== "");
  if (releases.length === 0) throw new InputError("--releases: give at least one Ray release, e.g. --releases 2.49.2,2.60.0");
  const fuzzRuns = parseCount(options.fuzz, "--fuzz");
  const raceRuns = parseCount(options.race, "--race");
  const repeat = parseCount(options.repeat, "--repeat", 1);
  const seed = parseCount(options.seed, "--seed");
  const stepTimeoutMs = parseCount(options.stepTimeout, "--step-timeout", 1) * 1000;
  const shrinkSeconds = parseCount(options.shrinkTime, "--shrink-time", 1);
  checkOutDir(options.out, "--out");
  const loaded = loadAll(paths.length === 0 ? [join(REPO_ROOT, "scenarios")] : paths, (line) => console.error(line));
  if (loaded === null) return EXIT_INVALID;
  const known = loadKnown(options.known);
  // Every release is checked (and refused if it is none) before the first one runs; each is installed when its turn comes.
  for (const r of releases) rayReleaseTarget(r, process.env, () => undefined, false);
  console.log(`seed ${seed}`);
  console.log(`matrix of ${releases.length} Ray releases: ${loaded.length} scenarios${fuzzRuns > 0 ? `, ${fuzzRuns} random programs` : ""}${raceRuns > 0 ? `, ${raceRuns} races (each run ${repeat} times)` : ""} each; tables in ${options.out}/matrix.md and matrix.json`);
  const started = performance.now();
  const rows: ReleaseRow[] = [];
  let differences = 0;
  for (const release of releases) {
    const t0 = performance.now();
    const dir = join(options.out, release);
    const logs = join(dir, "logs");
    let row: ReleaseRow;
    try {
      const spec = rayReleaseTarget(release) as Extract<TargetSpec, { kind: "process" }>;
      const own = spec.profile as ProfileName;
      process.stderr.write(`ray ${release} (profile ${own}): the corpus…\n`);
      const outcomes: Outcome[] = [];
      await runOnProcessTarget(loaded, spec, { profile: undefined, bug: undefined, stepTimeoutMs, logs, maxStates: undefined, repeat: { times: 1 }, name: `ray@${release}` }, (o) => outcomes.push(applyKnown(o, known.get(normalize(o.file)))));
      const scenarios: Record<string, string> = Object.fromEntries(outcomes.map((o) => [normalize(o.file), o.status]));
      // Which profile the release really implements: each Ray profile's own scenarios, the release held to that profile.
      const profiles: Record<string, { passed: number; failed: number }> = {};
      for (const p of Object.values(PROFILES)) {
        if (p.releases === null) continue;
        const written = loaded.filter((l) => (l.scenario.profile ?? "ray") === p.name);
        const tally = { passed: 0, failed: 0 };
        if (p.name === own) {
          for (const l of written) {
            const s = scenarios[normalize(l.file)];
            if (s === "PASS" || s === "KNOWN") tally.passed++;
            else if (s !== "SKIP") tally.failed++;
          }
        } else if (written.length > 0) {
          process.stderr.write(`ray ${release}: held to ${p.name}, its ${written.length} scenarios…\n`);
          await runOnProcessTarget(written, withProfile(spec, p.name) as Extract<TargetSpec, { kind: "process" }>, { profile: p.name, bug: undefined, stepTimeoutMs, logs, maxStates: undefined, repeat: { times: 1 }, name: `ray@${release}` }, (o) => {
            if (o.status === "PASS") tally.passed++;
            else tally.failed++;
            if (scenarios[normalize(o.file)] === "SKIP") scenarios[normalize(o.file)] = `SKIP (as ${p.name}: ${o.status})`;
          });
        }
        profiles[p.name] = tally;
      }
      const matches = Object.entries(profiles).filter(([, t]) => t.failed === 0 && t.passed > 0).map(([p]) => p);
      const count = (s: string) => outcomes.filter((o) => o.status === s).length;
      const corpus = { passed: count("PASS") + count("KNOWN"), failed: count("FAIL") + count("ERROR") + count("INCOMPLETE"), skipped: count("SKIP"), known: count("KNOWN") };
      differences += corpus.failed;
      const target = () => startTarget(spec, stepTimeoutMs, undefined, logs);
      let fuzzRow: ReleaseRow["fuzz"];
      if (fuzzRuns > 0) {
        process.stderr.write(`ray ${release}: ${fuzzRuns} random programs…\n`);
        const r = await fuzz({ runs: fuzzRuns, seed, profile: own, maxMoves: 25, target, shrinkSeconds });
        const file = r.difference === undefined ? undefined : saveFinding(dir, `fuzz-seed${seed}.json`, JSON.stringify(r.difference.scenario, null, 2) + "\n", "the shrunk failing scenario") ?? undefined;
        const f = r.difference?.result.failure;
        fuzzRow = {
          programs: r.programs, differences: r.difference === undefined ? 0 : 1, explained: r.explained.reduce((n, e) => n + e.programs, 0),
          ...(file === undefined ? {} : { file }),
          ...(f === undefined ? (r.difference?.result.verdict === undefined ? {} : { difference: `${r.difference.result.verdict.kind}: ${r.difference.result.verdict.message}` }) : { difference: `at ${formatStepPath(f.path)} (${f.step.do}): expected ${f.expected}, observed ${f.observed}` }),
        };
        differences += fuzzRow.differences;
      }
      let raceRow: ReleaseRow["race"];
      if (raceRuns > 0) {
        process.stderr.write(`ray ${release}: ${raceRuns} races…\n`);
        const r = await fuzzRaces({ runs: raceRuns, seed, profile: own, maxMoves: 25, target, shrinkSeconds, repeat: { times: repeat } });
        const d = r.difference;
        const file = d === undefined ? undefined : saveFinding(dir, `race-seed${seed}.json`, JSON.stringify(d.scenario, null, 2) + "\n", "the failing race") ?? undefined;
        const seen = d?.outcomes?.find((o) => o.outcome === d.observed);
        raceRow = {
          races: r.programs, differences: d === undefined ? 0 : 1, undecided: r.undecided, ...(file === undefined ? {} : { file }),
          ...(d === undefined ? {} : { difference: `${d.prefixFailed === true ? "the settled prefix" : "the race"}: observed ${d.observed ?? "?"}${seen === undefined || d.runs === undefined ? "" : ` (${seen.count} of ${d.runs} runs)`}` }),
        };
        differences += raceRow.differences;
      }
      row = { release: release, profile: own, profiles, matches, corpus, ...(fuzzRow === undefined ? {} : { fuzz: fuzzRow }), ...(raceRow === undefined ? {} : { race: raceRow }), seconds: (performance.now() - t0) / 1000, scenarios };
    } catch (e) {
      // A release that cannot be installed or refuses (TargetRefusedError is one) is a row of its own; the matrix goes on.
      if (!(e instanceof InputError)) throw e;
      row = { release: release, profile: "ray", profiles: {}, matches: [], corpus: { passed: 0, failed: 0, skipped: 0, known: 0 }, seconds: (performance.now() - t0) / 1000, scenarios: {}, error: (e as Error).message };
      differences++;
    }
    rows.push(row);
    console.log(summaryLine(row));
    writeTables(options.out, rows, { seed, scenarios: loaded.length, fuzz: fuzzRuns, race: raceRuns, repeat, seconds: (performance.now() - started) / 1000 });
  }
  console.log(`${rows.length} releases in ${((performance.now() - started) / 60_000).toFixed(1)} min: ${join(options.out, "matrix.md")}, ${join(options.out, "matrix.json")}`);
  return differences > 0 ? EXIT_FAILED : EXIT_OK;
}

function summaryLine(r: ReleaseRow): string {
  if (r.error !== undefined) return `ray ${r.release}: ERROR ${r.error}`;
  const fuzzText = r.fuzz === undefined ? "" : `; fuzz ${r.fuzz.programs} programs, ${r.fuzz.differences} differences`;
  const raceText = r.race === undefined ? "" : `; races ${r.race.races}, ${r.race.differences} differences`;
  return `ray ${r.release} (${r.profile}; matches ${r.matches.join(", ") || "none"}): corpus ${r.corpus.passed} passed, ${r.corpus.failed} failed, ${r.corpus.skipped} skipped${fuzzText}${raceText} (${r.seconds.toFixed(0)} s)`;
}

interface Meta {
  readonly seed: number;
  readonly scenarios: number;
  readonly fuzz: number;
  readonly race: number;
  readonly repeat: number;
  readonly seconds: number;
}

/** matrix.json (everything) and matrix.md (the table, the scenarios that do not pass everywhere, the differences). */
function writeTables(out: string, rows: readonly ReleaseRow[], meta: Meta): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "matrix.json"), JSON.stringify({ ...meta, releases: rows }, null, 2) + "\n");
  const md: string[] = [];
  md.push("# rollcall matrix", "");
  md.push(`${rows.length} Ray releases, ${meta.scenarios} scenarios${meta.fuzz > 0 ? `, ${meta.fuzz} random programs` : ""}${meta.race > 0 ? `, ${meta.race} races run ${meta.repeat === 1 ? "once" : `${meta.repeat} times`} each` : ""} per release, seed ${meta.seed}; ${(meta.seconds / 60).toFixed(1)} min in all.`, "");
  const profileNames = [...new Set(rows.flatMap((r) => Object.keys(r.profiles)))];
  md.push(`| release | profile (model's table) | matches | ${profileNames.map((p) => `${p}'s scenarios held to ${p}`).join(" | ")} | corpus passed / failed / skipped | fuzz | races | minutes |`);
  md.push(`|---|---|---|${profileNames.map(() => "---|").join("")}---|---|---|---|`);
  for (const r of rows) {
    if (r.error !== undefined) {
      md.push(`| ${r.release} | ERROR: ${r.error.replace(/\|/g, "\\|")} |${profileNames.map(() => " |").join("")} | | | | ${(r.seconds / 60).toFixed(1)} |`);
      continue;
    }
    const tally = profileNames.map((p) => (r.profiles[p] === undefined ? "" : `${r.profiles[p]!.passed} pass, ${r.profiles[p]!.failed} fail`));
    const fuzzText = r.fuzz === undefined ? "—" : `${r.fuzz.differences} in ${r.fuzz.programs}${r.fuzz.explained > 0 ? ` (${r.fuzz.explained} explained)` : ""}`;
    const raceText = r.race === undefined ? "—" : `${r.race.differences} in ${r.race.races}${r.race.undecided > 0 ? ` (${r.race.undecided} undecided)` : ""}`;
    md.push(`| ${r.release} | ${r.profile} | ${r.matches.join(", ") || "none"} | ${tally.join(" | ")} | ${r.corpus.passed} / ${r.corpus.failed} / ${r.corpus.skipped} | ${fuzzText} | ${raceText} | ${(r.seconds / 60).toFixed(1)} |`);
  }
  const files = [...new Set(rows.flatMap((r) => Object.keys(r.scenarios)))].sort();
  const uneven = files.filter((f) => new Set(rows.map((r) => r.scenarios[f] ?? "—")).size > 1 || rows.some((r) => /FAIL|ERROR|KNOWN/.test(r.scenarios[f] ?? "")));
  md.push("", `## Scenarios whose status is not the same on every release (${uneven.length} of ${files.length})`, "");
  if (uneven.length > 0) {
    md.push(`| scenario | ${rows.map((r) => r.release).join(" | ")} |`, `|---|${rows.map(() => "---|").join("")}`);
    for (const f of uneven) md.push(`| ${f} | ${rows.map((r) => r.scenarios[f] ?? "—").join(" | ")} |`);
  }
  const found = rows.flatMap((r) => [
    ...(r.fuzz?.difference === undefined ? [] : [`- ${r.release}, fuzz: ${r.fuzz.difference}${r.fuzz.file === undefined ? "" : ` (${r.fuzz.file})`}`]),
    ...(r.race?.difference === undefined ? [] : [`- ${r.release}, race: ${r.race.difference}${r.race.file === undefined ? "" : ` (${r.race.file})`}`]),
  ]);
  md.push("", "## Differences found by fuzzing", "", ...(found.length === 0 ? ["none"] : found), "");
  writeFileSync(join(out, "matrix.md"), md.join("\n"));
}
