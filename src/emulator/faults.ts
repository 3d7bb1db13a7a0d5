/**
 * Fault injection, configurable per run and per path pattern: each rule says what goes wrong
 * (kind), where (match), how often (rate, drawn from the seeded PRNG) and how many times (count).
 */
import type { Rng } from './prng.js';

/** Every fault the emulator can inject. */
export const FAULT_KINDS = [
  'latency',
  '5xx',
  '429',
  '403',
  '404',
  'drop',
  'hang',
  'malformed-json',
  'nextlink-loop',
  'token-error',
  'lro-failure',
  'acted-5xx',
  'acted-drop',
  'acted-hang',
  'bare-202',
  'busy',
] as const;

/**
 * Faults of an action POST that ARM *carried out* before its answer went wrong: the operation
 * runs (and counts in stats.actionsByLink), but the client sees a 5xx, a dropped connection, a
 * hang, or a 202 with no URL to follow. A client that sends the POST again acts twice.
 */
export const ACTED_FAULTS = ['acted-5xx', 'acted-drop', 'acted-hang', 'bare-202'] as const satisfies readonly FaultKind[];

/** Faults rolled on an action POST once it reaches the resource provider. */
export const ACTION_FAULTS: readonly FaultKind[] = [...ACTED_FAULTS, 'busy', 'lro-failure'];

/** What goes wrong. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * One fault rule. `match` is a RegExp tested on the lower-cased request path, or a string:
 * `*` matches everything; a string containing `/` matches when the lower-cased path contains it
 * (`*` inside is a wildcard); any other string matches a request whose subscription id,
 * resource group, gateway, connection or link name, or operationId equals it (ignoring case).
 */
export interface FaultRule {
  match: string | RegExp;
  kind: FaultKind;
  /** Probability (0..1) that a matching request is hit; default 1. */
  rate?: number;
  /** Hit at most this many requests; default unlimited. */
  count?: number;
  /**
   * Status for 5xx (default 500), 429 (429), 403, 404, token-error (default 503), lro-failure
   * (default 500; the Location URL's answer), acted-5xx (default 503) and busy (409
   * AnotherOperationInProgress, or 429 RetryableError with detail RetryableErrorDueToAnotherOperation).
   */
  status?: number;
  /** Added delay for `latency` (ms). */
  ms?: number;
  /** Extra random delay in [0, jitterMs) for `latency`. */
  jitterMs?: number;
  /** Retry-After seconds on an injected 429 (default 1), 503, acted-5xx or busy (default 10). */
  retryAfterSeconds?: number;
  /** Overrides the error code of the injected error body (for lro-failure, `Canceled` ends the operation Canceled). */
  code?: string;
  /** Overrides the error message of the injected error body. */
  message?: string;
}

/** What a rule is matched against. */
export interface FaultTarget {
  /** The request path, lower-cased, without the query. */
  path: string;
  /** Lower-cased subscription id, resource group, gateway, connection and link names and operationId of the request (when known). */
  names: readonly string[];
}

/** True if the rule's `match` selects this request. */
export function faultMatches(rule: FaultRule, target: FaultTarget): boolean {
  const { match } = rule;
  if (match instanceof RegExp) {
    match.lastIndex = 0;
    return match.test(target.path);
  }
  const lower = match.toLowerCase();
  if (lower === '*') return true;
  if (lower.includes('/')) {
    if (!lower.includes('*')) return target.path.includes(lower);
    const pattern = lower.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    return new RegExp(pattern).test(target.path);
  }
  return target.names.includes(lower);
}

/** Rolls rules against requests and counts what fired. */
export class FaultInjector {
  private entries: { rule: FaultRule; remaining: number }[] = [];
  /** How many times each kind fired since the last resetCounts(). */
  fired: Partial<Record<FaultKind, number>> = {};

  constructor(
    rules: readonly FaultRule[],
    private readonly rng: Rng,
  ) {
    this.setRules(rules);
  }

  /** Replaces all rules (their counts start afresh). */
  setRules(rules: readonly FaultRule[]): void {
    this.entries = rules.map((rule) => ({ rule, remaining: rule.count ?? Number.POSITIVE_INFINITY }));
  }

  /** The current rules. */
  rules(): FaultRule[] {
    return this.entries.map((e) => e.rule);
  }

  /** Any rules of these kinds at all? (Lets the hot path skip building a target.) */
  has(kinds: readonly FaultKind[]): boolean {
    return this.entries.some((e) => kinds.includes(e.rule.kind) && e.remaining > 0);
  }

  /**
   * Rolls every rule of `kinds` that matches, in order. Returns every `latency` rule that fires
   * (delays add up) plus at most one rule of any other kind (the first that fires).
   */
  roll(target: FaultTarget, kinds: readonly FaultKind[]): FaultRule[] {
    const hits: FaultRule[] = [];
    let decisive = false;
    for (const entry of this.entries) {
      const { rule } = entry;
      if (entry.remaining <= 0 || !kinds.includes(rule.kind)) continue;
      if (decisive && rule.kind !== 'latency') continue;
      if (!faultMatches(rule, target)) continue;
      if (!this.rng.chance(rule.rate ?? 1)) continue;
      entry.remaining -= 1;
      this.fired[rule.kind] = (this.fired[rule.kind] ?? 0) + 1;
      hits.push(rule);
      if (rule.kind !== 'latency') decisive = true;
    }
    return hits;
  }

  /** Zeroes the fired counters (rule counts are not restored). */
  resetCounts(): void {
    this.fired = {};
  }
}

/** Parses a match: `re:PATTERN` is a case-insensitive RegExp on the lower-cased path, anything else a string match. */
export function parseFaultMatch(text: string): string | RegExp {
  if (!text.startsWith('re:')) return text;
  try {
    return new RegExp(text.slice(3), 'i');
  } catch (error) {
    throw new Error(`Invalid regular expression in fault match '${text}': ${(error as Error).message}`, { cause: error });
  }
}

const SPEC_SHAPE = 'KIND[=VALUE]:MATCH[:RATE[:COUNT]]';

/**
 * What VALUE may be per kind: the HTTP status each fault answers with (one that still means that
 * fault: '5xx=200' would be a success), or latency's delay in ms. Kinds missing here take none.
 */
const FAULT_VALUES: Partial<Record<FaultKind, { min: number; max: number; what: string; only?: readonly number[] }>> = {
  latency: { min: 0, max: 600_000, what: 'a delay in ms from 0 to 600000' },
  '5xx': { min: 500, max: 599, what: 'an HTTP status from 500 to 599' },
  'acted-5xx': { min: 500, max: 599, what: 'an HTTP status from 500 to 599' },
  'token-error': { min: 400, max: 599, what: 'an HTTP status from 400 to 599' },
  'lro-failure': { min: 400, max: 599, what: 'an HTTP status from 400 to 599' },
  '429': { min: 429, max: 429, what: '429' },
  '404': { min: 400, max: 499, what: 'an HTTP status from 400 to 499' },
  busy: { min: 409, max: 429, what: '409 or 429', only: [409, 429] },
};

/**
 * Parses the CLI's fault syntax `KIND[=VALUE]:MATCH[:RATE[:COUNT]]`, where VALUE is the status
 * (5xx, 429, 403, 404, token-error, lro-failure, acted-5xx, busy) or the delay in ms (latency). Throws an Error
 * whose message is fit for the user.
 */
export function parseFaultSpec(spec: string, flag = '--fault'): FaultRule {
  const fail = (why: string): never => {
    throw new Error(`Expected ${flag} to look like ${SPEC_SHAPE} (${why}), got '${spec}'`);
  };
  const parts = spec.split(':');
  const head = parts.shift() ?? '';
  const [kindText = '', valueText] = head.split('=');
  const kind = FAULT_KINDS.find((k) => k === kindText.toLowerCase());
  if (!kind) return fail(`KIND one of ${FAULT_KINDS.join(', ')}`);
  // Anything number-like at the end is a RATE or COUNT, and must be a valid one: '429:*:-1' once
  // became a rule matching the name '*:-1', which no request has, and silently never fired.
  const numeric = (s: string | undefined): boolean => s !== undefined && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s);
  let rate: number | undefined;
  let count: number | undefined;
  if (parts.length >= 3 && numeric(parts[parts.length - 1]) && numeric(parts[parts.length - 2])) {
    count = Number(parts.pop());
    rate = Number(parts.pop());
  } else if (parts.length >= 2 && numeric(parts[parts.length - 1])) {
    rate = Number(parts.pop());
  }
  const matchText = parts.join(':');
  if (matchText === '') return fail('MATCH is empty; use * for every request');
  if (rate !== undefined && !(rate >= 0 && rate <= 1)) return fail('RATE is a probability from 0 to 1');
  if (rate === 0) return fail('RATE 0 would never fire; leave the rule out');
  if (count !== undefined && !(Number.isInteger(count) && count >= 1)) return fail('COUNT is a whole number from 1');
  const rule: FaultRule = { kind, match: parseFaultMatch(matchText) };
  if (rate !== undefined) rule.rate = rate;
  if (count !== undefined) rule.count = count;
  if (valueText !== undefined) {
    if (!/^\d+$/.test(valueText)) return fail('VALUE is a whole number');
    const value = Number(valueText);
    const allowed = FAULT_VALUES[kind];
    if (allowed === undefined) return fail(`${kind} takes no VALUE`);
    if (value < allowed.min || value > allowed.max || (allowed.only && !allowed.only.includes(value))) return fail(`VALUE of ${kind} is ${allowed.what}`);
    if (kind === 'latency') rule.ms = value;
    else rule.status = value;
  }
  return rule;
}

/** Builds a rule from JSON (as POSTed to /_emulator/faults); throws on a malformed rule. */
export function faultRuleFromJson(json: unknown): FaultRule {
  if (typeof json !== 'object' || json === null) throw new Error('a fault rule must be a JSON object');
  const obj = json as Record<string, unknown>;
  const kind = FAULT_KINDS.find((k) => k === obj['kind']);
  if (!kind) throw new Error(`fault rule kind must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(obj['kind'])}`);
  if (typeof obj['match'] !== 'string') throw new Error('fault rule match must be a string (use "re:PATTERN" for a RegExp)');
  const rule: FaultRule = { kind, match: parseFaultMatch(obj['match']) };
  for (const key of ['rate', 'count', 'status', 'ms', 'jitterMs', 'retryAfterSeconds'] as const) {
    const value = obj[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`fault rule ${key} must be a number`);
    rule[key] = value;
  }
  for (const key of ['code', 'message'] as const) {
    const value = obj[key];
    if (typeof value === 'string') rule[key] = value;
  }
  return rule;
}

/** A rule as JSON (RegExp matches become "re:PATTERN"). */
export function faultRuleToJson(rule: FaultRule): Record<string, unknown> {
  // RegExp#source escapes '/' as '\/'; undo it so the rule reads as it was written.
  return { ...rule, match: rule.match instanceof RegExp ? `re:${rule.match.source.replace(/\\\//g, '/')}` : rule.match };
}
