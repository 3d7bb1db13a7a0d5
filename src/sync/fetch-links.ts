import pLimit from 'p-limit';
import type { ArmClient, RequestGate } from '../arm/arm-client.js';
import { linkListPath } from '../arm/resource-id.js';
import type { ConnectionRef, Discovery } from '../discovery/discover-connections.js';
import { failedScope, isCredentialError, okScope, type ScopeResult } from '../discovery/scope-result.js';
import type { PullStrategy } from '../store/schema.js';
import { linkRecordFromRaw, NormaliseError, normaliseLink, type Fingerprint, type LinkRecord } from './normalise.js';

/** Default number of concurrent ARM requests in a pull. */
export const DEFAULT_CONCURRENCY = 16;
/** Accepted range of --concurrency. */
export const MAX_CONCURRENCY = 256;
/** Default strategy: the resource's own SELECT method (ListByVpnConnection), per connection. */
export const DEFAULT_STRATEGY: PullStrategy = 'links';

/**
 * A fetched link connection, normalised (so a bad one failed its scope) and then held as its
 * raw JSON only, UTF-8 outside the JavaScript heap: whole records of a 30,000-link pull are
 * some 120 MB of heap, and the garbage collector lets the heap grow to a multiple of what is
 * live, so a pull's peak memory follows what it holds. `linkRecords` rebuilds the records one
 * at a time for the recorder.
 */
export interface FetchedLink {
  _key: string;
  raw: Buffer;
}

export interface FetchedLinks {
  /** Sorted by `_key`. */
  links: FetchedLink[];
  /** Lower-cased ids of connections whose complete link list was read in this pull. */
  completeConnections: Set<string>;
  scopes: ScopeResult[];
}

/** How a pull spreads its requests: `gate` caps the requests in flight at `concurrency`. */
export interface Concurrency {
  concurrency: number;
  gate: RequestGate;
}

/**
 * Reads the link connections of every discovered connection: with `links`, one paged
 * ListByVpnConnection per connection (concurrently); with `gateways`, the links embedded in the
 * gateway listing, and ListByVpnConnection for each connection the listing showed without them
 * (real ARM lists some connections so). A connection whose listing or normalisation fails is a
 * failed scope, and is left out of `completeConnections` so that none of its stored links can
 * be taken as deleted. Every listing made here, and only those, gets a `links` scope row.
 */
export async function fetchLinks(
  arm: ArmClient,
  discovery: Discovery,
  strategy: PullStrategy,
  fingerprint: Fingerprint,
  { concurrency, gate }: Concurrency,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<FetchedLinks> {
  const links: FetchedLink[] = [];
  const completeConnections = new Set<string>();
  const scopes: ScopeResult[] = [];

  const accept = (conn: ConnectionRef, items: unknown[], requestId: string | undefined, record: boolean): void => {
    try {
      const rows = items.map((item) => normaliseLink(item, fingerprint));
      for (const row of rows) links.push({ _key: row._key, raw: Buffer.from(row._raw, 'utf8') });
      completeConnections.add(conn.key);
      if (record) scopes.push(okScope('links', conn.key, rows.length, requestId));
    } catch (e) {
      if (!(e instanceof NormaliseError)) throw e;
      scopes.push({ ...failedScope('links', conn.key, e), errorCode: 'InvalidResource' });
    }
  };

  let toList = discovery.connections;
  if (strategy === 'gateways') {
    toList = [];
    for (const conn of discovery.connections) {
      // An embedded list, even an empty one, is the connection's links; a missing one proves
      // nothing (ARM omits it for some connections that have links), so the links are listed.
      if (conn.embeddedLinks) {
        accept(conn, conn.embeddedLinks, undefined, false);
        // Normalised now: let the parsed JSON go while the rest is normalised (peak memory).
        conn.embeddedLinks = [];
      } else toList.push(conn);
    }
  }

  let done = 0;
  // Each subscription has its own read budget, paced in the ARM client. Listings are queued
  // per subscription, so that one whose budget is spent waits on its own while the others
  // keep going: one queue in subscription order would list the subscriptions one after
  // another, each at its refill rate, taking the sum of their times instead of the longest.
  const queues = new Map<string, <T>(task: () => Promise<T>) => Promise<T>>();
  const queueOf = (conn: ConnectionRef) => {
    const sub = conn.subscriptionId.toLowerCase();
    let queue = queues.get(sub);
    if (!queue) queues.set(sub, (queue = pLimit(concurrency)));
    return queue;
  };
  await Promise.all(
    toList.map((conn) =>
      queueOf(conn)(async () => {
        try {
          const listed = await arm.listAll(linkListPath(conn), undefined, { gate });
          accept(conn, listed.items, listed.requestId, true);
        } catch (e) {
          if (isCredentialError(e)) throw e;
          scopes.push(failedScope('links', conn.key, e));
        }
        onProgress(++done, toList.length);
      }),
    ),
  );
  links.sort((a, b) => (a._key < b._key ? -1 : a._key > b._key ? 1 : 0));
  scopes.sort((a, b) => (a.scopeId < b.scopeId ? -1 : a.scopeId > b.scopeId ? 1 : 0));
  return { links, completeConnections, scopes };
}

/** The records of fetched links, rebuilt one at a time (see FetchedLink), in the same order. */
export function* linkRecords(links: Iterable<FetchedLink>): Generator<LinkRecord> {
  for (const link of links) yield linkRecordFromRaw(link.raw.toString('utf8'));
}
