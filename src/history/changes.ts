import { createHash } from 'node:crypto';
import { linkKey } from '../arm/resource-id.js';
import type { LinkFieldValues, StoredValue } from '../store/schema.js';
import { TRACKED_FIELDS, type FieldSpec, type LinkField } from '../sync/fields.js';

/**
 * "What counts as a change" (DESIGN.md §2.6), used by the recorder, `diff` and `report`:
 * a tracked field whose comparable value differs. Volatile counters and metadata (etag) never
 * count, and ids and type names compare without regard to case.
 */
export function changedFields(before: Partial<LinkFieldValues>, after: Partial<LinkFieldValues>, fields: readonly FieldSpec[] = TRACKED_FIELDS): LinkField[] {
  const changed: LinkField[] = [];
  for (const f of fields) {
    if (f.role !== 'tracked') continue;
    const name = f.name as LinkField;
    if (comparable(f, before[name]) !== comparable(f, after[name])) changed.push(name);
  }
  return changed;
}

/** A digest of the tracked fields' comparable values: equal digests ⇔ no change (fast path for the recorder). */
export function changeHash(row: Partial<LinkFieldValues>): string {
  // One string, hashed once: the digest is the same as feeding the parts one by one (the
  // stored hashes stay valid), without a crossing into native code per field.
  let text = '';
  for (const f of TRACKED_FIELDS) {
    const v = comparable(f, row[f.name as LinkField]);
    // Type-tagged so that the text '1' and the integer 1, or '' and NULL, never collide.
    text += v === null || v === undefined ? '\u0000n' : typeof v === 'number' ? `\u0000i${v}` : `\u0000s${v}`;
  }
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
}

function comparable(f: FieldSpec, v: StoredValue | undefined): StoredValue | undefined {
  if (v === undefined) return null;
  // An id compares as its row key: casing and the child type's two spellings are not changes.
  if (f.name === 'id' && typeof v === 'string') return linkKey(v);
  return f.caseInsensitive && typeof v === 'string' ? v.toLowerCase() : v;
}
