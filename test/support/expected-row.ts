import type { LinkConnectionTruth } from '../../src/emulator/index.js';
import { LINK_FIELDS } from '../../src/sync/fields.js';

/**
 * What vpnsync must store for an ARM link (the emulator's truth), field by field, written
 * independently of the normaliser: booleans 0/1, JSON parsed back to values, missing → null.
 * sharedKey is left out (only a fingerprint is stored; see the secrets test).
 */
export function expectedRow(link: LinkConnectionTruth): Record<string, unknown> {
  const props = (link as unknown as { properties?: Record<string, unknown> }).properties ?? {};
  const out: Record<string, unknown> = {};
  for (const f of LINK_FIELDS) {
    if (f.name === 'sharedKey') continue;
    const v = f.at === 'top' ? (link as unknown as Record<string, unknown>)[f.name] : props[f.name];
    out[f.name] = v === undefined || v === null ? null : f.kind === 'boolean' ? (v ? 1 : 0) : v;
  }
  out.subscriptionId = link.subscriptionId;
  out.resourceGroupName = link.resourceGroupName;
  out.gatewayName = link.gatewayName;
  out.connectionName = link.connectionName;
  return out;
}

/** A stored row in the same shape: JSON columns parsed, bookkeeping and sharedKey dropped. */
export function storedRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of LINK_FIELDS) {
    if (f.name === 'sharedKey') continue;
    const v = row[f.name];
    out[f.name] = f.kind === 'json' && typeof v === 'string' ? JSON.parse(v) : v;
  }
  for (const p of ['subscriptionId', 'resourceGroupName', 'gatewayName', 'connectionName']) out[p] = row[p];
  return out;
}
