import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The built command line and cli/ray.js (npm test builds them first), as a user runs them.
const ROOT = process.cwd();
const CLI = join(ROOT, "dist", "cli", "main.js");
const RAY_JS = join(ROOT, "dist", "cli", "ray.js");
const INSTALL_SH = join(ROOT, "adapters", "ray", "install.sh");
const PINNED = /^ray==(\S+)/m.exec(readFileSync(join(ROOT, "adapters", "ray", "requirements.txt"), "utf8"))?.[1] as string;
const dir = mkdtempSync(join(tmpdir(), "rollcall-ray-"));

/** An environment with no Ray anywhere: an empty home, no overrides. */
function bareEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extra };
  for (const k of ["RAY_BRIDGE_PYTHON", "ROLLCALL_RAY_VENV", "XDG_CACHE_HOME", "PYTHON"]) if (!(k in extra)) delete env[k];
  return env;
}

function fresh(name: string): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  return d;
}

function script(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/** rayInstallCommand(opts) in a node process of its own: its exit code and what it printed. */
function install(opts: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const code = `import { rayInstallCommand } from ${JSON.stringify(RAY_JS)}; process.exitCode = await rayInstallCommand(${JSON.stringify(opts)});`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function rollcall(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A stand-in for a cache venv's python: reports ray `version`, has pip, and records how it was run. */
function fakeVenv(venv: string, version: string): string {
  mkdirSync(join(venv, "bin"), { recursive: true });
  mkdirSync(join(venv, "lib", "python3.11", "site-packages", `ray-${version}.dist-info`), { recursive: true });
  return script(join(venv, "bin", "python"), `#!/bin/sh
echo "$@" >> "${venv}/calls"
case "$*" in
  "-m pip --version") echo "pip 24.0"; exit 0 ;;
  *importlib.metadata*) echo "${version}"; exit 0 ;;
esac
exit 9
`);
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)/m);

describe("rayInstallCommand (rollcall ray-install)", () => {
  it("streams the installer's output and passes its exit status through", () => {
    for (const status of [0, 1, 2, 7]) {
      const fake = script(join(fresh(`fake-${status}`), "install.sh"), `echo "installing $*"; echo "to stderr" >&2; exit ${status}\n`);
      const r = install({ script: fake, version: "2.61.0" }, bareEnv(dir));
      expect(r.code).toBe(status);
      expect(r.out).toBe("installing --version 2.61.0\n");
      expect(r.err).toBe("to stderr\n");
    }
  });

  it("refuses a version that is not one, and a missing installer, with exit 2", () => {
    const bad = install({ version: "2.60; rm -rf /" }, bareEnv(dir));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'2.60; rm -rf /' is not a Ray version");
    const missing = install({ script: join(dir, "nope.sh") }, bareEnv(dir));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("installer");
    noStack(bad.err + missing.err);
  });

  it("exits 2 saying what to install when python3 or its venv module is missing", () => {
    const home = fresh("no-python");
    const none = install({}, bareEnv(home, { PYTHON: join(home, "python3-missing") }));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/python3-missing not found: install Python 3\.9-3\.13 \(on Debian or Ubuntu: apt-get install python3 python3-venv\)/);
    // A Python without ensurepip, as Debian's python3 is without python3-venv.
    const noVenv = script(join(home, "python-no-venv"), `#!/bin/sh\ncase "$*" in *ensurepip*) exit 1 ;; esac\nexec python3 "$@"\n`);
    const r = install({}, bareEnv(home, { PYTHON: noVenv }));
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot make virtual environments (its venv/ensurepip modules are missing). On Debian or Ubuntu: apt-get install python3-venv");
    expect(existsSync(join(home, ".cache", "rollcall", `ray-${PINNED}`))).toBe(false);
  });

  it("reuses the cache's environment of that Ray version, under XDG_CACHE_HOME", () => {
    const cache = fresh("xdg");
    const python = fakeVenv(join(cache, "rollcall", `ray-${PINNED}`), PINNED);
    const r = install({}, bareEnv(fresh("home-xdg"), { XDG_CACHE_HOME: cache }));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`ray ${PINNED} is already installed in ${join(cache, "rollcall", `ray-${PINNED}`)}: nothing to do`);
    expect(readFileSync(join(cache, "rollcall", `ray-${PINNED}`, "calls"), "utf8")).not.toContain("install");
    void python;
  });
});

describe("--target ray finds Ray in the per-user cache", () => {
  const scenario = "scenarios/00-seed/07-no-namespace-ray.json";

  it("says exactly what to run when Ray is not installed", () => {
    const home = fresh("home-empty");
    const r = rollcall(bareEnv(home), "run", "--target", "ray", scenario);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`Ray ${PINNED} is not installed (no ${join(home, ".cache", "rollcall", `ray-${PINNED}`, "bin", "python")})`);
    expect(r.err).toContain("run `rollcall ray-install` first");
    noStack(r.err);
    const cache = fresh("xdg-empty");
    const x = rollcall(bareEnv(home, { XDG_CACHE_HOME: cache }), "run", "--target", "ray", scenario);
    expect(x.code).toBe(2);
    expect(x.err).toContain(`no ${join(cache, "rollcall", `ray-${PINNED}`, "bin", "python")}`);
  });

  it("starts bridge.py with the cache's python; ROLLCALL_RAY_VENV and RAY_BRIDGE_PYTHON override it", () => {
    const home = fresh("home-fake");
    const venv = join(home, ".cache", "rollcall", `ray-${PINNED}`);
    fakeVenv(venv, PINNED);
    const r = rollcall(bareEnv(home), "run", "--target", "ray", scenario);
    expect(r.code).not.toBe(0); // the stand-in python runs no bridge
    expect(readFileSync(join(venv, "calls"), "utf8")).toContain(join(ROOT, "adapters", "ray", "bridge.py"));

    const other = join(fresh("other"), "venv");
    fakeVenv(other, PINNED);
    rollcall(bareEnv(home, { ROLLCALL_RAY_VENV: other }), "run", "--target", "ray", scenario);
    expect(readFileSync(join(other, "calls"), "utf8")).toContain("bridge.py");

    const explicit = fakeVenv(join(fresh("explicit"), "venv"), PINNED);
    rollcall(bareEnv(home, { ROLLCALL_RAY_VENV: other, RAY_BRIDGE_PYTHON: explicit }), "run", "--target", "ray", scenario);
    expect(readFileSync(join(fresh("explicit"), "venv", "calls"), "utf8")).toContain("bridge.py");

    const missing = rollcall(bareEnv(home, { RAY_BRIDGE_PYTHON: join(home, "no-such-python") }), "run", "--target", "ray", scenario);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`RAY_BRIDGE_PYTHON names ${join(home, "no-such-python")}, which does not exist`);
  });
});

describe("--target ray@VERSION: a release from its own environment in the cache", () => {
  const scenario = "scenarios/00-seed/07-no-namespace-ray.json";

  it("starts that release's python with the profile the model's table gives it, and checks the release it reports", () => {
    const cache = fresh("xdg-release");
    const venv = join(cache, "rollcall", "ray-2.44.1");
    // A stand-in bridge: the model served over the protocol, reporting the version rollcall's own (not 2.44.1).
    mkdirSync(join(venv, "bin"), { recursive: true });
    script(join(venv, "bin", "python"), `#!/bin/sh
echo "$@ profiles=$ROLLCALL_RAY_PROFILES python=$RAY_BRIDGE_PYTHON" >> "${venv}/calls"
exec '${process.execPath}' '${CLI}' serve-model --implements "$ROLLCALL_RAY_PROFILES"
`);
    const r = rollcall(bareEnv(fresh("home-release"), { XDG_CACHE_HOME: cache }), "run", "--target", "ray@2.44.1", "--logs", join(dir, "logs-release"), scenario);
    expect(readFileSync(join(venv, "calls"), "utf8")).toContain(`${join(ROOT, "adapters", "ray", "bridge.py")} profiles=ray-2.49 python=${join(venv, "bin", "python")}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the target ray@2\.44\.1 runs release \d+\.\d+\.\d+, not 2\.44\.1/);
    noStack(r.err);
  });

  it("refuses what is not a release rollcall runs, before starting anything", () => {
    const env = bareEnv(fresh("home-bad-release"), { XDG_CACHE_HOME: fresh("xdg-bad-release") });
    for (const [target, message] of [
      ["ray@2.4.0", "--target ray@2.4.0: rollcall runs Ray 2.5.0 and newer"],
      ["ray@2.49", "--target ray@2.49: a Ray release is three numbers, e.g. ray@2.49.2"],
      ["ray@latest", "--target ray@latest: a Ray release is three numbers"],
    ] as const) {
      const r = rollcall(env, "run", "--target", target, scenario);
      expect(r.code, target).toBe(2);
      expect(r.err).toContain(message);
      noStack(r.err);
    }
  });
});

describe("a scenario written for another Ray release", () => {
  it("runs under the target's profile when the model says its expectations hold there, else is skipped saying where they part", () => {
    const target = `cmd:${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} serve-model --implements ray-2.49`;
    const files = ["scenarios/00-seed/07-no-namespace-ray.json", "scenarios/09-dead-names/01-crashed-owned-keeps-name-ray.json", "scenarios/09-dead-names/09-crash-frees-name-seed.json", "scenarios/13-versions"];
    const r = rollcall(bareEnv(dir), "run", "--target", target, "--logs", join(dir, "logs-stand-in"), "--json", ...files);
    expect(r.code).toBe(0);
    const results = (JSON.parse(r.out) as { results: { file: string; status: string; profile: string; note?: string }[] }).results;
    const by = (f: string) => results.find((x) => x.file.endsWith(f));
    expect(by("07-no-namespace-ray.json")).toMatchObject({ status: "PASS", profile: "ray-2.49", note: "written for ray; the model gives the same outcome under ray-2.49, the profile of this target" });
    expect(by("01-crashed-owned-keeps-name-ray.json")).toMatchObject({ status: "SKIP", profile: "ray", note: "profile ray: this target implements ray-2.49, under which the model parts from this scenario at steps[6]" });
    expect(by("09-crash-frees-name-seed.json")).toMatchObject({ status: "SKIP", note: "profile seed: this target implements ray-2.49" });
    expect(by("01-name-reused-after-exit-ray-2.49.json")).toMatchObject({ status: "PASS", profile: "ray-2.49" });
    expect(by("02-name-kept-after-exit-ray.json")).toMatchObject({ status: "SKIP" });
  });
});

describe("rollcall matrix", () => {
  it("runs releases in turn and tables which profile each implements, from what it does", () => {
    const cache = fresh("xdg-matrix");
    const standIn = join(ROOT, "adapters", "fixtures", "release-stand-in.mjs");
    // 2.44.1 behaves as ray-2.49 (as the model's table says), 2.60.0 as ray.
    for (const [release, as] of [["2.44.1", "ray-2.49"], ["2.60.0", "ray"]]) {
      const bin = join(cache, "rollcall", `ray-${release}`, "bin");
      mkdirSync(bin, { recursive: true });
      script(join(bin, "python"), `#!/bin/sh\nexec '${process.execPath}' '${standIn}' '${CLI}' ${release} ${as}\n`);
    }
    const out = join(fresh("matrix-out"), "m");
    const files = ["scenarios/00-seed/07-no-namespace-ray.json", "scenarios/09-dead-names/01-crashed-owned-keeps-name-ray.json", "scenarios/13-versions"];
    const r = rollcall(bareEnv(fresh("home-matrix"), { XDG_CACHE_HOME: cache }), "matrix", "--releases", "2.44.1,2.60.0", "--fuzz", "5", "--race", "2", "--out", out, ...files);
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(out, "matrix.json"), "utf8")) as { releases: { release: string; profile: string; matches: string[]; corpus: { passed: number; failed: number; skipped: number }; profiles: Record<string, { passed: number; failed: number }>; fuzz: { programs: number; differences: number }; race: { races: number; differences: number }; scenarios: Record<string, string> }[] };
    const [old, now] = m.releases;
    expect(old).toMatchObject({ release: "2.44.1", profile: "ray-2.49", matches: ["ray-2.49"], corpus: { passed: 2, failed: 0, skipped: 2 }, fuzz: { programs: 5, differences: 0 }, race: { races: 2, differences: 0 } });
    // Held to ray, 2.44.1 fails ray's own scenarios (the three written for ray: two of them part from ray-2.49).
    expect(old!.profiles["ray"]).toEqual({ passed: 1, failed: 2 });
    expect(now).toMatchObject({ release: "2.60.0", profile: "ray", matches: ["ray"], corpus: { passed: 3, failed: 0, skipped: 1 } });
    expect(now!.profiles["ray-2.49"]).toEqual({ passed: 0, failed: 1 });
    const md = readFileSync(join(out, "matrix.md"), "utf8");
    expect(md).toContain("| 2.44.1 | ray-2.49 | ray-2.49 |");
    expect(md).toContain("| 2.60.0 | ray | ray |");
    expect(md).toMatch(/13-versions\/01-name-reused-after-exit-ray-2\.49\.json \| PASS \| SKIP \(as ray-2\.49: FAIL\) \|/);
    expect(r.out).toContain("2 releases in");
  }, 300_000);

  it("refuses a list with something that is not a release before running any", () => {
    const r = rollcall(bareEnv(fresh("home-matrix-bad")), "matrix", "--releases", "2.60.0,2.4.0", "--out", join(dir, "m-bad"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("ray@2.4.0: rollcall runs Ray 2.5.0 and newer");
    expect(existsSync(join(dir, "m-bad"))).toBe(false);
  });
});

describe("--address: a user's own cluster", () => {
  const scenario = "scenarios/00-seed/07-no-namespace-ray.json";
  it("is refused unless it is a Ray target and a GCS address HOST:PORT", () => {
    const env = bareEnv(fresh("home-address"), { XDG_CACHE_HOME: fresh("xdg-address") });
    for (const [args, message] of [
      [["--target", "node", "--address", "127.0.0.1:6379"], "--address runs on a user's Ray cluster: it needs --target ray or ray@VERSION"],
      [["--target", "ray@2.49.2", "--address", "ray://127.0.0.1:10001"], "Ray Client (ray://) is not supported"],
      [["--target", "ray@2.49.2", "--address", "localhost"], "--address must be HOST:PORT, the cluster's GCS address"],
    ] as const) {
      const r = rollcall(env, "run", ...args, scenario);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toContain(message);
      noStack(r.err);
    }
  });
});
