import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "./errors.js";

/**
 * Where findings go. A command that may find something (a difference, a
 * violation) checks its output paths before it starts, so an unusable one is
 * refused at once (exit 2) rather than after hours of work; and a finding
 * that still cannot be written (a full disk) is printed in full on stderr
 * instead of being lost (stderr, so that stdout stays what --json promises).
 */

/** The nearest folder at or above `path` that exists, or an input error when a file stands in the way. */
function nearestFolder(path: string, flag: string): string {
  let p = resolve(path);
  for (;;) {
    if (existsSync(p)) {
      if (!statSync(p).isDirectory()) {
        throw new InputError(p === resolve(path) ? `${flag} ${path}: exists and is not a folder` : `${flag} ${path}: ${p} is a file, not a folder`);
      }
      return p;
    }
    const up = dirname(p);
    if (up === p) return p;
    p = up;
  }
}

/** Refuses (exit 2) unless files can be made in `folder`: makes and removes a probe, leaving nothing behind. */
function probe(folder: string, flag: string, path: string): void {
  try {
    rmSync(mkdtempSync(join(folder, ".rollcall-probe-")), { recursive: true, force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new InputError(`${flag} ${path}: cannot write in ${folder} (${code})`);
  }
}

/**
 * Checks up front that `dir` is, or can become, a folder that rollcall can
 * write in. Creates nothing (the folder is made when there is something to
 * put in it).
 */
export function checkOutDir(dir: string, flag: string): void {
  probe(nearestFolder(dir, flag), flag, dir);
}

/** Checks up front that `file` can be written: not a folder, in a folder rollcall can write in. */
export function checkOutFile(file: string, flag: string): void {
  const full = resolve(file);
  if (existsSync(full) && statSync(full).isDirectory()) throw new InputError(`${flag} ${file}: is a folder, not a file`);
  probe(nearestFolder(dirname(full), flag), flag, file);
}

/**
 * Writes `text` to `dir/name` (making the folder) and returns the path; when
 * that fails, says why and prints the whole finding on stderr between
 * markers, and returns null: the finding is never lost.
 */
export function saveFinding(dir: string, name: string, text: string, what: string): string | null {
  const file = join(dir, name);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
    return file;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    process.stderr.write(`rollcall: cannot write ${what} to ${file} (${code}); here it is in full:\n`);
    process.stderr.write(`----- ${what} (${name}) -----\n${text}${text.endsWith("\n") ? "" : "\n"}----- end of ${what} -----\n`);
    return null;
  }
}

/** Writes `text` to `file`; when that fails, prints it as `saveFinding` does. */
export function saveFindingFile(file: string, text: string, what: string): string | null {
  return saveFinding(dirname(file), basename(file), text, what);
}
