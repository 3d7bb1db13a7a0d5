import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Copies database `db` into a new directory `readonly` under `parent` that only root can write
 * (0555, the file 0644), as on a read-only mount or snapshot. Tests run as root, whom file modes
 * do not stop, so the commands under test run as `nobody` (runCliAsUnprivileged), for whom they
 * do; `parent` is opened to them (0755). Returns the directory and the copy.
 */
export function readOnlyDirCopy(db: string, parent: string): { dir: string; copy: string } {
  const dir = path.join(parent, 'readonly');
  mkdirSync(dir);
  const copy = path.join(dir, path.basename(db));
  copyFileSync(db, copy);
  chmodSync(copy, 0o644);
  chmodSync(dir, 0o555);
  chmodSync(parent, 0o755);
  return { dir, copy };
}
