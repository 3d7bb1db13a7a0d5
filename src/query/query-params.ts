import { QueryError } from './query-error.js';
import type { SqlToken } from './sql-tokenizer.js';

/** Named parameter values, keyed by name without its sigil (`:site` → `site`). */
export type QueryParams = Readonly<Record<string, string>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `--param name=value` options (the value may contain `=`; a leading `:`, `@` or `$` on
 * the name is dropped). Values stay text: SQLite's column affinity converts them when compared
 * with an INTEGER column, and CAST(:n AS INTEGER) does elsewhere.
 */
export function parseQueryParams(options: readonly string[]): QueryParams {
  const params: Record<string, string> = {};
  for (const option of options) {
    const eq = option.indexOf('=');
    const name = (eq === -1 ? option : option.slice(0, eq)).replace(/^[:@$]/, '');
    if (eq === -1 || !NAME.test(name)) {
      throw new QueryError('params', `Expected --param to be name=value with a name of letters, digits and _ (used as :name in the SQL), got '${option}'`);
    }
    if (Object.hasOwn(params, name)) throw new QueryError('params', `--param ${name} is given twice`);
    params[name] = option.slice(eq + 1);
  }
  return params;
}

/**
 * Matches the statement's parameters with the values given: every `:name` (or `@name`,
 * `$name`) needs a --param, every --param must be used (a typo would otherwise be silently
 * ignored), and positional `?` parameters are refused. Returns the object to bind.
 */
export function bindQueryParams(tokens: readonly SqlToken[], params: QueryParams): Record<string, string> {
  const used = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'param') continue;
    if (t.text.startsWith('?')) throw new QueryError('params', `Positional parameters (${t.text}) are not supported; name it, e.g. :site, and pass --param site=…`);
    used.add(t.text.slice(1));
  }
  const missing = [...used].filter((n) => !Object.hasOwn(params, n));
  if (missing.length > 0) throw new QueryError('params', `The query uses ${missing.map((n) => `:${n}`).join(', ')}; pass ${missing.map((n) => `--param ${n}=…`).join(' ')}`);
  const unused = Object.keys(params).filter((n) => !used.has(n));
  if (unused.length > 0) throw new QueryError('params', `--param ${unused.join(', ')} ${unused.length === 1 ? 'is' : 'are'} not used by the query (it has ${used.size === 0 ? 'no parameters' : [...used].map((n) => `:${n}`).join(', ')})`);
  const bound: Record<string, string> = {};
  for (const n of used) bound[n] = params[n] as string;
  return bound;
}
