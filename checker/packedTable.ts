/**
 * The packed checker's visited set and state store in one: states are
 * appended, `words` words each, to one growing Uint32Array in the order they
 * are found (so a breadth-first frontier is a range of indices), with each
 * state's parent index beside it; an open-addressing table of (index + 1,
 * hash) pairs (linear probing, at most half full; 0 marks a free slot) finds a
 * state by its words, touching the store only when the hashes agree.
 */
export class PackedStates {
  readonly words: number;
  /** The states, `words` words each: state `i` is at `offset(i)`. */
  buffer: Uint32Array;
  /** Each state's parent index (-1 for the initial state). */
  parent: Int32Array;
  private hashes: Int32Array;
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(words: number, capacity = 1 << 16) {
    this.words = words;
    this.buffer = new Uint32Array(capacity * words);
    this.parent = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.table = new Int32Array(capacity * 4);
    this.mask = capacity * 2 - 1;
  }

  /** Where the words of state `index` start in `buffer`. */
  offset(index: number): number {
    return index * this.words;
  }

  /**
   * Adds the state at `b[o..]` with its parent unless it is already here.
   * Returns its new index, or -1 when it was already stored.
   */
  add(b: Uint32Array, o: number, parent: number): number {
    const W = this.words;
    const h = hashWords(b, o, W) | 0;
    const store = this.buffer;
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const at = table[2 * slot]! - 1;
      if (at < 0) break;
      if (table[2 * slot + 1] === h) {
        const base = at * W;
        let w = 0;
        while (w < W && store[base + w] === b[o + w]) w++;
        if (w === W) return -1;
      }
      slot = (slot + 1) & mask;
    }
    const index = this.size;
    if (index === this.parent.length) {
      this.grow();
      return this.add(b, o, parent);
    }
    const base = index * W;
    for (let w = 0; w < W; w++) store[base + w] = b[o + w]!;
    this.parent[index] = parent;
    this.hashes[index] = h;
    table[2 * slot] = index + 1;
    table[2 * slot + 1] = h;
    this.size = index + 1;
    return index;
  }

  /** The index of the state at `b[o..]`, or -1. */
  find(b: Uint32Array, o: number): number {
    const W = this.words;
    const h = hashWords(b, o, W) | 0;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = this.table[2 * slot]! - 1;
      if (at < 0) return -1;
      if (this.table[2 * slot + 1] !== h) continue;
      let w = 0;
      while (w < W && this.buffer[at * W + w] === b[o + w]) w++;
      if (w === W) return at;
    }
  }

  /** Doubles every array and rehashes. */
  private grow(): void {
    const capacity = this.parent.length * 2;
    const store = new Uint32Array(capacity * this.words);
    store.set(this.buffer);
    this.buffer = store;
    const parent = new Int32Array(capacity);
    parent.set(this.parent);
    this.parent = parent;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const table = new Int32Array(capacity * 4);
    const mask = capacity * 2 - 1;
    for (let i = 0; i < this.size; i++) {
      const h = hashes[i]!;
      let slot = h & mask;
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = i + 1;
      table[2 * slot + 1] = h;
    }
    this.table = table;
    this.mask = mask;
  }
}

/** A 32-bit hash of `W` words (MurmurHash3's word mixing and finaliser). */
export function hashWords(b: Uint32Array, o: number, W: number): number {
  let h = 0x9747b28c ^ W;
  for (let w = 0; w < W; w++) {
    let k = Math.imul(b[o + w]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
