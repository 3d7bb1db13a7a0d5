import os from 'node:os';
import path from 'node:path';
import { ensureFingerprintKey, FINGERPRINT_KEY_PATTERN, peekFingerprintKey, type FingerprintKeySource } from '../store/fingerprint-key.js';
import type { Store } from '../store/open-store.js';
import { UsageError } from './errors.js';

/** Holds the fingerprint key itself (64 lowercase hex digits), instead of a key file. */
export const FINGERPRINT_KEY_ENV = 'VPNSYNC_FINGERPRINT_KEY';
/** Names the key file instead of the default one. */
export const FINGERPRINT_KEY_FILE_ENV = 'VPNSYNC_FINGERPRINT_KEY_FILE';

/**
 * The key file used when no variable names another: `$XDG_CONFIG_HOME/vpnsync/fingerprint.key`
 * (an absolute XDG_CONFIG_HOME only, as the XDG spec says), else `~/.config/vpnsync/fingerprint.key`.
 * A config directory, not the data directory: the key must not travel with the database.
 */
export function defaultFingerprintKeyFile(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  return path.join(base, 'vpnsync', 'fingerprint.key');
}

/** VPNSYNC_FINGERPRINT_KEY, else the file VPNSYNC_FINGERPRINT_KEY_FILE names, else the default key file. */
export function locateFingerprintKey(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): FingerprintKeySource {
  const key = env[FINGERPRINT_KEY_ENV]?.trim();
  if (key) {
    // Never echo the value: it is the secret.
    if (!FINGERPRINT_KEY_PATTERN.test(key)) throw new UsageError(`Expected ${FINGERPRINT_KEY_ENV} to be a key of 64 lowercase hex digits (as a line of the key file; a new one: openssl rand -hex 32), got something else.`);
    return { kind: 'env', name: FINGERPRINT_KEY_ENV, key };
  }
  const file = env[FINGERPRINT_KEY_FILE_ENV]?.trim();
  if (file) return { kind: 'file', file: path.resolve(file), origin: FINGERPRINT_KEY_FILE_ENV };
  return { kind: 'file', file: defaultFingerprintKeyFile(env, home), origin: 'default' };
}

/**
 * The key of this database's sharedKey fingerprints, for pull, import and migrate: moves a salt
 * an older vpnsync kept in `meta` out of the database once (and says so on `log`). Commands
 * locate `source` before opening the database, so a malformed variable changes nothing.
 */
export function fingerprintKeyFor(store: Store, log: (line: string) => void, source: FingerprintKeySource = locateFingerprintKey()): string {
  const result = ensureFingerprintKey(store.sqlite, source, store.file);
  if (result.moved) log(`moved the sharedKey fingerprint key out of ${store.file} (its meta table) into ${source.kind === 'file' ? source.file : source.name}; a copy of this database needs that key to pull into it`);
  return result.key;
}

/**
 * The key for `store`: for a dry run (`pull --dry-run`, `import --dry-run`) the key a real run
 * would use, found without writing (no key file created, no salt moved); otherwise fingerprintKeyFor.
 */
export function fingerprintKeyOf(store: Store, log: (line: string) => void, source: FingerprintKeySource, dryRun: boolean): string {
  return dryRun ? peekFingerprintKey(store.sqlite, source, store.file) : fingerprintKeyFor(store, log, source);
}
