/** Text measured as the page draws it, to lay labels out in the drawings (an estimate where no canvas can measure). */
/** The little of a 2D canvas context this needs (typed here: the unit tests run without the DOM's types). */
interface Measurer {
  font: string;
  measureText(text: string): { readonly width: number };
}

let context: Measurer | null | undefined;
let lastFont = "";
/** Widths measured, by font and text (labels repeat from one step to the next). */
const widths = new Map<string, number>();
const MAX_WIDTHS = 20_000;

/** The width in px of a text in a CSS font (`11px system-ui, sans-serif`). */
export function textWidth(text: string, font: string): number {
  if (context === undefined) {
    try {
      const doc = (globalThis as { document?: { createElement(tag: "canvas"): { getContext(kind: "2d"): Measurer | null } } }).document;
      context = doc === undefined ? null : doc.createElement("canvas").getContext("2d");
    } catch {
      context = null;
    }
  }
  const key = `${font}\n${text}`;
  const known = widths.get(key);
  if (known !== undefined) return known;
  let width: number;
  if (context === null) width = text.length * (Number(/(\d+(?:\.\d+)?)px/.exec(font)?.[1] ?? 11) * 0.62);
  else {
    // Setting a font parses it: only when it changes.
    if (font !== lastFont) context.font = lastFont = font;
    width = context.measureText(text).width;
  }
  if (widths.size >= MAX_WIDTHS) widths.clear();
  widths.set(key, width);
  return width;
}

/**
 * A text broken into lines no wider than `width` px (at word boundaries, a
 * word wider than a line cut into pieces), at most `maxLines` of them: past
 * them the last line ends with "…" (the whole text goes in the drawing's
 * tooltip).
 */
export function wrapText(text: string, width: number, font: string, maxLines = 3): string[] {
  const fits = (s: string): boolean => textWidth(s, font) <= width;
  const lines: string[] = [];
  let line = "";
  const push = (word: string): void => {
    const joined = line === "" ? word : `${line} ${word}`;
    if (fits(joined)) {
      line = joined;
      return;
    }
    if (line !== "") lines.push(line);
    line = "";
    // A word too wide for a line is cut where it no longer fits.
    let rest = word;
    while (!fits(rest)) {
      let n = rest.length - 1;
      while (n > 1 && !fits(rest.slice(0, n))) n--;
      lines.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    line = rest;
  };
  for (const word of text.split(/\s+/).filter((w) => w !== "")) push(word);
  if (line !== "") lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  let last = kept[maxLines - 1];
  while (last.length > 0 && !fits(`${last}…`)) last = last.slice(0, -1);
  kept[maxLines - 1] = `${last.trimEnd()}…`;
  return kept;
}
