/**
 * Column names on PostgreSQL. The PostgreSQL schema spells the resource's camelCase fields
 * unquoted, so the server stores them folded to lower case (connectionstatus): that is what lets
 * `SELECT connectionStatus FROM vpn_link_connections` run unchanged on both engines, since an
 * unquoted name in a query folds the same way (migrations/postgres/0001_init.sql says why not
 * quoted names). Result columns then come back folded; output shows the canonical names, so
 * they are mapped back here, and only here.
 */

/** The name PostgreSQL stores for an unquoted identifier: ASCII A–Z lower-cased, nothing else. */
export function foldIdentifier(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * A function from a column name as PostgreSQL returns it to the name vpnsync shows: the
 * canonical spelling among `canonicalNames` that folds to it, or the name unchanged (snake_case
 * bookkeeping columns, aliases a query chose). Throws if two canonical names fold alike: the
 * schema could not hold both.
 */
export function columnNameRestorer(canonicalNames: Iterable<string>): (column: string) => string {
  const byFolded = new Map<string, string>();
  for (const name of canonicalNames) {
    const folded = foldIdentifier(name);
    const other = byFolded.get(folded);
    if (other !== undefined && other !== name) throw new Error(`Columns ${other} and ${name} are one column on PostgreSQL (${folded})`);
    byFolded.set(folded, name);
  }
  return (column) => byFolded.get(column) ?? column;
}
