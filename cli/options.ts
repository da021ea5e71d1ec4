import type { Repeat } from "../adapters/race.js";
import { profileNamesHelp, resolveProfileName, type ProfileName } from "../model/index.js";
import { InputError } from "./errors.js";

/** Parses `--profile`, naming the known ones when it is wrong. */
export function parseProfile(value: string | undefined): ProfileName | undefined {
  if (value === undefined) return undefined;
  const profile = resolveProfileName(value);
  if (profile === null) throw new InputError(`unknown profile '${value}' (known: ${profileNamesHelp()}; a release from 2.5.0)`);
  return profile;
}

/** `--repeat K` and `--repeat-time S` as a Repeat (adapters/race.ts): K runs at most, S seconds at most. */
export function parseRepeat(times: string | undefined, seconds: string | undefined): Repeat {
  return { times: parseCount(times ?? "1", "--repeat", 1), ...(seconds === undefined ? {} : { seconds: parseCount(seconds, "--repeat-time", 1) }) };
}

/** A whole number from an option, or an input error naming the option. */
export function parseCount(value: string, option: string, min = 0): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InputError(`${option} must be a whole number ≥ ${min}, got '${value}'`);
  return n;
}
