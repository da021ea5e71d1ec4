import { describe, expect, it } from "vitest";
import { textWidth, wrapText } from "./measure.js";

const FONT = "11px sans-serif";

describe("labels broken into lines", () => {
  it("keep every line within the width, and every word, in order", () => {
    const text = "error ActorDied: The actor died unexpectedly before finishing this task.";
    const lines = wrapText(text, 120, FONT, 10);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(textWidth(l, FONT)).toBeLessThanOrEqual(120);
    expect(lines.join(" ")).toBe(text);
  });

  it("cut a word wider than a line, and end with … past the last line allowed", () => {
    const id = "00000002-0000-4000-8000-000000000000";
    const lines = wrapText(`'Pinger' → p1 (${id})`, 100, FONT, 10);
    for (const l of lines) expect(textWidth(l, FONT)).toBeLessThanOrEqual(100);
    expect(lines.join("").replace(/ /g, "")).toBe(`'Pinger'→p1(${id})`);
    const short = wrapText("one two three four five six seven eight nine ten", 40, FONT, 2);
    expect(short).toHaveLength(2);
    expect(short[1].endsWith("…")).toBe(true);
    expect(textWidth(short[1], FONT)).toBeLessThanOrEqual(40);
  });
});
