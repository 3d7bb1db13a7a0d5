/** TLS material: one CA per directory, shared by concurrent emulators, valid for 127.0.0.1. */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CERT_FILES, ensureCertificates } from '../../src/emulator/index.js';

describe('ensureCertificates', () => {
  it('generates a CA and a 127.0.0.1 server certificate signed by it', async () => {
    const tls = await ensureCertificates(mkdtempSync(join(tmpdir(), 'vpnsync-tls-')));
    const ca = new X509Certificate(tls.caCert);
    const server = new X509Certificate(tls.cert);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(readFileSync(tls.caCertPath, 'utf8')).toBe(tls.caCert);
    expect(tls.caCertPath).toBe(join(tls.dir, CERT_FILES.ca));
  });

  it('reuses what a directory holds, and concurrent callers on a new directory all get one CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpnsync-tls-'));
    const all = await Promise.all([1, 2, 3, 4].map(() => ensureCertificates(dir)));
    expect(new Set(all.map((t) => t.caCert)).size).toBe(1);
    expect(new Set(all.map((t) => t.cert)).size).toBe(1);
    const mtime = statSync(join(dir, CERT_FILES.ca)).mtimeMs;
    const again = await ensureCertificates(dir);
    expect(again.caCert).toBe(all[0]!.caCert);
    expect(statSync(join(dir, CERT_FILES.ca)).mtimeMs).toBe(mtime);
  });

  it('without a directory, makes a fresh one', async () => {
    const a = await ensureCertificates();
    const b = await ensureCertificates();
    expect(a.dir).not.toBe(b.dir);
    expect(a.caCert).not.toBe(b.caCert);
  });
});
