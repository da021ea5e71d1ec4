import { describe, expect, it } from "vitest";
import { decodeText, encodeText, formatAddress, parseAddress } from "./address.js";

describe("the page's address", () => {
  it("carries text deflated in base64url and gives it back unchanged", async () => {
    for (const text of ["", "{\"title\":\"ünïcode ✓ 名前\"}", "x".repeat(300_000) + "\n" + JSON.stringify({ steps: Array.from({ length: 2000 }, (_, i) => ({ by: `d${i}` })) })]) {
      const code = await encodeText(text);
      expect(code).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(await decodeText(code)).toBe(text);
    }
    const long = "a".repeat(100_000);
    expect((await encodeText(long)).length).toBeLessThan(1000);
  });

  it("refuses a code that is not one", async () => {
    await expect(decodeText("not-deflate")).rejects.toThrow();
  });

  it("formats and parses the view: source, step, profile, the switch and the actor followed", () => {
    const address = { source: { kind: "scenario" as const, name: "scenarios/00-seed/01-name-then-get.json", code: "abc-_" }, step: 7, profile: "seed" as const, mutant: "double-release" as const, compare: "profiles" as const, actor: "a2" };
    const hash = formatAddress(address);
    expect(hash).toBe("#s=abc-_&name=scenarios%2F00-seed%2F01-name-then-get.json&step=7&profile=seed&mutant=double-release&compare=1&actor=a2");
    expect(parseAddress(hash)).toEqual(address);
    expect(parseAddress(formatAddress({ source: { kind: "log", name: "a.jsonl", code: "x" }, compare: "off" }))).toEqual({ source: { kind: "log", name: "a.jsonl", code: "x" }, compare: "off" });
    expect(parseAddress("#mutant=kill-keeps-name&compare=bug")).toEqual({ mutant: "kill-keeps-name", compare: "bug" });
  });

  it("leaves out what it cannot read", () => {
    expect(parseAddress("#step=-1&profile=ray-1.0&compare=yes&actor=&mutant=no-such-bug")).toEqual({ compare: "off" });
    expect(parseAddress("")).toEqual({ compare: "off" });
  });
});
