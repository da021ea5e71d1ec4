import { InvalidSource, readSource, type Source } from "../sim/source.js";
import { decodeText, parseAddress } from "./address.js";
import { CORPUS, corpusEntryOf } from "./corpus.js";
import { Viewer } from "./viewer.js";
import "./style.css";

/**
 * The teaching viewer's entry point. The page opens, in order of preference:
 * what its address holds (a shared link, a reload), the file `rollcall web
 * FILE` preloaded, or the corpus's first scenario.
 */
const viewer = new Viewer({
  openCorpus: (path) => {
    const entry = corpusEntryOf(path);
    if (entry !== undefined) openText(entry.path, entry.text);
  },
  openFile: (file) => {
    file.text().then((text) => openText(file.name, text), (e: unknown) => viewer.complain(`Could not read ${file.name}`, [String(e)]));
  },
});
document.body.append(viewer.element);

/** Reads a scenario or log and shows it, or says what is wrong with it. */
function openText(name: string, text: string): void {
  const source = read(name, text);
  if (source !== null) viewer.open(source);
}

function read(name: string, text: string): Source | null {
  try {
    return readSource(name, text);
  } catch (e) {
    if (!(e instanceof InvalidSource)) throw e;
    viewer.complain(`Could not open ${name}:`, e.problems);
    return null;
  }
}

/** What `rollcall web FILE` preloaded, or null (also when the page is served by something else). */
async function preloaded(): Promise<{ name: string; text: string; run: string } | null> {
  try {
    const answer = await fetch("preload");
    return answer.ok ? ((await answer.json()) as { name: string; text: string; run: string } | null) : null;
  } catch {
    return null;
  }
}

/** The server run whose file this tab showed last (kept across reloads of the tab). */
const RUN_KEY = "rollcall.preloadRun";

async function boot(): Promise<void> {
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
    viewer.open(source, { ...address, original, actor: address.actor ?? null });
    return;
  }
  if (file !== null) openText(file.name, file.text);
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
// An address typed or pasted into an open page.
window.addEventListener("hashchange", () => void boot());
void boot();
