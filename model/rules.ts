import { EVENT_RULES } from "./events/registry.js";

/**
 * The catalogue of rules: every decision the reducer takes names one, so a
 * failing step, an explanation and a log record can say why. Each rule is one
 * plain sentence and its citation: the rule's entry in docs/semantics.md, which
 * gives its sources (Ray's docs, source, tests, issues) as links. Each is
 * written in the module of the event that decides it (model/events/*.ts; the
 * death mechanics' in model/mechanics.ts).
 */
export const RULES = EVENT_RULES satisfies Record<string, readonly [string, string]>;

export type RuleId = keyof typeof RULES;

/** The plain sentence of a rule. */
export function ruleText(id: RuleId): string {
  return RULES[id][0];
}

/** Where a rule comes from: its entry in docs/semantics.md, as `docs/semantics.md#<id>`. */
export function ruleSource(id: RuleId): string {
  return RULES[id][1];
}
