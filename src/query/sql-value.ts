/** A value as a query returns it (safe integers on): INTEGER as bigint, REAL as number, TEXT, BLOB, NULL. */
export type SqlValue = string | number | bigint | Uint8Array | null;

/** The value as plain text, as SQLite would print it; NULL becomes '' (formats that tell NULL from '' check for null first). */
export function sqlValueText(v: SqlValue): string {
  if (v === null) return '';
  if (typeof v === 'bigint' || typeof v === 'string') return String(v);
  if (typeof v === 'number') return realText(v);
  return Buffer.from(v).toString('hex').toUpperCase();
}

/** The value as JSON text: integers beyond 2^53 keep all their digits; BLOBs become hex strings. */
export function sqlValueJson(v: SqlValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? realText(v) : 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(sqlValueText(v));
}

/** Whether a value is a number (INTEGER or REAL), for right-aligning columns. */
export function isNumeric(v: SqlValue): boolean {
  return typeof v === 'number' || typeof v === 'bigint';
}

// A REAL keeps a decimal point even when integral (1.0, not 1), so its type stays visible.
function realText(n: number): string {
  const s = String(n);
  return Number.isInteger(n) && !/[eE]/.test(s) ? `${s}.0` : s;
}
