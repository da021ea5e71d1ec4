/**
 * Canonical text and fingerprints of plain data: keys sorted, so two equal
 * states always print and hash the same, whatever order their records were
 * built in.
 */

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return out + "]";
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    out += (first ? "" : ",") + JSON.stringify(key) + ":" + canonicalJson(v);
    first = false;
  }
  return out + "}";
}

/**
 * Canonical keys by hash-consing: every distinct value (by canonical content)
 * gets a small number, and an object's key is built from its children's
 * numbers, so equal values get equal keys and a key stays short however large
 * the value. Objects are remembered by identity: only for values that never
 * change while it is in use (the explorer's states, which immer makes by
 * sharing every unchanged part). Make a fresh one per exploration.
 */
export function memoCanonicalKey(): (value: unknown) => string {
  const intern = new Map<string, string>();
  return memoKeyBy((text) => {
    let id = intern.get(text);
    if (id === undefined) {
      id = `#${intern.size}`;
      intern.set(text, id);
    }
    return id;
  });
}

/**
 * The walk behind `memoCanonicalKey`: an object's text is its sorted keys and
 * its children's keys, and `name` turns that text into the object's key (a
 * number interned here, or a hash that means the same in every thread).
 * Objects are remembered by identity, as above.
 */
export function memoKeyBy(name: (text: string) => string): (value: unknown) => string {
  const cache = new WeakMap<object, string>();
  const quoted = new Map<string, string>();
  const quote = (k: string): string => {
    let q = quoted.get(k);
    if (q === undefined) {
      q = JSON.stringify(k);
      quoted.set(k, q);
    }
    return q;
  };
  const key = (value: unknown): string => {
    if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
    const hit = cache.get(value);
    if (hit !== undefined) return hit;
    let text: string;
    if (Array.isArray(value)) {
      text = "[";
      for (let i = 0; i < value.length; i++) text += (i > 0 ? "," : "") + key(value[i]);
      text += "]";
    } else {
      const record = value as Record<string, unknown>;
      text = "{";
      let first = true;
      for (const k of Object.keys(record).sort()) {
        const v = record[k];
        if (v === undefined) continue;
        text += (first ? "" : ",") + quote(k) + ":" + key(v);
        first = false;
      }
      text += "}";
    }
    const id = name(text);
    cache.set(value, id);
    return id;
  };
  return key;
}

/** cyrb53's mixing over text fed piece by piece: the same hash as of the pieces joined. */
class Hash64 {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  feed(text: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  digest(): string {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
  }
}

/** A 64-bit non-cryptographic hash of a string (cyrb53's mixing, both halves kept), as 16 hex digits. */
export function hash64(text: string): string {
  const h = new Hash64();
  h.feed(text);
  return h.digest();
}

/** Feeds the canonical JSON of a value (as `canonicalJson` writes it) to the hash, piece by piece. */
function feedCanonical(value: unknown, h: Hash64): void {
  if (value === null || typeof value !== "object") {
    h.feed(JSON.stringify(value) ?? "null");
    return;
  }
  if (Array.isArray(value)) {
    h.feed("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) h.feed(",");
      feedCanonical(value[i], h);
    }
    h.feed("]");
    return;
  }
  const record = value as Record<string, unknown>;
  h.feed("{");
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    h.feed((first ? "" : ",") + JSON.stringify(key) + ":");
    feedCanonical(v, h);
    first = false;
  }
  h.feed("}");
}

/**
 * The fingerprint of a value: the hash of its canonical JSON, hashed as it
 * is walked (the same as `hash64(canonicalJson(value))`, without the text of
 * a large state in memory at once).
 */
export function fingerprint(value: unknown): string {
  const h = new Hash64();
  feedCanonical(value, h);
  return h.digest();
}
