import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `data/vpnsync.db` in vpnsync's own folder: the same database whatever directory cron starts in. */
export const DEFAULT_DB_PATH = fileURLToPath(new URL('../../data/vpnsync.db', import.meta.url));

/** --db, else VPNSYNC_DB, else the default; resolved to an absolute path. */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env.VPNSYNC_DB?.trim() || undefined) ?? DEFAULT_DB_PATH;
  return path.resolve(chosen);
}

/**
 * Creates the default database's directory (0700) when `file` is the default and it is missing
 * (data/ in a clone whose data/ was removed). Only the default: a directory named by --db or
 * VPNSYNC_DB must exist, and openStore refuses one that does not.
 */
export function ensureDefaultDirectory(file: string): void {
  if (file !== DEFAULT_DB_PATH) return;
  const dir = path.dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}
