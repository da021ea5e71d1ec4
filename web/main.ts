import { isMutantName, type MutantName } from "../model/index.js";
import { InvalidSource, readSource, type Source } from "../sim/source.js";
import { decodeText, parseAddress } from "./address.js";
import { CORPUS, corpusEntryOf } from "./corpus.js";
import { errorText, Viewer } from "./viewer.js";
import "./style.css";

/**
 * The teaching viewer's entry point. The page opens, in order of preference:
 * what its address holds (a shared link, a reload), the file `rollcall web
 * FILE` preloaded, or the corpus's first scenario.
 */
const viewer = new Viewer({
  openCorpus: (path) => {
    const entry = corpusEntryOf(path);
    const source = entry === undefined ? null : read(entry.path, entry.text);
    if (source !== null) viewer.openKeeping(source);
  },
  openFile: (file) => {
    file.text().then((text) => openText(file.name, text), (e: unknown) => viewer.complain(`Could not read ${file.name}`, [String(e)]));
  },
});
document.body.append(viewer.element);

/** Reads a scenario or log and shows it (on a seeded bug, when `rollcall web --mutant` named one), or says what is wrong with it. */
function openText(name: string, text: string, mutant?: MutantName): void {
  const source = read(name, text);
  if (source !== null) viewer.open(source, mutant === undefined ? {} : { mutant, compare: "off" });
}

/**
 * A source, or null once the page has said why it cannot be read: the
 * problems sim/source.ts names, or whatever else reading it threw (a file
 * nested too deeply, a log the model cannot replay), as a message.
 */
function read(name: string, text: string): Source | null {
  try {
    return readSource(name, text);
  } catch (e) {
    viewer.complain(`Could not open ${name}:`, e instanceof InvalidSource ? e.problems : [errorText(e)]);
    return null;
  }
}

/** What `rollcall web FILE` preloaded. */
interface Preload {
  readonly name: string;
  readonly text: string;
  readonly run: string;
  /** `rollcall web FILE --mutant M`: play it on the seeded bug M. */
  readonly mutant?: string;
}

/** What `rollcall web FILE` preloaded, or null (also when the page is served by something else). */
async function preloaded(): Promise<Preload | null> {
  try {
    const answer = await fetch("preload");
    return answer.ok ? ((await answer.json()) as Preload | null) : null;
  } catch {
    return null;
  }
}

/** The server run whose file this tab showed last (kept across reloads of the tab). */
const RUN_KEY = "rollcall.preloadRun";

async function boot(): Promise<void> {
  try {
    await show();
  } catch (e) {
    viewer.complain("The viewer could not show this (a bug in rollcall's viewer):", [errorText(e)]);
  }
}

async function show(): Promise<void> {
  const address = parseAddress(location.hash);
  const file = await preloaded();
  // A tab reloaded after `rollcall web` was restarted with another file shows
  // that file; otherwise the address (a reload, a shared link) wins.
  const seen = sessionStorage.getItem(RUN_KEY);
  if (file !== null) sessionStorage.setItem(RUN_KEY, file.run);
  const restarted = file !== null && seen !== null && seen !== file.run;
  if (address.source !== undefined && !restarted) {
    let text: string;
    try {
      text = await decodeText(address.source.code);
    } catch {
      viewer.complain("This address holds no readable scenario or log (was it cut short?).", []);
      return;
    }
    const source = read(address.source.name, text);
    if (source === null) return;
    // A corpus scenario changed in the page can still go back to the corpus's version.
    const entry = corpusEntryOf(source.name);
    const changed = entry !== undefined && JSON.stringify(JSON.parse(entry.text)) !== text;
    const original = changed ? read(entry.path, entry.text) ?? source : source;
    viewer.open(source, { ...address, original, actor: address.actor ?? null, mutant: address.mutant ?? null });
    return;
  }
  if (file !== null) openText(file.name, file.text, file.mutant !== undefined && isMutantName(file.mutant) ? file.mutant : undefined);
  else openText(CORPUS[0].path, CORPUS[0].text);
}

document.addEventListener("keydown", (e) => {
  // Keys typed into the editors, the selects and the slider are theirs.
  const target = e.target as HTMLElement | null;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
  if (target instanceof HTMLInputElement && !["checkbox", "file"].includes(target.type)) return;
  const to = ({ ArrowLeft: "back", ArrowRight: "forward", Home: "start", End: "end" } as const)[e.key as "ArrowLeft"];
  if (to === undefined) return;
  e.preventDefault();
  viewer.move(to);
});
// Nothing the page cannot do leaves it blank or silent: it says so.
window.addEventListener("error", (e) => viewer.complain("The viewer stopped on an error (a bug in rollcall's viewer):", [errorText(e.error ?? e.message)]));
window.addEventListener("unhandledrejection", (e) => viewer.complain("The viewer stopped on an error (a bug in rollcall's viewer):", [errorText(e.reason)]));
// An address typed or pasted into an open page.
window.addEventListener("hashchange", () => void boot());
void boot();
