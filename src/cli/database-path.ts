import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `data/vpnsync.db` in vpnsync's own folder: the same database whatever directory cron starts in. */
export const DEFAULT_DB_PATH = fileURLToPath(new URL('../../data/vpnsync.db', import.meta.url));

/** --db, else VPNSYNC_DB, else the default; resolved to an absolute path. */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env.VPNSYNC_DB?.trim() || undefined) ?? DEFAULT_DB_PATH;
  return path.resolve(chosen);
}
