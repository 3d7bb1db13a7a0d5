import path from 'node:path';
import type { RecordSummary } from '../../src/history/record-pull.js';
import { recordPull } from '../../src/history/record-pull.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { beginPull, failPull } from '../../src/store/pull-lock.js';
import { fingerprintWith, normaliseLink } from '../../src/sync/normalise.js';
import { armLink } from '../support/link-fixture.js';

/** Pull times start here and advance by `everyMs` per pull, so tests never depend on the clock. */
export const T0 = Date.parse('2026-05-01T00:00:00Z');
export const PULL_EVERY_MS = 15 * 60_000;
/** Seconds between the start and the finish of a fixture pull. */
export const PULL_SECONDS = 30;

const SUB = '00000000-0000-0000-0000-000000000001';

/** A link connection's ARM JSON with short names: `l('a')`, `l('b', { gw: 'gw2', connectionStatus: 'NotConnected' })`. */
export function l(link: string, o: { gw?: string; conn?: string; ingress?: number; egress?: number; [property: string]: unknown } = {}): Record<string, unknown> {
  const { gw, conn, ingress, egress, ...properties } = o;
  return armLink({
    gw: gw ?? 'gw1',
    conn: conn ?? 'c1',
    link,
    properties: { ...(ingress === undefined ? {} : { ingressBytesTransferred: ingress }), ...(egress === undefined ? {} : { egressBytesTransferred: egress }), ...properties },
  });
}

/** The lower-cased id (key) of `l(link, {gw, conn})`. */
export function keyOf(link: string, gw = 'gw1', conn = 'c1'): string {
  return `/subscriptions/${SUB}/resourcegroups/rg-net/providers/microsoft.network/vpngateways/${gw}/vpnconnections/${conn}/vpnlinkconnections/${link}`.toLowerCase();
}

/** The scope id of a connection's link listing, as pull_scopes stores it. */
export function connectionScope(gw = 'gw1', conn = 'c1'): string {
  return `/subscriptions/${SUB}/resourcegroups/rg-net/providers/microsoft.network/vpngateways/${gw}/vpnconnections/${conn}`;
}

/** A temp database and a fake clock for writing pulls as `vpnsync pull` would. */
export class HistoryFixture {
  now = T0;
  private readonly fp = fingerprintWith('salt');
  private constructor(readonly store: Store) {}

  /** Opens a fresh database in `dir`. */
  static async open(dir: string): Promise<HistoryFixture> {
    return new HistoryFixture(await openStore(path.join(dir, 'v.db'), { mode: 'write' }));
  }

  get sqlite() {
    return this.store.sqlite;
  }

  /** ISO time of `now` plus `ms`. */
  iso(ms = 0): string {
    return new Date(this.now + ms).toISOString();
  }

  /**
   * Records a pull that saw `links`. `failed` scopes (connection scope ids) make it partial: links
   * under them were not seen and their absence is not proven. Advances the clock by `everyMs`.
   */
  pull(links: Record<string, unknown>[], options: { failed?: string[]; scope?: Record<string, unknown>; everyMs?: number } = {}): RecordSummary {
    const failed = options.failed ?? [];
    const { pullId } = beginPull(this.sqlite, { source: 'arm', strategy: 'links', scope: options.scope ?? {}, startedAt: this.iso(), pid: process.pid, hostname: 'test' });
    const records = links.map((x) => normaliseLink(x, this.fp));
    const summary = recordPull(this.sqlite, {
      pullId,
      finishedAt: this.iso(PULL_SECONDS * 1000),
      links: records,
      scopes: [
        { kind: 'links', scopeId: connectionScope(), status: 'ok', items: records.length },
        ...failed.map((scopeId) => ({ kind: 'links' as const, scopeId, status: 'failed' as const, items: 0, httpStatus: 403, errorCode: 'AuthorizationFailed', errorMessage: 'no access', requestId: 'req-1' })),
      ],
      absenceIsProven: (link) => !failed.some((s) => link._key.startsWith(`${s}/`)),
      requests: 1,
      throttled: 0,
    });
    this.now += options.everyMs ?? PULL_EVERY_MS;
    return summary;
  }

  /** Records a pull that failed (nothing seen). */
  failedPull(): number {
    const { pullId } = beginPull(this.sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt: this.iso(), pid: process.pid, hostname: 'test' });
    failPull(this.sqlite, pullId, this.iso(1000), 'token refused');
    this.now += PULL_EVERY_MS;
    return pullId;
  }

  /** Finish time (ISO) of pull `id`. */
  finishedAt(id: number): string {
    return this.sqlite.prepare(`SELECT finished_at FROM pulls WHERE id = ?`).pluck().get(id) as string;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
