import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e } from '../support/e2e.js';

const start = useE2e();

describe('errors in the operator’s words', () => {
  it('--db in a directory that does not exist is refused with exit 2, and the directory is not created', async () => {
    const ctx = await start({ seed: 51, size: { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 1, connectionsPerGateway: 1, linksPerConnection: 1 } });
    const missing = path.join(ctx.dir, 'nonexistent', 'dir');
    const db = path.join(missing, 'x.db');
    const r = await ctx.vpnsync(['pull'], { db });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toBe(`vpnsync: Expected the directory of database ${db} to exist, got no directory ${missing}; create it first (mkdir -m 700 ${missing}) or pass another --db.\n`);
    expect(existsSync(path.join(ctx.dir, 'nonexistent'))).toBe(false);
  });
});
