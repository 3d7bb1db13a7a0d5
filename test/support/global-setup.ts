/**
 * Runs once before the test workers start: generates ONE CA + server certificate into a temp
 * directory and exports it, so that every forked worker and every child process a test spawns
 * (the CLI in e2e tests) trusts the emulators the tests start with
 * `certDir: process.env.VPNSYNC_TEST_CERT_DIR`; and points XDG_CONFIG_HOME at a temp directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCertificates } from '../../src/emulator/certificates.js';

/** Creates the shared certificate directory and exports VPNSYNC_TEST_CERT_DIR and NODE_EXTRA_CA_CERTS. */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'vpnsync-test-tls-'));
  const tls = await ensureCertificates(dir);
  process.env.VPNSYNC_TEST_CERT_DIR = dir;
  process.env.NODE_EXTRA_CA_CERTS = tls.caCertPath;
  // Every CLI a test spawns keeps its fingerprint key file (when no test names one) here, not in
  // the config directory of the user running the tests.
  const config = await mkdtemp(join(tmpdir(), 'vpnsync-test-config-'));
  process.env.XDG_CONFIG_HOME = config;
  return async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(config, { recursive: true, force: true });
  };
}
