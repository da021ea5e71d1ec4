/**
 * The visited set of a search: 64-bit fingerprints in an open-addressing
 * table of two 32-bit words per slot (linear probing), each with the index of
 * its state. Eight bytes of fingerprint and four of index per slot, at most
 * half full: about 24 bytes per visited state, nothing per state on the
 * JavaScript heap. A fingerprint is (hi, lo) with (0, 0) kept for empty slots
 * (a state hashing to it is stored as (0, 1)).
 *
 * Two different states with one fingerprint would be taken for one: the
 * chance of that somewhere among n states is about n² / 2⁶⁵ (`collisionOdds`),
 * reported with every verdict, as SPIN and TLC do.
 */
export class FingerprintTable {
  private words: Uint32Array;
  private indices: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1 << 16) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.words = new Uint32Array(size * 2);
    this.indices = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the table holds. */
  get bytes(): number {
    return this.words.byteLength + this.indices.byteLength;
  }

  /** The index stored with the fingerprint, or -1. */
  get(hi: number, lo: number): number {
    if (hi === 0 && lo === 0) lo = 1;
    const words = this.words;
    for (let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask; ; slot = (slot + 1) & this.mask) {
      const h = words[slot * 2]!;
      const l = words[slot * 2 + 1]!;
      if (h === 0 && l === 0) return -1;
      if (h === hi >>> 0 && l === lo >>> 0) return this.indices[slot]!;
    }
  }

  /** Stores the fingerprint with `index` unless present; returns the index stored before, or -1 when it was new. */
  insert(hi: number, lo: number, index: number): number {
    if (hi === 0 && lo === 0) lo = 1;
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const words = this.words;
    hi >>>= 0;
    lo >>>= 0;
    for (let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask; ; slot = (slot + 1) & this.mask) {
      const h = words[slot * 2]!;
      const l = words[slot * 2 + 1]!;
      if (h === 0 && l === 0) {
        words[slot * 2] = hi;
        words[slot * 2 + 1] = lo;
        this.indices[slot] = index;
        this.count++;
        return -1;
      }
      if (h === hi && l === lo) return this.indices[slot]!;
    }
  }

  private grow(): void {
    const oldWords = this.words;
    const oldIndices = this.indices;
    const size = (this.mask + 1) * 2;
    this.words = new Uint32Array(size * 2);
    this.indices = new Int32Array(size);
    this.mask = size - 1;
    this.count = 0;
    for (let slot = 0; slot < oldIndices.length; slot++) {
      const h = oldWords[slot * 2]!;
      const l = oldWords[slot * 2 + 1]!;
      if (h !== 0 || l !== 0) this.insert(h, l, oldIndices[slot]!);
    }
  }
}

/** The chance that two of `n` states share a 64-bit fingerprint: about n(n−1) / 2⁶⁵. */
export function collisionOdds(n: number): number {
  return (n * (n - 1)) / 2 ** 65;
}

/** A growable array of 32-bit integers (parents, move numbers), doubling as it fills. */
export class IntColumn {
  private data: Int32Array;
  length = 0;

  constructor(capacity = 1 << 12) {
    this.data = new Int32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i]!;
  }

  get bytes(): number {
    return this.data.byteLength;
  }
}

/** Two 32-bit halves of a 64-bit hash of text (cyrb53's mixing, both halves kept), without allocating. */
export const hashOut = { hi: 0, lo: 0 };
export function hashText(text: string, seed = 0): void {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  hashOut.hi = h2 >>> 0;
  hashOut.lo = h1 >>> 0;
}

/** A 32-bit finalizer (murmur3's fmix32). */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes of the strings, numbers and keys met so far (a search meets few distinct ones, many times each), as (hi, lo) pairs. */
const primitiveHashes = new Map<unknown, number[]>();
const keyHashes = new Map<unknown, number[]>();
const MAX_CACHED = 1 << 16;

/** The hash of `text` under `seed`, left in hashOut, remembered in `cache` under `key` (up to MAX_CACHED entries). */
function cachedHash(cache: Map<unknown, number[]>, key: unknown, text: () => string, seed: number): void {
  const known = cache.get(key);
  if (known !== undefined) {
    hashOut.hi = known[0]!;
    hashOut.lo = known[1]!;
    return;
  }
  hashText(text(), seed);
  if (cache.size < MAX_CACHED) cache.set(key, [hashOut.hi, hashOut.lo]);
}

/** A string, number, boolean or null's hash, left in hashOut (the four kinds told apart). */
function primitiveHash(v: unknown): void {
  cachedHash(primitiveHashes, v, () => (typeof v === "string" ? "s" + v : (JSON.stringify(v) ?? "null")), 0x1b873593);
}

/** A record key's hash, left in hashOut. */
function keyHash(k: string): void {
  cachedHash(keyHashes, k, () => k, 0x2545f491);
}

/**
 * A 64-bit hash of plain data (JSON values), left in hashOut, equal for
 * values canonicalJson prints alike: a record's entries are summed (so their
 * order does not matter, and an undefined entry counts as absent), an
 * array's elements are chained in order, and a string, a number, a boolean
 * and null are told apart. It makes no text, so it costs a walk of the value.
 */
export function hashValue(v: unknown): void {
  if (v === null || typeof v !== "object") {
    primitiveHash(v);
    return;
  }
  if (Array.isArray(v)) {
    let hi = 0x6a09e667;
    let lo = 0xbb67ae85;
    for (let i = 0; i < v.length; i++) {
      hashValue(v[i]);
      hi = mix32((Math.imul(hi, 31) + hashOut.hi) >>> 0);
      lo = mix32((Math.imul(lo, 37) ^ hashOut.lo) + 0x3c6ef372);
    }
    hashOut.hi = mix32(hi ^ v.length);
    hashOut.lo = mix32(lo + v.length);
    return;
  }
  let hi = 0;
  let lo = 0;
  const record = v as Record<string, unknown>;
  for (const k in record) {
    const x = record[k];
    if (x === undefined) continue;
    hashValue(x);
    const vh = hashOut.hi;
    const vl = hashOut.lo;
    keyHash(k);
    hi = (hi + mix32((hashOut.hi + Math.imul(vh, 0x9e3779b1)) >>> 0)) >>> 0;
    lo = (lo + mix32(((hashOut.lo ^ vl) + 0x7f4a7c15) >>> 0)) >>> 0;
  }
  hashOut.hi = mix32(hi ^ 0xa54ff53a);
  hashOut.lo = mix32((lo + 0x510e527f) >>> 0);
}
