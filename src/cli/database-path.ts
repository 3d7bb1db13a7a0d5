import os from 'node:os';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.js';
import { redactUrlCredentials } from './redact-secrets.js';

/** vpnsync's own folder: a clone, or the package npm installed. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the database in use comes from, as `vpnsync --help` states it. */
export type DbPathSource = '--db' | 'VPNSYNC_DB' | 'default in this clone' | 'default for an installed package';

/**
 * True when vpnsync runs from a package npm installed (`npm i -g`, `npx vpnsync` from the
 * registry, a project's dependency): its folder is then below a node_modules directory, and an
 * upgrade or a reinstall replaces that folder, database and all. A clone (or `npm link`, whose
 * symlink Node resolves to the clone) is not.
 */
export function isInstalledPackage(root: string = PACKAGE_ROOT): boolean {
  return path.resolve(root).split(path.sep).includes('node_modules');
}

/**
 * The folder of vpnsync's own files (the default database, the demo's): `data/` in a clone,
 * whatever directory cron starts in; for an installed package the XDG data directory,
 * `$XDG_DATA_HOME/vpnsync` (an absolute XDG_DATA_HOME only, as the XDG spec says), else
 * `~/.local/share/vpnsync` — never the package's own folder.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, root: string = PACKAGE_ROOT): string {
  if (!isInstalledPackage(root)) return path.join(root, 'data');
  const xdg = env.XDG_DATA_HOME?.trim();
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'vpnsync');
}

/** The database used when neither --db nor VPNSYNC_DB names one. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env, root: string = PACKAGE_ROOT): string {
  return path.join(defaultDataDir(env, root), 'vpnsync.db');
}

/** --db, else VPNSYNC_DB, else the default; resolved to an absolute path, with where it came from. */
export function locateDb(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, root: string = PACKAGE_ROOT): { file: string; source: DbPathSource } {
  // A URL stays as given (refuseDatabaseUrl refuses it; --help names it without its password).
  const resolve = (p: string) => (URL_SCHEME.test(p) ? p : path.resolve(p));
  if (flag !== undefined) return { file: resolve(flag), source: '--db' };
  const fromEnv = env.VPNSYNC_DB?.trim();
  if (fromEnv) return { file: resolve(fromEnv), source: 'VPNSYNC_DB' };
  return { file: defaultDbPath(env, root), source: isInstalledPackage(root) ? 'default for an installed package' : 'default in this clone' };
}

/** --db, else VPNSYNC_DB, else the default; resolved to an absolute path. */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return locateDb(flag, env).file;
}

/**
 * Creates the default database's directory (0700) when `file` is the default and it is missing
 * (data/ in a clone whose data/ was removed; the XDG data directory on a first run of an
 * installed package). Only the default: a directory named by --db or
 * VPNSYNC_DB must exist, and openStore refuses one that does not.
 */
export function ensureDefaultDirectory(file: string): void {
  if (file !== defaultDbPath()) return;
  const dir = path.dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** `scheme://…`: a URL rather than a file path. */
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Throws a UsageError for a URL as the database (--db, or VPNSYNC_DB when there is no --db),
 * naming it without its password: vpnsync reads SQLite files only, and resolving a URL as a
 * path once created a file named `postgres:/user:pw@…` — the password in a file name.
 */
export function refuseDatabaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const [given, source] = flag !== undefined ? [flag, '--db'] : [env.VPNSYNC_DB?.trim(), 'VPNSYNC_DB'];
  if (given === undefined || !URL_SCHEME.test(given)) return;
  throw new UsageError(`${source} ${redactUrlCredentials(given)}: URLs are not supported yet; give a SQLite file path`);
}
