import type { StoredValue } from '../store/schema.js';
import { findField, type LinkField } from '../sync/fields.js';

/** A stored value as the resource has it: 0/1 back to booleans, JSON text back to arrays and objects. */
export function decodeValue(field: LinkField, value: StoredValue | undefined): unknown {
  if (value === null || value === undefined) return null;
  const kind = findField(field)?.kind;
  if (kind === 'boolean') return value === 1 || value === '1';
  if (kind === 'json' && typeof value === 'string') {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/** A stored value as one line of text: booleans as true/false, JSON compact, NULL as `null`. */
export function formatValue(field: LinkField, value: StoredValue | undefined): string {
  const decoded = decodeValue(field, value);
  if (decoded === null) return 'null';
  if (typeof decoded === 'object') return JSON.stringify(decoded);
  return String(decoded);
}
