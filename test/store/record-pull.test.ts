import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordPull, type LinkLocator } from '../../src/history/record-pull.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { LOCK_LEASE_MS, LockedError, LockLostError } from '../../src/store/process-lock.js';
import { beginPull } from '../../src/store/pull-lock.js';
import { fingerprintWith, normaliseLink } from '../../src/sync/normalise.js';
import { armLink } from '../support/link-fixture.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const fp = fingerprintWith('salt');
const HOST = 'test-host';

async function freshStore(): Promise<Store> {
  return openStore(path.join(tempDir(), 'v.db'), { mode: 'write' });
}

function pull(store: Store, links: Record<string, unknown>[], proven: (l: LinkLocator) => boolean = () => true, failed = 0) {
  const { pullId } = beginPull(store.sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt: new Date().toISOString(), pid: process.pid, hostname: HOST });
  const scopes = [
    { kind: 'links' as const, scopeId: '/c/ok', status: 'ok' as const, items: links.length },
    ...Array.from({ length: failed }, (_, i) => ({ kind: 'links' as const, scopeId: `/c/failed${i}`, status: 'failed' as const, items: 0, httpStatus: 403, errorCode: 'AuthorizationFailed' })),
  ];
  return recordPull(store.sqlite, { pullId, finishedAt: new Date().toISOString(), links: links.map((l) => normaliseLink(l, fp)), scopes, absenceIsProven: proven, requests: 1, throttled: 0 });
}

const versions = (store: Store) =>
  store.sqlite.prepare(`SELECT name, _pull_id, _kind, _changed_columns FROM vpn_link_connection_versions ORDER BY _pull_id, name`).all();

describe('recordPull', () => {
  it('records added, changed, unchanged, deleted and restored links as versions', async () => {
    const store = await freshStore();
    const a = armLink({ link: 'a' });
    const b = armLink({ link: 'b' });
    expect(pull(store, [a, b])).toMatchObject({ status: 'complete', seen: 2, added: 2, changed: 0, removed: 0 });
    // Unchanged apart from counters and etag: no version rows.
    const a2 = armLink({ link: 'a', properties: { ingressBytesTransferred: 5000 }, top: { etag: 'W/"9"' } });
    expect(pull(store, [a2, b])).toMatchObject({ added: 0, changed: 0, removed: 0 });
    expect(versions(store)).toHaveLength(2);
    // …but the current row holds what this pull saw.
    const aNow = store.sqlite.prepare(`SELECT ingressBytesTransferred, etag, _last_seen_pull, _raw FROM vpn_link_connections WHERE name = 'a'`).get() as Record<string, unknown>;
    expect(aNow).toMatchObject({ ingressBytesTransferred: 5000, etag: 'W/"9"', _last_seen_pull: 2 });
    expect(JSON.parse(aNow._raw as string)).toMatchObject({ etag: 'W/"9"', properties: { ingressBytesTransferred: 5000 } });
    // A status change, and b disappears from a completely listed parent.
    const a3 = armLink({ link: 'a', properties: { connectionStatus: 'NotConnected' } });
    expect(pull(store, [a3])).toMatchObject({ changed: 1, removed: 1 });
    // b comes back.
    expect(pull(store, [a3, b])).toMatchObject({ added: 0, restored: 1 });
    expect(versions(store)).toEqual([
      { name: 'a', _pull_id: 1, _kind: 'added', _changed_columns: '[]' },
      { name: 'b', _pull_id: 1, _kind: 'added', _changed_columns: '[]' },
      { name: 'a', _pull_id: 3, _kind: 'changed', _changed_columns: '["connectionStatus"]' },
      { name: 'b', _pull_id: 3, _kind: 'deleted', _changed_columns: '[]' },
      { name: 'b', _pull_id: 4, _kind: 'restored', _changed_columns: '[]' },
    ]);
    const current = store.sqlite.prepare(`SELECT name, _first_seen_pull, _last_seen_pull, connectionStatus FROM vpn_link_connections ORDER BY name`).all();
    expect(current).toEqual([
      { name: 'a', _first_seen_pull: 1, _last_seen_pull: 4, connectionStatus: 'NotConnected' },
      { name: 'b', _first_seen_pull: 4, _last_seen_pull: 4, connectionStatus: 'Connected' },
    ]);
    const traffic = store.sqlite.prepare(`SELECT count(*) FROM vpn_link_connection_traffic`).pluck().get();
    expect(traffic).toBe(7);
    await store.close();
  });

  it('never deletes links whose absence is not proven (failed parent), and marks the pull partial', async () => {
    const store = await freshStore();
    pull(store, [armLink({ conn: 'c1', link: 'a' }), armLink({ conn: 'c2', link: 'b' })]);
    const result = pull(store, [armLink({ conn: 'c1', link: 'a' })], (l) => l.connectionName === 'c1', 1);
    expect(result).toMatchObject({ status: 'partial', removed: 0, scopesFailed: 1 });
    expect(store.sqlite.prepare(`SELECT count(*) FROM vpn_link_connections`).pluck().get()).toBe(2);
    const row = store.sqlite.prepare(`SELECT status, scopes_failed, links_removed FROM pulls WHERE id = 2`).get();
    expect(row).toEqual({ status: 'partial', scopes_failed: 1, links_removed: 0 });
    await store.close();
  });

  it('a pull whose lock was taken over while it ran records nothing (LockLostError)', async () => {
    const store = await freshStore();
    pull(store, [armLink({ link: 'a' }), armLink({ link: 'b' })]);
    const { pullId } = beginPull(store.sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt: new Date().toISOString(), pid: process.pid, hostname: HOST });
    // Another process found no heartbeat and cleared this pull's lock.
    store.sqlite.prepare(`UPDATE pulls SET status = 'failed' WHERE id = ?`).run(pullId);
    expect(() =>
      recordPull(store.sqlite, { pullId, finishedAt: new Date().toISOString(), links: [normaliseLink(armLink({ link: 'a' }), fp)], scopes: [], absenceIsProven: () => true, requests: 0, throttled: 0 }),
    ).toThrow(LockLostError);
    expect(store.sqlite.prepare(`SELECT count(*) FROM vpn_link_connections`).pluck().get()).toBe(2);
    expect(store.sqlite.prepare(`SELECT status FROM pulls WHERE id = ?`).pluck().get(pullId)).toBe('failed');
    expect(versions(store)).toHaveLength(2);
    await store.close();
  });

  it('a change of id casing alone writes no version', async () => {
    const store = await freshStore();
    const a = armLink();
    pull(store, [a]);
    const upper = (a.id as string).toUpperCase();
    expect(pull(store, [{ ...a, id: upper }])).toMatchObject({ changed: 0, added: 0, removed: 0 });
    expect(versions(store)).toHaveLength(1);
    // The current row takes the id as ARM now spells it, and the names taken from it.
    const row = store.sqlite.prepare(`SELECT id, gatewayName, connectionName, _last_seen_pull FROM vpn_link_connections`).get() as Record<string, unknown>;
    expect(row).toMatchObject({ id: upper, _last_seen_pull: 2 });
    expect(row.gatewayName).toBe(String(row.gatewayName).toUpperCase());
    expect(row.connectionName).toBe(String(row.connectionName).toUpperCase());
    await store.close();
  });
});

describe('pull lock', () => {
  const input = (pid: number) => ({ source: 'arm' as const, strategy: 'links' as const, scope: {}, startedAt: new Date().toISOString(), pid, hostname: HOST });

  it('refuses while a live process holds it', async () => {
    const store = await freshStore();
    beginPull(store.sqlite, input(111), () => true);
    expect(() => beginPull(store.sqlite, input(222), () => true)).toThrow(LockedError);
    expect(() => beginPull(store.sqlite, input(222), () => true)).toThrow(/Another pull \(#1, pid 111 on test-host/);
    await store.close();
  });

  it('clears the lock of a dead process and marks that pull failed', async () => {
    const store = await freshStore();
    beginPull(store.sqlite, input(111), () => true);
    const next = beginPull(store.sqlite, input(222), () => false);
    expect(next).toEqual({ pullId: 2, cleared: [{ id: 1, pid: 111 }] });
    const stale = store.sqlite.prepare(`SELECT status, error_summary FROM pulls WHERE id = 1`).get() as { status: string; error_summary: string };
    expect(stale.status).toBe('failed');
    expect(stale.error_summary).toMatch(/process 111 stopped before the pull finished/);
    await store.close();
  });

  it('treats a running pull from another host as live while its heartbeat is fresh', async () => {
    const store = await freshStore();
    beginPull(store.sqlite, { ...input(111), hostname: 'other' }, () => false);
    expect(() => beginPull(store.sqlite, input(222), () => false)).toThrow(/pid 111 on other/);
    await store.close();
  });

  it('clears a lock whose heartbeat is older than the lease, whatever its host (a vanished container)', async () => {
    const store = await freshStore();
    const old = new Date(Date.now() - LOCK_LEASE_MS - 1000).toISOString();
    beginPull(store.sqlite, { ...input(111), hostname: 'pod-abc', startedAt: old }, () => true);
    expect(beginPull(store.sqlite, input(222), () => true)).toEqual({ pullId: 2, cleared: [{ id: 1, pid: 111 }] });
    const stale = store.sqlite.prepare(`SELECT error_summary FROM pulls WHERE id = 1`).pluck().get();
    expect(stale).toMatch(/no heartbeat from pid 111 on pod-abc since/);
    await store.close();
  });
});
