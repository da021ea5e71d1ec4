import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { isMutantName } from "../model/index.js";
import { InvalidSource, readSource } from "../sim/source.js";
import { EXIT_INVALID, EXIT_OK, InputError } from "./errors.js";
import { parseCount } from "./options.js";

/** The port `rollcall web` listens on unless told otherwise. */
export const DEFAULT_PORT = 5178;

/** The built page: dist/web beside dist/cli (vite.config.ts). */
const PAGE = fileURLToPath(new URL("../web/", import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * `rollcall web [FILE]`: serves the teaching viewer on 127.0.0.1 and prints
 * its address. FILE (a scenario, a fuzz failure, a checker counterexample or
 * an event log) is checked first, as `run` and `replay` check it, and then
 * opens in the page (played on the seeded bug `--mutant` names, if any).
 * Runs until interrupted.
 */
export async function webCommand(file: string | undefined, options: { port: string; mutant?: string }): Promise<number> {
  const port = parseCount(options.port, "--port");
  if (port > 65535) throw new InputError(`--port must be at most 65535, got ${port}`);
  const mutant = options.mutant;
  if (mutant !== undefined && !isMutantName(mutant)) throw new InputError(`--mutant: unknown mutant '${mutant}' (rollcall check --list-mutants lists them)`);
  if (mutant !== undefined && file === undefined) throw new InputError("--mutant plays a scenario on a seeded bug: give the scenario file (the page's 'Run on' menu picks a bug for the corpus)");
  if (!existsSync(join(PAGE, "index.html"))) throw new InputError(`the viewer is not built (no ${join(PAGE, "index.html")}): run npm run build`);
  let preload: Preload | null = null;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new InputError(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    // Values nested deeper than the page can walk are refused by the scenario and log parsers (MAX_JSON_DEPTH).
    let kind: "scenario" | "log";
    try {
      kind = readSource(file, text).kind;
    } catch (e) {
      if (!(e instanceof InvalidSource)) throw e;
      for (const p of e.problems) console.error(`invalid: ${p}`);
      return EXIT_INVALID;
    }
    if (mutant !== undefined && kind === "log") throw new InputError(`--mutant plays a scenario on a seeded bug; ${file} is an event log, one recorded run of the model`);
    // A run id: a tab reloaded after the server was restarted with another file shows that file.
    preload = { name: file, text, run: randomUUID(), ...(mutant === undefined ? {} : { mutant }) };
  }
  const server = createServer((req, res) => serve(req, res, preload));
  const bound = await listen(server, port);
  console.log(`rollcall web: the viewer is at http://127.0.0.1:${bound}/`);
  if (file !== undefined) console.log(`  showing ${file}${mutant === undefined ? "" : ` on the seeded bug ${mutant}`}`);
  console.log("  (Ctrl-C stops it)");
  await new Promise<void>((resolve) => server.on("close", resolve));
  return EXIT_OK;
}

/** What the page opens: the file given, a run id, and the seeded bug to play it on. */
interface Preload {
  readonly name: string;
  readonly text: string;
  readonly run: string;
  readonly mutant?: string;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "EADDRINUSE" ? "is in use" : e.code === "EACCES" ? "is not open to this user" : e.code === "EADDRNOTAVAIL" ? "cannot be bound on 127.0.0.1" : null;
      reject(why === null ? e : new InputError(`port ${port} ${why}: pick another with --port (0 picks a free one)`));
    });
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

/** The page's files, and `preload`: the file given on the command line (JSON null when none). */
function serve(req: IncomingMessage, res: ServerResponse, preload: Preload | null): void {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain; charset=utf-8", "only GET and HEAD");
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
  } catch {
    return send(res, 400, "text/plain; charset=utf-8", "a malformed path");
  }
  if (path === "/preload") return send(res, 200, TYPES[".json"], JSON.stringify(preload));
  const file = normalize(join(PAGE, path === "/" ? "index.html" : path));
  if (!file.startsWith(PAGE.endsWith(sep) ? PAGE : PAGE + sep) || !existsSync(file) || extname(file) === "") {
    return send(res, 404, "text/plain; charset=utf-8", `not found: ${path}`);
  }
  send(res, 200, TYPES[extname(file)] ?? "application/octet-stream", readFileSync(file));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(res.req.method === "HEAD" ? undefined : body);
}
