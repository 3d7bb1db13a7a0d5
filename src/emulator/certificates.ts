/**
 * The emulator's TLS material: a private CA and a server certificate for 127.0.0.1/localhost
 * signed by it. Clients trust the CA through NODE_EXTRA_CA_CERTS (read by Node at start-up, so
 * it must be set before a process starts). A directory that already holds the material is
 * reused, which lets one test run (and the CLI children it spawns) share a single CA.
 */
import { mkdtemp, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

/** File names inside a cert directory. */
export const CERT_FILES = {
  /** The CA certificate (PEM): what NODE_EXTRA_CA_CERTS points at. */
  ca: 'ca.pem',
  /** The server certificate, its key and the CA, as one JSON document written atomically. */
  bundle: 'emulator-tls.json',
  lock: 'emulator-tls.lock',
} as const;

/** TLS material for the HTTPS server. */
export interface TlsMaterial {
  dir: string;
  caCertPath: string;
  caCert: string;
  cert: string;
  key: string;
}

interface Bundle {
  caCert: string;
  cert: string;
  key: string;
}

/** Returns TLS material from `dir` (created if missing), generating it only when the directory lacks usable material. */
export async function ensureCertificates(dir?: string): Promise<TlsMaterial> {
  const target = dir ?? (await mkdtemp(join(tmpdir(), 'vpnsync-emulator-tls-')));
  await mkdir(target, { recursive: true });
  const existing = await readBundle(target);
  if (existing) return material(target, existing);
  // Only one process generates: the others wait for its bundle (a test run's workers may all
  // start emulators on the same directory at once).
  const lockPath = join(target, CERT_FILES.lock);
  let handle;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return material(target, await waitForBundle(target, lockPath));
  }
  try {
    const bundle = await generateBundle();
    const bundlePath = join(target, CERT_FILES.bundle);
    const caPath = join(target, CERT_FILES.ca);
    await writeFile(`${caPath}.tmp`, bundle.caCert, { mode: 0o644 });
    await rename(`${caPath}.tmp`, caPath);
    await writeFile(`${bundlePath}.tmp`, JSON.stringify(bundle), { mode: 0o600 });
    await rename(`${bundlePath}.tmp`, bundlePath);
    return material(target, bundle);
  } finally {
    await handle.close();
    await rm(lockPath, { force: true });
  }
}

function material(dir: string, bundle: Bundle): TlsMaterial {
  return { dir, caCertPath: join(dir, CERT_FILES.ca), ...bundle };
}

async function readBundle(dir: string): Promise<Bundle | undefined> {
  try {
    const bundle = JSON.parse(await readFile(join(dir, CERT_FILES.bundle), 'utf8')) as Bundle;
    const ca = await readFile(join(dir, CERT_FILES.ca), 'utf8');
    if (ca !== bundle.caCert) return undefined;
    // Expired (or nearly expired) material is regenerated rather than served.
    const validTo = Date.parse(new X509Certificate(bundle.cert).validTo);
    if (!(validTo > Date.now() + 24 * 3600 * 1000)) return undefined;
    return bundle;
  } catch {
    return undefined;
  }
}

async function waitForBundle(dir: string, lockPath: string): Promise<Bundle> {
  for (let i = 0; i < 300; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const bundle = await readBundle(dir);
    if (bundle) return bundle;
    // The lock is gone but there is no bundle: its holder died. Try again from the top.
    const locked = await stat(lockPath).then(() => true, () => false);
    if (!locked) {
      const fresh = await ensureCertificates(dir);
      return { caCert: fresh.caCert, cert: fresh.cert, key: fresh.key };
    }
  }
  throw new Error(`Timed out waiting for another process to write TLS material into '${dir}' (remove ${lockPath} if it is stale)`);
}

async function generateBundle(): Promise<Bundle> {
  const notBeforeDate = new Date(Date.now() - 24 * 3600 * 1000);
  const notAfterDate = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000);
  // EC keys: generation takes milliseconds, where RSA-2048 can take most of a second.
  const ca = await generate([{ name: 'commonName', value: 'vpnsync ARM emulator local CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caCert: ca.cert, cert: server.cert, key: server.private };
}
