import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Where the key of the sharedKey fingerprints (an HMAC key) comes from: an environment variable
 * holding the key itself, or a key file (a keyring: one key per line). It is kept out of the
 * database so that `query`, or anyone holding a copy of the file, can never read it: without it
 * a weak pre-shared key cannot be guessed from its stored fingerprint.
 */
export type FingerprintKeySource =
  | { kind: 'env'; name: string; key: string }
  | { kind: 'file'; file: string; origin: string };

/** The key cannot be found, read or trusted; the message names the file or variable and what to do. */
export class FingerprintKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FingerprintKeyError';
  }
}

/** A fingerprint key: 64 lowercase hex digits (32 random bytes), as databases' salts always were. */
export const FINGERPRINT_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** `meta` key of the database's old in-database salt (migration 0001), moved out once. */
export const LEGACY_SALT_KEY = 'shared_key_salt';
/** `meta` key naming which key made the database's fingerprints: a hash of it, useless to guess with. */
export const KEY_ID_META = 'fingerprint_key_id';

/** The id of a key: 16 hex digits of a SHA-256 over it (it is 256 random bits, so this reveals nothing usable). */
export function fingerprintKeyId(key: string): string {
  return createHash('sha256').update(`vpnsync fingerprint key id\0${key}`, 'utf8').digest('hex').slice(0, 16);
}

/** What ensureFingerprintKey found or did. */
export interface FingerprintKeyResult {
  key: string;
  /** The database's old salt was moved out of `meta` into the key file now. */
  moved: boolean;
  /** The database had no key yet (a new database, or one with no fingerprints) and now uses this one. */
  adopted: boolean;
}

/**
 * The key for this database's fingerprints, for a pull or import. Once per database it moves the
 * old salt out of `meta` (into the key file, then deleting it from `meta` and recording the key's
 * id in one transaction), so fingerprints already stored still match. A database with no
 * fingerprints takes the source's key (the key file's first, created if missing). Throws
 * FingerprintKeyError when the database's fingerprints were made with a key the source lacks (a
 * database copied without its key): comparing them would report every pre-shared key as changed.
 */
export function ensureFingerprintKey(sqlite: BetterSqlite3.Database, source: FingerprintKeySource, dbFile: string): FingerprintKeyResult {
  const plan = planFingerprintKey(sqlite, source, dbFile);
  if (plan.kind === 'known') return { key: plan.key, moved: false, adopted: false };
  if (plan.kind === 'move') {
    // The stored fingerprints were made with this salt: it becomes a key of the key file.
    if (source.kind === 'file' && !availableKeys(source).includes(plan.key)) appendKey(source.file, plan.key);
    record(sqlite, plan.key);
    return { key: plan.key, moved: true, adopted: false };
  }
  // The database is written first: one that cannot be written fails here, as it would for any
  // writer, before a key file is created; a key id whose file never came to be ties nothing.
  record(sqlite, plan.key);
  if (plan.createFile && source.kind === 'file') {
    const created = createKeyFile(source.file, plan.key);
    // Another process created the file first: its key is the one to use.
    if (created !== plan.key) record(sqlite, created);
    return { key: created, moved: false, adopted: true };
  }
  return { key: plan.key, moved: false, adopted: true };
}

/**
 * The key a pull or import would use, found without writing anything (for `--dry-run`): the same
 * decisions and refusals as ensureFingerprintKey, which a dry run must not act on.
 */
export function peekFingerprintKey(sqlite: BetterSqlite3.Database, source: FingerprintKeySource, dbFile: string): string {
  return planFingerprintKey(sqlite, source, dbFile).key;
}

/** What ensureFingerprintKey is to do: keep a known key, move the old salt, or adopt a key. */
type KeyPlan = { kind: 'known'; key: string } | { kind: 'move'; key: string } | { kind: 'adopt'; key: string; createFile: boolean };

/** Decides, reading only, which key the database's fingerprints need (see ensureFingerprintKey). */
function planFingerprintKey(sqlite: BetterSqlite3.Database, source: FingerprintKeySource, dbFile: string): KeyPlan {
  const meta = (k: string) => sqlite.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(k) as string | undefined;
  const legacy = meta(LEGACY_SALT_KEY);
  const id = meta(KEY_ID_META);
  const keys = availableKeys(source);

  if (legacy !== undefined && hasFingerprints(sqlite)) {
    if (source.kind === 'env' && source.key !== legacy) {
      throw new FingerprintKeyError(
        `The sharedKey fingerprints in ${dbFile} were made with the key still kept in its meta table, not the one in ${source.name}; run this once without ${source.name} to move that key into the key file, then use the key file (or put that key in ${source.name}).`,
      );
    }
    return { kind: 'move', key: legacy };
  }
  const known = id === undefined ? undefined : keys.find((k) => fingerprintKeyId(k) === id);
  if (known !== undefined && legacy === undefined) return { kind: 'known', key: known };
  if (hasFingerprints(sqlite)) {
    throw new FingerprintKeyError(
      `The sharedKey fingerprints in ${dbFile} were made with fingerprint key ${id ?? '(unknown)'}, which is not in ${describeSource(source)}: the database was copied without its key. Copy that key's line from the key file of the host that made the database (vpnsync's fingerprint.key) into ${source.kind === 'file' ? source.file : 'this variable'}, or set VPNSYNC_FINGERPRINT_KEY to it. Without it every pre-shared key would read as changed, so nothing was written.`,
    );
  }
  // No fingerprint depends on any key yet: take the source's own (and drop a salt 0001 left).
  const key = source.kind === 'env' ? source.key : (keys[0] ?? randomBytes(32).toString('hex'));
  return { kind: 'adopt', key, createFile: source.kind === 'file' && keys.length === 0 };
}

/** The key this database's fingerprints were made with, if the source has it; reads only (for checks and the soak). */
export function readFingerprintKey(sqlite: BetterSqlite3.Database, source: FingerprintKeySource): string | undefined {
  const id = sqlite.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(KEY_ID_META) as string | undefined;
  return id === undefined ? undefined : availableKeys(source).find((k) => fingerprintKeyId(k) === id);
}

/** Records which key the database uses and removes the old salt, in one transaction. */
function record(sqlite: BetterSqlite3.Database, key: string): void {
  sqlite
    .transaction(() => {
      sqlite.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(KEY_ID_META, fingerprintKeyId(key));
      sqlite.prepare(`DELETE FROM meta WHERE key = ?`).run(LEGACY_SALT_KEY);
    })
    .immediate();
}

/** Whether any current or historical row holds a fingerprint (which ties the database to its key). */
function hasFingerprints(sqlite: BetterSqlite3.Database): boolean {
  return (
    sqlite
      .prepare(`SELECT EXISTS (SELECT 1 FROM vpn_link_connections WHERE sharedKey IS NOT NULL) OR EXISTS (SELECT 1 FROM vpn_link_connection_versions WHERE sharedKey IS NOT NULL)`)
      .pluck()
      .get() === 1
  );
}

function describeSource(source: FingerprintKeySource): string {
  return source.kind === 'env' ? source.name : `the key file ${source.file}${source.origin === 'default' ? '' : ` (${source.origin})`}`;
}

function availableKeys(source: FingerprintKeySource): string[] {
  return source.kind === 'env' ? [source.key] : readKeyFile(source.file);
}

/**
 * The keys of a key file, in order (none when it does not exist). Lines are keys; blank lines and
 * `#` comments are skipped. A file that others may read, or that holds anything else, is refused.
 */
export function readKeyFile(file: string): string[] {
  if (!existsSync(file)) return [];
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new FingerprintKeyError(`The fingerprint key file ${file} is not a regular file.`);
    // As ssh does with its keys: a key others can read protects nothing.
    if ((st.mode & 0o077) !== 0) {
      throw new FingerprintKeyError(`The fingerprint key file ${file} can be read by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); run chmod 600 ${file}.`);
    }
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof FingerprintKeyError) throw e;
    throw new FingerprintKeyError(`Cannot read the fingerprint key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  const keys: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    // Never quote the line: it may be a key with a typo.
    if (!FINGERPRINT_KEY_PATTERN.test(line)) throw new FingerprintKeyError(`Expected line ${i + 1} of the fingerprint key file ${file} to be a key of 64 lowercase hex digits, got something else.`);
    keys.push(line);
  });
  return keys;
}

/**
 * Creates the key file (0600, its directory 0700) holding `key`, atomically: the key is
 * written to a temporary file first and linked into place, so another process never reads a
 * half-written file, and when two race, the first file wins and both use its key.
 */
function createKeyFile(file: string, key: string): string {
  ensureDirectory(file);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeDurably(openSync(tmp, 'wx', 0o600), tmp, `${KEY_FILE_HEADER}${key}\n`);
    try {
      linkSync(tmp, file);
      syncDirectory(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(file, e);
      const [first] = readKeyFile(file);
      if (first === undefined) throw new FingerprintKeyError(`The fingerprint key file ${file} holds no key; remove it (if no database uses it) or put a key in it.`);
      return first;
    }
  } catch (e) {
    throw e instanceof FingerprintKeyError ? e : cannotWrite(file, e);
  } finally {
    rmSync(tmp, { force: true });
  }
  return key;
}

/** Adds a key (a database's old salt) at the end of the key file, durably, before the database forgets it. */
function appendKey(file: string, key: string): void {
  ensureDirectory(file);
  let fd: number;
  try {
    const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    const prefix = before === undefined ? KEY_FILE_HEADER : before === '' || before.endsWith('\n') ? '' : '\n';
    fd = openSync(file, 'a', 0o600);
    writeSync(fd, prefix);
  } catch (e) {
    throw cannotWrite(file, e);
  }
  writeDurably(fd, file, `${key}\n`);
}

const KEY_FILE_HEADER = '# vpnsync sharedKey fingerprint keys (HMAC keys), one per line; keep this file private (0600).\n# A database copied to another host needs its key here too: see docs/database.md.\n';

function writeDurably(fd: number, file: string, text: string): void {
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    throw cannotWrite(file, e);
  } finally {
    closeSync(fd);
  }
  syncDirectory(file);
}

/** A new file's name is durable only once its directory is: the database forgets the salt next. */
function syncDirectory(file: string): void {
  try {
    const dir = openSync(path.dirname(file), 'r');
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    // Not every file system lets a directory be synced; the file's own fsync is done.
  }
}

function ensureDirectory(file: string): void {
  const dir = path.dirname(file);
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw cannotWrite(file, e);
  }
}

function cannotWrite(file: string, e: unknown): FingerprintKeyError {
  return new FingerprintKeyError(`Cannot write the fingerprint key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
}
