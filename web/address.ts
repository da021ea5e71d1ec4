import { isMutantName, isProfileName, type MutantName, type ProfileName } from "../model/index.js";

/** What the page plays side by side: nothing, the seed and ray profiles, or the model and the seeded bug chosen. */
export type Compare = "off" | "profiles" | "bug";

/**
 * The page's address: everything needed to show exactly what one sees, in
 * the fragment, so a link shares it and a reload restores it. The source
 * travels whole (deflated, base64url): `#s=…` a scenario, `#log=…` an event
 * log; then the file's name, the step shown, the profile, the seeded bug the
 * model runs with (`mutant=`), what is played side by side (`compare=1` seed
 * and ray, `compare=bug` the model and the bug) and the actor whose
 * lifecycle the chart follows.
 */
export interface Address {
  readonly source?: { readonly kind: "scenario" | "log"; readonly name: string; readonly code: string };
  readonly step?: number;
  readonly profile?: ProfileName;
  readonly mutant?: MutantName;
  readonly compare: Compare;
  readonly actor?: string;
}

/** Parses a fragment (`#s=…&step=3`); unknown or malformed parts are left out. */
export function parseAddress(hash: string): Address {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const scenario = params.get("s");
  const log = params.get("log");
  const name = params.get("name") ?? (log !== null ? "log.jsonl" : "scenario.json");
  const step = Number(params.get("step"));
  const profile = params.get("profile");
  const actor = params.get("actor");
  const mutant = params.get("mutant");
  const compare = params.get("compare");
  return {
    ...(scenario !== null ? { source: { kind: "scenario" as const, name, code: scenario } } : log !== null ? { source: { kind: "log" as const, name, code: log } } : {}),
    ...(params.has("step") && Number.isSafeInteger(step) && step >= 0 ? { step } : {}),
    ...(profile !== null && isProfileName(profile) ? { profile } : {}),
    ...(mutant !== null && isMutantName(mutant) ? { mutant } : {}),
    compare: compare === "1" ? "profiles" : compare === "bug" ? "bug" : "off",
    ...(actor !== null && actor !== "" ? { actor } : {}),
  };
}

/** The fragment for an address (with the leading `#`). */
export function formatAddress(a: Address): string {
  const params = new URLSearchParams();
  if (a.source !== undefined) {
    params.set(a.source.kind === "scenario" ? "s" : "log", a.source.code);
    params.set("name", a.source.name);
  }
  if (a.step !== undefined) params.set("step", String(a.step));
  if (a.profile !== undefined) params.set("profile", a.profile);
  if (a.mutant !== undefined) params.set("mutant", a.mutant);
  if (a.compare !== "off") params.set("compare", a.compare === "profiles" ? "1" : "bug");
  if (a.actor !== undefined) params.set("actor", a.actor);
  return "#" + params.toString();
}

/** Text deflated and written in base64url, to travel in an address. */
export async function encodeText(text: string): Promise<string> {
  const bytes = await pipe(new TextEncoder().encode(text), new CompressionStream("deflate-raw"));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The text `encodeText` encoded; throws on a code that is not one. */
export async function decodeText(code: string): Promise<string> {
  const binary = atob(code.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(await pipe(bytes, new DecompressionStream("deflate-raw")));
}

async function pipe(bytes: Uint8Array<ArrayBuffer>, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}
