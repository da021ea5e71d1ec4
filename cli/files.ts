import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "./errors.js";

/** The scenario files named by the arguments: files as given, folders searched for `*.json`, in sorted order. */
export function scenarioFiles(paths: readonly string[]): string[] {
  if (paths.length === 0) throw new InputError("no scenario files or folders given");
  const out: string[] = [];
  for (const p of paths) {
    let stat;
    try {
      stat = statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or folder`);
    }
    if (stat.isDirectory()) {
      const found = walk(p);
      if (found.length === 0) throw new InputError(`${p}: no .json scenario files in this folder`);
      out.push(...found);
    } else {
      out.push(p);
    }
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile() && entry.name.endsWith(".json")) out.push(full);
  }
  return out;
}
