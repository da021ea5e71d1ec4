import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../cli/errors.js";
import { parseScenario } from "../sim/scenario/parse.js";
import { fuzz } from "./fuzz.js";
import { InProcessModelTarget, ModelServer, answerLine } from "./model-server.js";
import { ProcessTarget } from "./process.js";
import type { Reply, StepRequest } from "./protocol.js";
import { runOnTarget } from "./run-target.js";
import { BAD_REQUEST, replyProblem, requestProblem, resultKind, resultProblem } from "./schema.js";
import { TargetError, TargetRefusedError, type Target } from "./target.js";

// The command line tests run the built CLI (npm test builds it first), as a user would.
const CLI = join(process.cwd(), "dist", "cli", "main.js");
const FIXTURE = join(process.cwd(), "adapters", "fixtures", "misbehave.mjs");
const misbehave = (mode: string) => `node ${JSON.stringify(FIXTURE)} ${mode}`;
const dir = mkdtempSync(join(tmpdir(), "rollcall-protocol-"));
const SCENARIO_TEXT = JSON.stringify({
  title: "one driver", profile: "ray",
  steps: [{ by: "d1", do: "init" }, { by: "d1", do: "create", class: "Counter", name: "x", as: "x" }, { by: "d1", do: "call", actor: "x", method: "incr", expect: { value: 1 } }],
});
const scenario = parseScenario("s.json", SCENARIO_TEXT);
const scenarioFile = join(dir, "one-driver.json");
writeFileSync(scenarioFile, SCENARIO_TEXT);

function rollcall(args: readonly string[], input?: string) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, input });
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (performance.now() - started) / 1000 };
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);

/** Feeds lines to `rollcall serve-model` and returns its replies, one per line. */
function serve(lines: readonly string[]): { replies: Reply[]; code: number | null; err: string } {
  const r = rollcall(["serve-model"], lines.join("\n") + "\n");
  noStack(r.err);
  noStack(r.out);
  const out = r.out.split("\n").filter((l) => l !== "");
  for (const line of out) expect(line).not.toBe("undefined");
  return { replies: out.map((l) => JSON.parse(l) as Reply), code: r.code, err: r.err };
}

const hello = '{"id":90,"type":"hello","protocol":1}';
const reset = '{"id":1,"type":"reset","profile":"ray"}';
const init = '{"id":2,"type":"step","do":"init","caller":{"driver":"d1"}}';
const create = '{"id":3,"type":"step","do":"create","caller":{"driver":"d1"},"class":"Counter","name":"x"}';

describe("serve-model answers every malformed request with a BadRequest error, and goes on serving", () => {
  // [what, the line, the reply's id, what the message must say]
  const cases: [string, string, number | null, RegExp][] = [
    ["null", "null", null, /a request must be a JSON object, got null/],
    ["an empty object", "{}", null, /^id: missing required field/],
    ["an array", "[1,2]", null, /a request must be a JSON object, got \[1,2\]/],
    ["a line that is not JSON", "hello there", null, /^not JSON .*hello there/],
    ["a string id", '{"id":"7","type":"hello","protocol":1}', null, /^id: must be a positive integer, got "7"/],
    ["an unknown type", '{"id":5,"type":"frobnicate"}', 5, /^type: unknown request type "frobnicate" \(known: "hello", "reset"/],
    ["no type", '{"id":5}', 5, /^type: missing required field/],
    ["another protocol version", '{"id":5,"type":"hello","protocol":2}', 5, /^protocol: must be 1/],
    ["a reset without a profile", '{"id":5,"type":"reset"}', 5, /^profile: missing required field/],
    ["a step before any reset", init, 2, /step init before any reset: send reset first/],
    ["a settle before any reset", '{"id":6,"type":"settle"}', 6, /settle before any reset/],
  ];
  // One session for all of them, each line followed by a hello.
  let session: ReturnType<typeof serve> | null = null;
  const pairs = () => (session ??= serve(cases.flatMap(([, line]) => [line, hello])));
  it.each(cases.map((c, i) => [...c, i] as const))("%s", (_, _line, id, message, i) => {
    const { replies, code } = pairs();
    expect(code).toBe(0);
    expect(replies).toHaveLength(2 * cases.length);
    const [reply, next] = [replies[2 * i], replies[2 * i + 1]];
    expect(replyProblem(reply)).toBeNull();
    expect(reply).toMatchObject({ id, ok: false, error: { kind: BAD_REQUEST } });
    expect((reply as { error: { message: string } }).error.message).toMatch(message);
    // The server kept serving: the next line is answered.
    expect(next).toMatchObject({ id: 90, ok: true, result: { name: "rollcall-model" } });
  });

  // After reset, init of d1 and d1 creating x (handle a1).
  const after: [string, string, RegExp][] = [
    ["an unknown operation", '{"id":9,"type":"step","do":"teleport","caller":{"driver":"d1"}}', /^do: unknown operation "teleport"/],
    ["a step without a caller", '{"id":9,"type":"step","do":"list"}', /^caller: missing required field/],
    ["a caller naming both a driver and an actor", '{"id":9,"type":"step","do":"list","caller":{"driver":"d1","actor":"a1"}}', /^caller: must be \{ "driver": <label> \} or \{ "actor": <handle id> \}/],
    ["a call without a method", '{"id":9,"type":"step","do":"call","caller":{"driver":"d1"},"actor":"a1"}', /^method: missing required field/],
    ["args that are not a list", '{"id":9,"type":"step","do":"call","caller":{"driver":"d1"},"actor":"a1","method":"incr","args":5}', /^args: must be array/],
    ["an unknown field", '{"id":9,"type":"step","do":"list","caller":{"driver":"d1"},"colour":"red"}', /^colour: unknown field/],
    ["a namespace of the wrong type", '{"id":9,"type":"step","do":"get","caller":{"driver":"d1"},"name":"x","namespace":5}', /^namespace: must be a string or \{ "of": <driver label> \}/],
    ["a crash with a caller", '{"id":9,"type":"step","do":"crash","caller":{"driver":"d1"},"actor":"a1"}', /^caller: unknown field/],
    ["an unknown actor", '{"id":9,"type":"step","do":"call","caller":{"driver":"d1"},"actor":"a9","method":"incr"}', /^actor: no actor with handle id "a9" in this cluster/],
    ["an unknown actor as the caller", '{"id":9,"type":"step","do":"list","caller":{"actor":"a7"}}', /^caller\.actor: no actor with handle id "a7"/],
    ["an unknown driver", '{"id":9,"type":"step","do":"call","caller":{"driver":"d2"},"actor":"a1","method":"incr"}', /^caller\.driver: no driver "d2" in this cluster/],
    ["an actor the caller holds no handle to", '{"id":9,"type":"step","do":"call","caller":{"actor":"a1"},"actor":"a1","method":"incr"}', /^actor: the caller holds no handle to "a1"/],
    ["an unknown method", '{"id":9,"type":"step","do":"call","caller":{"driver":"d1"},"actor":"a1","method":"explode"}', /^method: unknown method "explode"/],
    ["a second init of a driver", '{"id":9,"type":"step","do":"init","caller":{"driver":"d1"}}', /^caller\.driver: driver "d1" has already started/],
    ["a namespace of a driver that never started", '{"id":9,"type":"step","do":"get","caller":{"driver":"d1"},"name":"x","namespace":{"of":"d5"}}', /^namespace\.of: no driver "d5" has started/],
    ["args nested too deep", `{"id":9,"type":"step","do":"call","caller":{"driver":"d1"},"actor":"a1","method":"incr","args":${"[".repeat(5000)}${"]".repeat(5000)}}`, /^args: nested deeper than 200 levels/],
  ];
  it("answers malformed steps after a reset, naming the field, never Internal", () => {
    const { replies, code } = serve([reset, init, create, ...after.map(([, line]) => line), '{"id":10,"type":"step","do":"call","caller":{"driver":"d1"},"actor":"a1","method":"incr"}']);
    expect(code).toBe(0);
    expect(replies).toHaveLength(3 + after.length + 1);
    expect(replies[2]).toEqual({ id: 3, ok: true, result: { handle: "a1" } });
    after.forEach(([what, , message], i) => {
      const reply = replies[3 + i];
      expect(replyProblem(reply), what).toBeNull();
      expect(reply, what).toMatchObject({ id: 9, ok: false, error: { kind: BAD_REQUEST } });
      expect((reply as { error: { message: string } }).error.message, what).toMatch(message);
    });
    // None of them changed the cluster: the actor's first incr returns 1.
    expect(replies.at(-1)).toEqual({ id: 10, ok: true, result: { value: 1 } });
  });

  it("refuses steps by a driver that has exited", () => {
    const { replies } = serve([reset, init, '{"id":4,"type":"step","do":"exit","caller":{"driver":"d1"}}', '{"id":5,"type":"step","do":"list","caller":{"driver":"d1"}}']);
    expect(replies[2]).toEqual({ id: 4, ok: true, result: {} });
    expect(replies[3]).toMatchObject({ id: 5, ok: false, error: { kind: BAD_REQUEST, message: expect.stringMatching(/^caller\.driver: driver "d1" has exited/) } });
  });

  it("stops at shutdown and answers nothing after it", () => {
    const { replies, code } = serve([hello, '{"id":2,"type":"shutdown"}', hello]);
    expect(code).toBe(0);
    expect(replies).toEqual([expect.objectContaining({ id: 90, ok: true }), { id: 2, ok: true, result: {} }]);
  });

  it("never throws and always answers a well-formed reply, whatever the request (random requests)", () => {
    const server = new ModelServer();
    server.handle({ id: 1, type: "reset", profile: "ray" });
    server.handle({ id: 2, type: "step", do: "init", caller: { driver: "d1" } });
    server.handle({ id: 3, type: "step", do: "create", caller: { driver: "d1" }, class: "Counter", name: "x" });
    const field = fc.oneof(fc.constantFrom("d1", "d2", "a1", "a2", "x", "", "incr", "Counter", "ray"), fc.integer(), fc.boolean(), fc.constant(null), fc.anything());
    const request = fc.oneof(
      fc.anything(),
      fc.record({
        id: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.anything()),
        type: fc.oneof(fc.constantFrom("hello", "reset", "step", "settle", "shutdown"), fc.anything()),
        do: fc.oneof(fc.constantFrom("init", "create", "get", "call", "kill", "drop", "exit", "list", "state", "crash"), fc.anything()),
        caller: fc.oneof(fc.record({ driver: field }), fc.record({ actor: field }), fc.anything()),
        actor: field, class: field, method: field, name: field, namespace: fc.oneof(field, fc.record({ of: field })),
        args: fc.oneof(fc.array(fc.jsonValue()), field), profile: field, protocol: field,
      }, { requiredKeys: ["id", "type"] }),
    );
    fc.assert(fc.property(request, (generated) => {
      const text = JSON.stringify(generated) ?? "undefined";
      const value: unknown = text === "undefined" ? undefined : JSON.parse(text);
      const reply = answerLine(server, text);
      expect(replyProblem(reply)).toBeNull();
      if (reply.ok) {
        expect(requestProblem(value)).toBeNull();
        expect(resultProblem(resultKind(value as { type: string }), reply.result)).toBeNull();
      } else if (requestProblem(value) !== null) {
        expect(reply.error.kind).toBe(BAD_REQUEST);
      } else if ((value as { type: string }).type !== "reset") {
        // Only a reset to a profile the server lacks is refused with Internal; everything else is the model's answer.
        expect(reply.error.kind).not.toBe("Internal");
      }
    }), { numRuns: 3000, seed: 11 });
  });
});

/** The model in process, every reply checked against the protocol's schemas. */
class CheckedModelTarget implements Target {
  readonly description = "checked model";
  private readonly inner = new InProcessModelTarget();
  checked = 0;
  hello() {
    return this.inner.hello();
  }
  reset(profile: string) {
    return this.inner.reset(profile);
  }
  settle() {
    return this.inner.settle();
  }
  close() {
    return this.inner.close();
  }
  async step(request: StepRequest): Promise<Reply> {
    const reply = await this.inner.step(request);
    const problem = replyProblem({ ...reply, id: 1 }) ?? (reply.ok ? resultProblem(resultKind({ type: "step", ...request }), reply.result) : null);
    if (problem !== null) throw new Error(`serve-model broke its own protocol at ${JSON.stringify(request)}: ${problem}`);
    this.checked++;
    return reply;
  }
}

describe("format version 2 over the protocol (nodes)", () => {
  it("serve-model lists format 2 and runs every node scenario of the corpus, each reply fitting its schema", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const folder = join(process.cwd(), "scenarios", "14-nodes");
    const files = readdirSync(folder).filter((f) => f.endsWith(".json")).sort();
    expect(files.length).toBeGreaterThanOrEqual(15);
    const target = new CheckedModelTarget();
    expect((await target.hello()).formats).toEqual([1, 2]);
    for (const f of files) {
      const result = await runOnTarget(parseScenario(f, readFileSync(join(folder, f), "utf8")), target);
      expect(result.failure, f).toBeUndefined();
      expect(result.passed, f).toBe(true);
    }
    expect(target.checked).toBeGreaterThan(100);
  });

  it("refuses a node it never returned, and killing or draining the head, naming the field", () => {
    const { replies } = serve([
      reset,
      '{"id":2,"type":"step","do":"addNode"}',
      '{"id":3,"type":"step","do":"killNode","node":"n9"}',
      '{"id":4,"type":"step","do":"drainNode","node":"head","reason":"idle"}',
      '{"id":5,"type":"step","do":"drainNode","node":"n1","reason":"sometime"}',
      '{"id":6,"type":"step","do":"init","caller":{"driver":"d1"},"node":"n1"}',
      '{"id":7,"type":"step","do":"drainNode","node":"n1","reason":"idle"}',
    ]);
    expect(replies[1]).toEqual({ id: 2, ok: true, result: { node: "n1" } });
    expect(replies[2]).toMatchObject({ id: 3, ok: false, error: { kind: BAD_REQUEST, message: expect.stringMatching(/^node: no node "n9" in this cluster/) } });
    expect(replies[3]).toMatchObject({ id: 4, ok: false, error: { kind: BAD_REQUEST, message: "node: the head node cannot be drained" } });
    expect(replies[4]).toMatchObject({ id: 5, ok: false, error: { kind: BAD_REQUEST, message: expect.stringMatching(/^reason: must be one of "preemption", "idle"/) } });
    expect(replies[5]).toMatchObject({ id: 6, ok: true });
    // Only a driver runs there: that does not keep the node busy (as on Ray 2.60.0, docs/semantics.md#node.drainRejected).
    expect(replies[6]).toEqual({ id: 7, ok: true, result: { accepted: true } });
  });

  it("checks node results: a placement's node must be a string or null, a cause one of Ray's", () => {
    expect(resultProblem("placement", { node: 3 })).toMatch(/^placement\.node: /);
    expect(resultProblem("placement", { node: null })).toBeNull();
    expect(resultProblem("deathCause", { cause: "EATEN" })).toMatch(/^deathCause\.cause: /);
    expect(resultProblem("deathCause", { cause: "NODE_DIED" })).toBeNull();
    expect(resultProblem("drainNode", {})).toBe("drainNode.accepted: missing required field");
  });
});

describe("serve-model's replies fit the protocol's schemas", () => {
  it("on every step of 150 random programs", async () => {
    const target = new CheckedModelTarget();
    const report = await fuzz({ runs: 150, seed: 3, profile: "ray", maxMoves: 30, target: () => target });
    expect(report.difference).toBeUndefined();
    expect(target.checked).toBeGreaterThan(1000);
  });
});

async function withTarget<T>(mode: string, body: (t: ProcessTarget) => Promise<T>): Promise<T> {
  const target = new ProcessTarget(misbehave(mode), { stepTimeoutMs: 5_000 });
  try {
    return await body(target);
  } finally {
    await target.close();
  }
}

describe("the harness checks hello and every reply against the protocol's schema", () => {
  it("a hello that says {name: 5, profiles: \"ray\"}: a protocol verdict naming the fields", async () => {
    const error = await withTarget("bad-hello", (t) => t.hello().then(() => null, (e: unknown) => e));
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).verdict).toBe("protocol");
    expect((error as TargetError).message).toMatch(/^the reply to hello breaks the protocol: .*hello\.name: must be string/);
    expect((error as TargetError).message).toMatch(/hello\.profiles: must be array/);
    expect((error as TargetError).message).toMatch(/hello\.version: missing required field/);
  });

  const verdicts: [string, RegExp, number | null][] = [
    ["empty-results", /^the reply to step init breaks the protocol: init\.namespace: missing required field/, 0],
    ["bare-object", /reply\.ok: missing required field/, null],
    ["null-id", /could not read a request: cannot read that/, null],
    ["bad-kind", /reply\.error\.kind: must be one of "NameTaken", .*"Internal", "BadRequest"/, 0],
    ["bad-request", /^the reply to step init breaks the protocol: it refused the request as malformed: caller: what is that\?/, 0],
  ];
  it.each(verdicts)("%s: a protocol verdict naming the field", async (mode, message, index) => {
    const result = await withTarget(mode, (t) => runOnTarget(scenario, t));
    expect(result.passed).toBe(false);
    expect(result.verdict?.kind).toBe("protocol");
    expect(result.verdict?.message).toMatch(message);
    expect(result.verdict?.path).toEqual(index === null ? null : { index });
  });

  it("checks each result against the request it answers: a list with allNamespaces needs name/namespace objects", () => {
    expect(resultProblem("list-all", { names: ["x"] })).toBe("list.names.0: must be object");
    expect(resultProblem("list", { names: [{ name: "x", namespace: "n" }] })).toBe("list.names.0: must be string");
    expect(resultProblem("state", { state: "SLEEPING" })).toMatch(/^state\.state: must be one of "DEPENDENCIES_UNREADY"/);
    expect(resultProblem("create", { handle: "" })).toMatch(/^create\.handle: must NOT have fewer than 1 characters/);
    expect(resultProblem("call", {})).toBe("call.value: missing required field");
    // Fields the protocol does not list are allowed and ignored.
    expect(resultProblem("init", { namespace: "n", job: "j1" })).toBeNull();
  });

  it("passes a well-behaved implementation", async () => {
    const result = await withTarget("well-behaved", async (t) => {
      expect(await t.hello()).toEqual({ name: "misbehave", version: "0", profiles: ["ray"] });
      return runOnTarget(scenario, t);
    });
    expect(result.passed).toBe(true);
  });
});

describe("a target that refuses reset or hello is an input error, not a verdict", () => {
  it("a refused reset throws TargetRefusedError (an InputError) naming the target, the profile and the reason", async () => {
    const error = await withTarget("refuse-reset", (t) => runOnTarget(scenario, t).then(() => null, (e: unknown) => e));
    expect(error).toBeInstanceOf(TargetRefusedError);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^the target cmd:node "[^"]*misbehave\.mjs" refuse-reset refused reset to profile ray: Internal: no cluster for you$/);
  });

  it("a refused hello is remembered: the next reset is refused with it", async () => {
    await withTarget("refuse-hello", async (t) => {
      await expect(t.hello()).rejects.toThrow(TargetRefusedError);
      await expect(runOnTarget(scenario, t)).rejects.toThrow(/refused hello: Internal: not today/);
    });
  });
});

describe("the command line on a target that refuses: exit 2, once, never shrunk", () => {
  it("run on a target whose hello breaks the protocol: an ERROR with a protocol verdict naming the field", () => {
    const r = rollcall(["run", "--target", `cmd:${misbehave("bad-hello")}`, scenarioFile]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ERROR .*one-driver\.json/m);
    expect(r.out).toMatch(/protocol before the first step: the reply to hello breaks the protocol: .*hello\.name: must be string/);
    noStack(r.err);
  });

  it("run on a target that refuses reset: exit 2, the reason once", () => {
    const r = rollcall(["run", "--target", `cmd:${misbehave("refuse-reset")}`, scenarioFile, scenarioFile]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.match(/refused reset to profile ray: Internal: no cluster for you/g)).toHaveLength(1);
    noStack(r.err);
  });

  // "constructor" is a property of every object: the check looks at the runtime's own list only.
  it.each([["bogus"], ["constructor"]])("run --target node --bug %s: refused before anything starts, naming the known bugs", (bug) => {
    const r = rollcall(["run", "--target", "node", "--bug", bug, scenarioFile]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`--bug: the Node runtime has no seeded bug '${bug}' \\(known: get-or-create-no-retry, `));
    expect(r.out).toBe("");
  });

  it("run on the Node runtime as a cmd: target with an unknown bug: the runtime's refusal, exit 2", () => {
    const r = rollcall(["run", "--target", `cmd:node ${JSON.stringify(join(process.cwd(), "dist", "runtime", "adapter.js"))}`, "--bug", "bogus", scenarioFile]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\(--bug bogus\) refused (hello|reset to profile ray): Internal: unknown seeded bug ROLLCALL_BUG=bogus/);
    expect(r.out).toBe("");
  });

  it.each([[[] as string[]], [["--race"]]])("fuzz %j --target node --profile seed: exit 2 before running anything", (extra) => {
    const r = rollcall(["fuzz", "--target", "node", "--profile", "seed", "--runs", "50", "--seed", "1", ...extra]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the target node does not implement profile seed \(its hello lists ray\)/);
    expect(r.out).not.toMatch(/difference|programs \d|races \d/);
    expect(r.err).not.toMatch(/shrinking/);
    noStack(r.err);
  });

  it.each([[[] as string[]], [["--race"]]])("fuzz %j on a target that refuses reset: exit 2 at once with the target, the profile and the reason; no difference, no shrinking", (extra) => {
    const r = rollcall(["fuzz", "--target", `cmd:${misbehave("refuse-reset")}`, "--runs", "50", "--seed", "1", "--out", join(dir, "out"), ...extra]);
    expect(r.code).toBe(2);
    expect(r.err.match(/the target cmd:node .*refuse-reset refused reset to profile ray: Internal: no cluster for you/g)).toHaveLength(1);
    expect(r.out).not.toMatch(/difference|written:/);
    expect(r.err).not.toMatch(/shrinking|before shrinking/);
    // Far below the 600 s that shrinking may take (the machine running the tests may be slow).
    expect(r.seconds).toBeLessThan(60);
    noStack(r.err);
  });

  it("fuzz on a target whose hello breaks the protocol: exit 2 naming the field", () => {
    const r = rollcall(["fuzz", "--target", `cmd:${misbehave("bad-hello")}`, "--runs", "5", "--seed", "1"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot be used: protocol: .*hello\.name: must be string/);
  });
});
