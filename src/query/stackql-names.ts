import { QueryError } from './query-error.js';
import { identifierOf, isSignificant, type SqlToken } from './sql-tokenizer.js';

/** StackQL's name for the resource vpnsync stores. */
export const STACKQL_RESOURCE = 'azure.network.vpn_link_connections';

/**
 * What the StackQL name is rewritten to: one quoted identifier, which `runQuery` defines as a
 * TEMP view over the local table (a dotted name can only be a single quoted identifier in SQLite).
 */
export const STACKQL_VIEW_IDENTIFIER = `"${STACKQL_RESOURCE}"`;

/** The rewritten SQL, and whether it refers to the StackQL name at all. */
export interface StackqlRewrite {
  sql: string;
  usesStackqlName: boolean;
}

/**
 * Replaces `azure.network.vpn_link_connections` — in any case, with any part quoted ("…", `…`,
 * […]) and spaces around the dots — by STACKQL_VIEW_IDENTIFIER, outside string literals and
 * comments. Throws QueryError for another StackQL resource (`azure.network.vpn_gateways`): only
 * this one is stored locally.
 */
export function rewriteStackqlNames(sql: string, tokens: readonly SqlToken[]): StackqlRewrite {
  const significant = tokens.filter(isSignificant);
  const replacements: { start: number; end: number }[] = [];
  let usesStackqlName = false;
  for (let i = 0; i < significant.length; i += 1) {
    const t = significant[i] as SqlToken;
    const one = identifierOf(t);
    if (one === undefined) continue;
    // A single quoted identifier already naming the view, e.g. "azure.network.vpn_link_connections".
    if (t.kind === 'quoted' && one.toLowerCase() === STACKQL_RESOURCE) {
      usesStackqlName = true;
      continue;
    }
    const parts = dottedName(significant, i);
    if (!parts) continue;
    const [provider, service, resource] = parts.names;
    if (!/^azure/i.test(provider)) continue;
    const name = `${provider}.${service}.${resource}`.toLowerCase();
    if (name !== STACKQL_RESOURCE) {
      throw new QueryError('stackql', `StackQL resource ${provider}.${service}.${resource} is not in the local store: vpnsync keeps only ${STACKQL_RESOURCE} (the table vpn_link_connections)`);
    }
    replacements.push({ start: t.start, end: parts.end });
    usesStackqlName = true;
    i = parts.lastIndex;
  }
  let out = sql;
  for (const r of replacements.reverse()) out = out.slice(0, r.start) + STACKQL_VIEW_IDENTIFIER + out.slice(r.end);
  return { sql: out, usesStackqlName };
}

/** `a . b . c` starting at significant token `i` (not preceded by a dot, so `x.a.b.c` is left alone). */
function dottedName(tokens: readonly SqlToken[], i: number): { names: [string, string, string]; end: number; lastIndex: number } | undefined {
  const before = tokens[i - 1];
  if (before && before.kind === 'punct' && before.text === '.') return undefined;
  const names: string[] = [];
  let j = i;
  for (let part = 0; part < 3; part += 1) {
    const t = tokens[j];
    const name = t ? identifierOf(t) : undefined;
    if (name === undefined) return undefined;
    names.push(name);
    if (part < 2) {
      const dot = tokens[j + 1];
      if (!dot || dot.kind !== 'punct' || dot.text !== '.') return undefined;
      j += 2;
    }
  }
  return { names: names as [string, string, string], end: (tokens[j] as SqlToken).end, lastIndex: j };
}
