import { getField, setField, type PackedLayout } from "./packedLayout.js";
import type { Universe } from "./universe.js";

/**
 * Symmetry reduction for the packed engine: one representative per orbit of
 * states under the permutations that map the universe's runs onto runs.
 *
 * - Drivers: every driver may issue the same commands, and the model refers
 *   to them only through their job numbers (given in `init` order), so
 *   permuting drivers only permutes the (job, operations issued) pairs of
 *   the slots. The representative lists the slots by job number, drivers
 *   that have not started last: exact, and nearly free.
 * - Names: every command ranges over every name, so the names can be renamed
 *   at will. Namespaces: drivers start in a namespace in use or in the first
 *   unused one (universe.ts), so the namespaces in use (always ns1..nsU) can
 *   be renamed among themselves. The representative is the least encoding
 *   (word by word) over those renamings, after the slots are listed.
 *
 * Not used: renumbering jobs or actors (their numbers come from counters and
 * say in which order they were made), which would need a search for a
 * canonical labelling on every successor.
 */
export function makeCanonical(u: Universe, L: PackedLayout): (b: Uint32Array, o: number) => void {
  const W = L.words;
  const D = L.drivers;
  const M = L.names;
  const NS = L.namespaces;
  const w = L.width;
  const classes = driverClasses(L);
  const jobs = new Int32Array(D);
  const ops = new Int32Array(D);
  const namePerms = permutations(M);
  const scratch = new Uint32Array(W);
  const best = new Uint32Array(W);
  const nsPerms: Int32Array[][] = [];
  for (let used = 0; used <= NS; used++) {
    nsPerms.push(permutations(used).map((p) => Int32Array.from({ length: NS }, (_, i) => (i < used ? p[i]! : i))));
  }
  const renames = M > 1 || NS > 1;

  return (b, o) => {
    // Drivers with the same bound: listed by job number, those not started last.
    for (const cls of classes) {
      const n = cls.length;
      for (let t = 0; t < n; t++) {
        const j = getField(b, o, L.slotJob[cls[t]!]!, w.jobNumber);
        const v = getField(b, o, L.slotOps[cls[t]!]!, w.ops);
        let at = t;
        const key = j === 0 ? 1 << 20 : j;
        while (at > 0 && (jobs[at - 1] === 0 ? 1 << 20 : jobs[at - 1]!) > key) {
          jobs[at] = jobs[at - 1]!;
          ops[at] = ops[at - 1]!;
          at--;
        }
        jobs[at] = j;
        ops[at] = v;
      }
      for (let t = 0; t < n; t++) {
        setField(b, o, L.slotJob[cls[t]!]!, w.jobNumber, jobs[t]!);
        setField(b, o, L.slotOps[cls[t]!]!, w.ops, ops[t]!);
      }
    }
    const cJob = getField(b, o, L.counterJob, w.jobNumber);
    if (!renames) return;
    let used = 0;
    for (let ji = 0; ji < cJob; ji++) used = Math.max(used, getField(b, o, L.jobNs[ji]!, w.ns) + 1);
    for (let w0 = 0; w0 < W; w0++) best[w0] = b[o + w0]!;
    for (const names of namePerms) {
      for (const spaces of nsPerms[used]!) {
        rename(L, b, o, scratch, names, spaces);
        let c = 0;
        while (c < W && scratch[c] === best[c]) c++;
        if (c < W && scratch[c]! < best[c]!) best.set(scratch);
      }
    }
    for (let w0 = 0; w0 < W; w0++) b[o + w0] = best[w0]!;
  };
}

/** Writes into `out` the state at `b[o..]` with names and namespaces renamed (name n becomes names[n], namespace s becomes spaces[s]). */
function rename(L: PackedLayout, b: Uint32Array, o: number, out: Uint32Array, names: Int32Array, spaces: Int32Array): void {
  const w = L.width;
  const M = L.names;
  for (let i = 0; i < L.words; i++) out[i] = b[o + i]!;
  const cJob = getField(b, o, L.counterJob, w.jobNumber);
  const cActor = getField(b, o, L.counterActor, w.actorNumber);
  for (let ji = 0; ji < cJob; ji++) {
    setField(out, 0, L.jobNs[ji]!, w.ns, spaces[getField(b, o, L.jobNs[ji]!, w.ns)]!);
    if (getField(b, o, L.jobInflight[ji]!, 2) !== 0) setField(out, 0, L.jobInflightName[ji]!, w.name, names[getField(b, o, L.jobInflightName[ji]!, w.name)]!);
  }
  for (let k = 0; k < cActor; k++) setField(out, 0, L.actorName[k]!, w.name, names[getField(b, o, L.actorName[k]!, w.name)]!);
  for (let s = 0; s < L.namespaces; s++) {
    for (let n = 0; n < M; n++) {
      setField(out, 0, L.registry[spaces[s]! * M + names[n]!]!, w.actorNumber, getField(b, o, L.registry[s * M + n]!, w.actorNumber));
    }
  }
}

/** The drivers that may be exchanged: those with the same number of operations, in groups of two or more. */
function driverClasses(L: PackedLayout): Int32Array[] {
  const bySize = new Map<number, number[]>();
  L.opsOf.forEach((n, i) => bySize.set(n, [...(bySize.get(n) ?? []), i]));
  return [...bySize.values()].filter((c) => c.length > 1).map((c) => Int32Array.from(c));
}

/** Every permutation of 0..n-1. */
function permutations(n: number): Int32Array[] {
  if (n === 0) return [new Int32Array(0)];
  const out: Int32Array[] = [];
  for (const p of permutations(n - 1)) {
    for (let at = 0; at <= p.length; at++) out.push(Int32Array.from([...p.slice(0, at), n - 1, ...p.slice(at)]));
  }
  return out;
}

/**
 * Another state of the same orbit, for tests: the state at `b` with its
 * drivers' slots shuffled and its names and namespaces in use renamed, each
 * at random by `random`.
 */
export function permuteWords(u: Universe, L: PackedLayout, b: Uint32Array, random: () => number): Uint32Array {
  const w = L.width;
  const out = b.slice();
  const shuffle = (n: number): Int32Array => {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  };
  for (const cls of driverClasses(L)) {
    const p = shuffle(cls.length);
    for (let t = 0; t < cls.length; t++) {
      setField(out, 0, L.slotJob[cls[p[t]!]!]!, w.jobNumber, getField(b, 0, L.slotJob[cls[t]!]!, w.jobNumber));
      setField(out, 0, L.slotOps[cls[p[t]!]!]!, w.ops, getField(b, 0, L.slotOps[cls[t]!]!, w.ops));
    }
  }
  const cJob = getField(b, 0, L.counterJob, w.jobNumber);
  let used = 0;
  for (let ji = 0; ji < cJob; ji++) used = Math.max(used, getField(b, 0, L.jobNs[ji]!, w.ns) + 1);
  const usedPerm = shuffle(used);
  const spaces = Int32Array.from({ length: L.namespaces }, (_, i) => (i < used ? usedPerm[i]! : i));
  const renamed = new Uint32Array(L.words);
  rename(L, out, 0, renamed, shuffle(L.names), spaces);
  void u;
  return renamed;
}
