/**
 * The scenario corpus, built into the page: every file of `scenarios/` (its
 * `00-seed/` is the seed's own `seed-scenarios/`), by path, in sorted order.
 */
const FILES = import.meta.glob<string>("../scenarios/**/*.json", { query: "?raw", import: "default", eager: true });

/** One scenario file of the corpus. */
export interface CorpusEntry {
  /** `scenarios/00-seed/01-name-then-get.json` */
  readonly path: string;
  /** `00-seed` */
  readonly topic: string;
  readonly text: string;
}

/** The corpus, sorted by path. */
export const CORPUS: readonly CorpusEntry[] = Object.keys(FILES)
  .sort()
  .map((key) => {
    const path = key.replace(/^\.\.\//, "");
    return { path, topic: path.split("/")[1], text: FILES[key] };
  });

/** The corpus entry whose text this is, if any (an unedited corpus scenario). */
export function corpusEntryOf(name: string): CorpusEntry | undefined {
  return CORPUS.find((e) => e.path === name);
}
