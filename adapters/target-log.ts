import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * A target's own log: everything an implementation under test said and was
 * told, one line each, so that a verdict (a timeout, a death, a broken
 * protocol) can be diagnosed after the run. Lines are
 *
 *     2026-12-02T07:31:02.114Z > {"id":3,"type":"step","do":"create",…}   a request sent
 *     2026-12-02T07:31:02.201Z < {"id":3,"ok":true,…}                     a line read from its stdout
 *     2026-12-02T07:31:02.190Z ! [ray-bridge 07:31:02] …                  a line of its stderr
 *     2026-12-02T07:31:32.114Z # timeout: no answer to settle within 30 s  what rollcall concluded
 *
 * Written synchronously, line by line: a run that is interrupted or killed
 * keeps every line up to that moment. The implementation may keep logs of its
 * own (Ray's session logs, say) in the folder `ROLLCALL_LOG_DIR` names:
 * `<log file without .log>.d/`.
 */
export class TargetLog {
  private fd: number | null;

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
  }

  /** Opens a new log in `dir` (made if missing) named after the target's label. */
  static open(dir: string, label: string): TargetLog {
    mkdirSync(dir, { recursive: true });
    const base = `${label.replace(/[^A-Za-z0-9@.+-]+/g, "_").slice(0, 40) || "target"}-${stamp(new Date())}-${process.pid}-${++opened}`;
    const path = join(dir, `${base}.log`);
    return new TargetLog(path, openSync(path, "wx"));
  }

  /** The folder for the implementation's own logs (ROLLCALL_LOG_DIR, absolute: it may run elsewhere); made by whoever writes there. */
  get ownDir(): string {
    return resolve(this.path.replace(/\.log$/, ".d"));
  }

  /** One line: `kind` is `>` sent, `<` read, `!` stderr, `#` rollcall's own note. */
  line(kind: ">" | "<" | "!" | "#", text: string): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, `${new Date().toISOString()} ${kind} ${text}\n`);
    } catch {
      // A full disk must not turn a run into a crash: the log stops, the run goes on.
      this.close();
    }
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = null;
  }
}

let opened = 0;

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
