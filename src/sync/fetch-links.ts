import pLimit from 'p-limit';
import type { ArmClient, RequestGate } from '../arm/arm-client.js';
import { linkListPath } from '../arm/resource-id.js';
import type { ConnectionRef, Discovery } from '../discovery/discover-connections.js';
import { failedScope, isCredentialError, okScope, type ScopeResult } from '../discovery/scope-result.js';
import type { PullStrategy } from '../store/schema.js';
import { NormaliseError, normaliseLink, type Fingerprint, type LinkRecord } from './normalise.js';

/** Default number of concurrent ARM requests in a pull. */
export const DEFAULT_CONCURRENCY = 16;
/** Accepted range of --concurrency. */
export const MAX_CONCURRENCY = 256;
/** Default strategy: the resource's own SELECT method (ListByVpnConnection), per connection. */
export const DEFAULT_STRATEGY: PullStrategy = 'links';

export interface FetchedLinks {
  links: LinkRecord[];
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
 * ListByVpnConnection per connection (concurrently); with `gateways`, the links already
 * embedded in the gateway listing. A connection whose listing or normalisation fails is a
 * failed scope, and is left out of `completeConnections` so that none of its stored links can
 * be taken as deleted.
 */
export async function fetchLinks(
  arm: ArmClient,
  discovery: Discovery,
  strategy: PullStrategy,
  fingerprint: Fingerprint,
  { concurrency, gate }: Concurrency,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<FetchedLinks> {
  const links: LinkRecord[] = [];
  const completeConnections = new Set<string>();
  const scopes: ScopeResult[] = [];

  const accept = (conn: ConnectionRef, items: unknown[], requestId: string | undefined, record: boolean): void => {
    try {
      const rows = items.map((item) => normaliseLink(item, fingerprint));
      links.push(...rows);
      completeConnections.add(conn.key);
      if (record) scopes.push(okScope('links', conn.key, rows.length, requestId));
    } catch (e) {
      if (!(e instanceof NormaliseError)) throw e;
      scopes.push({ ...failedScope('links', conn.key, e), errorCode: 'InvalidResource' });
    }
  };

  if (strategy === 'gateways') {
    for (const conn of discovery.connections) {
      if (conn.embeddedLinks) {
        accept(conn, conn.embeddedLinks, undefined, false);
        // Normalised now: let the parsed JSON go while the rest is normalised (peak memory).
        conn.embeddedLinks = [];
      }
      // No embedded list: nothing about this connection's links can be proven (use --strategy links).
      else scopes.push({ ...failedScope('links', conn.key, new Error('the gateway listing did not embed this connection’s vpnLinkConnections')), errorCode: 'MissingEmbeddedLinks' });
    }
  } else {
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
      discovery.connections.map((conn) =>
        queueOf(conn)(async () => {
          try {
            const listed = await arm.listAll(linkListPath(conn), undefined, { gate });
            accept(conn, listed.items, listed.requestId, true);
          } catch (e) {
            if (isCredentialError(e)) throw e;
            scopes.push(failedScope('links', conn.key, e));
          }
          onProgress(++done, discovery.connections.length);
        }),
      ),
    );
  }
  links.sort((a, b) => (a._key < b._key ? -1 : a._key > b._key ? 1 : 0));
  scopes.sort((a, b) => (a.scopeId < b.scopeId ? -1 : a.scopeId > b.scopeId ? 1 : 0));
  return { links, completeConnections, scopes };
}
