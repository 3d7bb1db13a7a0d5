import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDbPath, isInstalledPackage, locateDb, refuseDatabaseUrl } from '../../src/cli/database-path.js';
import { redactUrlCredentials } from '../../src/cli/redact-secrets.js';

const CLONE = '/home/ops/src/vpnsync';
const GLOBAL = '/usr/lib/node_modules/vpnsync';
const NPX = '/home/ops/.npm/_npx/0123abcd/node_modules/vpnsync';

describe('the database path', () => {
  it('tells an installed package (below node_modules) from a clone', () => {
    expect(isInstalledPackage(CLONE)).toBe(false);
    expect(isInstalledPackage(GLOBAL)).toBe(true);
    expect(isInstalledPackage(NPX)).toBe(true);
    expect(isInstalledPackage('/home/ops/node_modules_backup/vpnsync')).toBe(false);
  });

  it('defaults to data/ in a clone and to the XDG data directory for an installed package', () => {
    expect(defaultDbPath({ XDG_DATA_HOME: '/xdg' }, CLONE)).toBe(path.join(CLONE, 'data', 'vpnsync.db'));
    expect(defaultDbPath({ XDG_DATA_HOME: '/xdg' }, NPX)).toBe('/xdg/vpnsync/vpnsync.db');
    expect(defaultDbPath({}, GLOBAL)).toBe(path.join(os.homedir(), '.local', 'share', 'vpnsync', 'vpnsync.db'));
    // The XDG spec: a relative XDG_DATA_HOME is invalid and ignored.
    expect(defaultDbPath({ XDG_DATA_HOME: 'xdg' }, GLOBAL)).toBe(path.join(os.homedir(), '.local', 'share', 'vpnsync', 'vpnsync.db'));
  });

  it('takes --db over VPNSYNC_DB over the default, and says which it took', () => {
    expect(locateDb('x.db', { VPNSYNC_DB: '/env.db' }, GLOBAL)).toEqual({ file: path.resolve('x.db'), source: '--db' });
    expect(locateDb(undefined, { VPNSYNC_DB: ' /env.db ' }, GLOBAL)).toEqual({ file: '/env.db', source: 'VPNSYNC_DB' });
    expect(locateDb(undefined, { VPNSYNC_DB: '' }, CLONE)).toEqual({ file: path.join(CLONE, 'data', 'vpnsync.db'), source: 'default in this clone' });
    expect(locateDb(undefined, { XDG_DATA_HOME: '/xdg' }, GLOBAL)).toEqual({ file: '/xdg/vpnsync/vpnsync.db', source: 'default for an installed package' });
  });

  it('names a URL without its password, whatever the password holds', () => {
    expect(redactUrlCredentials('postgres://ops:s3cret@db.example:5432/vpnsync')).toBe('postgres://[redacted]@db.example:5432/vpnsync');
    expect(redactUrlCredentials('postgres://ops:p@ss/w@rd@host/db')).toBe('postgres://[redacted]@host/db');
    expect(redactUrlCredentials('mysql://root:p@ss@localhost')).toBe('mysql://[redacted]@localhost');
    expect(redactUrlCredentials('postgres://ops@host/db')).toBe('postgres://[redacted]@host/db');
    expect(redactUrlCredentials('/srv/a:b@c.db')).toBe('/srv/a:b@c.db');
    expect(locateDb('postgres://u:pw@h/d', {}, CLONE)).toEqual({ file: 'postgres://u:pw@h/d', source: '--db' });
  });

  it('refuses a URL as --db or VPNSYNC_DB', () => {
    expect(() => refuseDatabaseUrl('sqlite:///tmp/x.db')).toThrow(/^--db sqlite:\/\/\/tmp\/x\.db: URLs are not supported yet; give a SQLite file path$/);
    expect(() => refuseDatabaseUrl(undefined, { VPNSYNC_DB: 'postgres://a:b@c/d' })).toThrow('VPNSYNC_DB postgres://[redacted]@c/d: URLs');
    expect(() => refuseDatabaseUrl('./data/vpnsync.db', { VPNSYNC_DB: 'postgres://a:b@c/d' })).not.toThrow();
  });
});
