import { createHmac } from 'node:crypto';
import { linkKey, parseLinkId } from '../arm/resource-id.js';
import type { LinkConnectionTable, StoredValue } from '../store/schema.js';
import { LINK_FIELDS, type FieldSpec } from './fields.js';

/** A link connection as vpnsync stores it, before bookkeeping of pulls is added. */
export type LinkRecord = Omit<LinkConnectionTable, '_first_seen_pull' | '_last_seen_pull' | '_hash'>;

/** ARM JSON that is not a link connection vpnsync can store; the message names the field. */
export class NormaliseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NormaliseError';
  }
}

/** Turns a secret into the stored fingerprint (HMAC with the database's fingerprint key). */
export type Fingerprint = (secret: string) => string;

/** The fingerprint function for a key (once a per-database salt in `meta`): `hmac-sha256:` + 32 hex digits. */
export function fingerprintWith(salt: string): Fingerprint {
  return (secret) => `hmac-sha256:${createHmac('sha256', salt).update(secret, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * ARM JSON of one link connection → the stored record: booleans as 0/1, arrays and objects as
 * canonical JSON text, sharedKey replaced by its fingerprint (in `_raw` too), parameter columns
 * from the id. Throws NormaliseError naming the offending field.
 */
export function normaliseLink(arm: unknown, fingerprint: Fingerprint): LinkRecord {
  return buildRecord(arm, fingerprint, undefined);
}

/**
 * The record normaliseLink made, rebuilt from its `_raw` (whose sharedKey is already the
 * fingerprint): a pull holds only the raw JSON of what it fetched, a third of the memory.
 */
export function linkRecordFromRaw(raw: string): LinkRecord {
  return buildRecord(JSON.parse(raw) as unknown, (secret) => secret, raw);
}

function buildRecord(arm: unknown, fingerprint: Fingerprint, rawText: string | undefined): LinkRecord {
  if (!isObject(arm)) throw new NormaliseError(`Expected a link connection object, got ${describe(arm)}`);
  // ARM resources are a few levels deep; SQLite's json_valid() refuses past ~1000 levels and
  // serialising recurses, so anything deeper is not a link connection. (A raw JSON being
  // rebuilt passed this check when it was first normalised.)
  if (rawText === undefined && nestingDepth(arm, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH) {
    throw new NormaliseError(`Expected a link connection nested at most ${MAX_JSON_DEPTH} levels deep, got deeper JSON${typeof arm.id === 'string' ? ` in ${truncate(arm.id)}` : ''}`);
  }
  const id = arm.id;
  if (typeof id !== 'string' || id.trim() === '') throw new NormaliseError(`Expected a link connection with a string "id", got ${describe(id)}`);
  const parts = parseLinkId(id);
  if (!parts) {
    throw new NormaliseError(`Expected "id" to be a vpnLinkConnections resource id (/subscriptions/…/vpnGateways/…/vpnConnections/…/vpnLinkConnections/…), got '${truncate(id)}'`);
  }
  const props = arm.properties === undefined ? {} : arm.properties;
  if (!isObject(props)) throw new NormaliseError(`Expected "properties" of ${truncate(id)} to be an object, got ${describe(props)}`);

  const values: Record<string, StoredValue> = {};
  let fingerprinted: string | undefined;
  for (const field of LINK_FIELDS as readonly FieldSpec[]) {
    const source = field.at === 'top' ? arm : props;
    let value = toStored(field, source[field.name], id);
    if (field.secret && typeof value === 'string') {
      value = fingerprint(value);
      fingerprinted = value;
    }
    values[field.name] = value;
  }
  // The raw copy must not keep the secret either (a shallow copy with it replaced serialises
  // exactly as a deep one would, keys in the same order).
  const raw = rawText ?? JSON.stringify(fingerprinted === undefined ? arm : { ...arm, properties: { ...props, sharedKey: fingerprinted } });
  return {
    ...(values as Omit<LinkRecord, 'id' | 'subscriptionId' | 'resourceGroupName' | 'gatewayName' | 'connectionName' | '_key' | '_raw'>),
    id: id.trim(),
    subscriptionId: parts.subscriptionId,
    resourceGroupName: parts.resourceGroupName,
    gatewayName: parts.gatewayName,
    connectionName: parts.connectionName,
    _key: linkKey(id),
    _raw: raw,
  };
}

function toStored(field: FieldSpec, value: unknown, id: string): StoredValue {
  if (value === undefined || value === null) return null;
  const where = `${field.at === 'top' ? '' : 'properties.'}${field.name} of ${truncate(id)}`;
  // A secret's value is never quoted, not even a malformed one (a key of digits written as a number).
  const shown = (v: unknown): string => (field.secret ? describeType(v) : describe(v));
  switch (field.kind) {
    case 'text':
      if (typeof value !== 'string') throw new NormaliseError(`Expected ${where} to be a string, got ${shown(value)}`);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new NormaliseError(`Expected ${where} to be an integer, got ${shown(value)}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new NormaliseError(`Expected ${where} to be true or false, got ${shown(value)}`);
      return value ? 1 : 0;
    case 'json':
      if (typeof value !== 'object') throw new NormaliseError(`Expected ${where} to be an array or object, got ${shown(value)}`);
      return canonicalJson(value);
  }
}

/** How deep a link connection's JSON may nest (ARM's are under 10 levels). */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a JSON value, counted without recursion and giving up past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (d > max) max = d;
    if (max > limit) return max;
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** JSON with object keys sorted (array order kept), so equal values have equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    // A null-prototype object: a "__proto__" key from JSON stays a key instead of a prototype.
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]);
    return out;
  }
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeType(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null || typeof v !== 'object' ? `a ${typeof v}` : 'an object';
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `'${truncate(v)}'`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function truncate(s: string, max = 120): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
