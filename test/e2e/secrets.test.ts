import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e, type E2eContext } from '../support/e2e.js';
import { startLoopbackProxy, type LoopbackProxy } from '../support/loopback-proxy.js';
import { BIN, outputOf, type CliResult } from '../support/run-cli.js';

const start = useE2e();
const proxies: LoopbackProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

/** Every file under `dir` (database, -wal, -shm, reports), with its bytes. */
function filesUnder(dir: string): { file: string; bytes: string; mode: number }[] {
  const out: { file: string; bytes: string; mode: number }[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const st = statSync(file);
    if (st.isDirectory()) out.push(...filesUnder(file));
    else out.push({ file, bytes: readFileSync(file).toString('latin1'), mode: st.mode & 0o777 });
  }
  return out;
}

/** Runs a shell script with the emulator's environment (for a umask of our choosing). */
function runShell(script: string, env: Record<string, string>): Promise<CliResult> {
  return outputOf(spawn('/bin/sh', ['-c', script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('secrets never leave the token exchange', () => {
  /** Runs `args`, keeping every output for the haystack. */
  async function collect(ctx: E2eContext, outputs: string[], args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const r = await ctx.vpnsync(args, { env });
    outputs.push(r.stdout, r.stderr);
    return r;
  }

  it('client secret, bearer tokens and sharedKey values appear in no output, log, error, report or database byte', async () => {
    const secret = `soak-secret-${randomBytes(12).toString('hex')}`;
    const ctx = await start({ seed: 74, returnSharedKeys: true, clientSecret: secret, lro: { polls: 1, retryAfterSeconds: 0 } });
    const keys = ctx.emulator.links().map((l) => (l as unknown as { properties: { sharedKey?: string } }).properties.sharedKey).filter((k): k is string => typeof k === 'string');
    expect(keys.length).toBeGreaterThan(10);
    // Real tokens, as the proxy sees them on the wire, so the check is exact and not only a pattern.
    const proxy = await startLoopbackProxy(ctx.emulator.url, ctx.emulator.caCertPath);
    proxies.push(proxy);
    const tokens = new Set<string>();
    const outputs: string[] = [];
    const verbose = { AZURE_LOG_LEVEL: 'verbose' };

    expect((await collect(ctx, outputs, ['pull', '--json', '--debug'], verbose)).code).toBe(EXIT.OK);
    ctx.emulator.tick(3);
    ctx.emulator.setFaults([{ match: ctx.emulator.links()[0]!.gatewayName, kind: '403' }]);
    expect((await collect(ctx, outputs, ['pull', '--json'], verbose)).code).toBe(EXIT.PARTIAL);
    ctx.emulator.setFaults([]);
    expect((await collect(ctx, outputs, ['pull', '--arm-endpoint', proxy.url])).code).toBe(EXIT.OK);
    // A wrong secret and a refused token request, with --debug (stack traces) and the SDK's verbose log.
    const wrong = `wrong-${secret}`;
    const bad = await collect(ctx, outputs, ['pull', '--debug'], { ...verbose, AZURE_CLIENT_SECRET: wrong });
    expect(bad.code).toBe(EXIT.FAILURE);
    expect(bad.stderr).not.toContain(wrong);
    ctx.emulator.setFaults([{ match: '*', kind: 'token-error', status: 401 }]);
    expect((await collect(ctx, outputs, ['pull', '--debug'])).code).toBe(EXIT.FAILURE);
    ctx.emulator.setFaults([]);

    const link = ctx.rows<{ id: string }>('SELECT id FROM vpn_link_connections ORDER BY _key LIMIT 1')[0]!.id;
    expect((await collect(ctx, outputs, ['queue', 'ike-sas', link])).code).toBe(EXIT.OK);
    expect((await collect(ctx, outputs, ['queue', 'run', '--json', '--debug'], verbose)).code).toBe(EXIT.OK);
    expect((await collect(ctx, outputs, ['queue', 'show', '1', '--format', 'json'])).code).toBe(EXIT.OK);
    for (const args of [
      ['query', '--format', 'json', 'SELECT * FROM vpn_link_connections'],
      ['query', '--format', 'json', 'SELECT * FROM vpn_link_connection_versions'],
      ['query', '--format', 'json', 'SELECT * FROM pulls'],
      ['query', '--format', 'json', 'SELECT * FROM pull_scopes'],
      ['query', '--format', 'json', 'SELECT * FROM action_events'],
      ['snapshots', '--format', 'json'],
      ['diff', '1', 'latest', '--format', 'json'],
      ['history', link, '--format', 'json'],
      ['report', '--since', '1d', '--format', 'json'],
      ['report', '--since', '1d', '--format', 'html'],
      ['report', '--since', '1d', '--format', 'csv'],
    ]) {
      expect((await collect(ctx, outputs, args)).code, args.join(' ')).toBe(EXIT.OK);
    }
    // An import that carries plain sharedKeys, and a broken one (its error must not quote the key).
    const imported = ctx.emulator.links().slice(0, 2).map(({ subscriptionId: _s, resourceGroupName: _r, gatewayName: _g, connectionName: _c, ...json }) => json);
    const file = path.join(ctx.dir, 'links.json');
    writeFileSync(file, JSON.stringify(imported[0]));
    expect((await collect(ctx, outputs, ['import', file])).code).toBe(EXIT.OK);
    const broken = path.join(ctx.dir, 'broken.json');
    writeFileSync(broken, `${JSON.stringify({ value: imported }).slice(0, -3)}, "sharedKey": "${keys[0]}" ]`);
    expect((await collect(ctx, outputs, ['import', broken, '--debug'])).code).toBe(EXIT.USAGE);
    // A pre-shared key of digits that some tool wrote as a JSON number: refused, without quoting it.
    const numericKey = 918273645546372;
    keys.push(String(numericKey));
    const wrongType = path.join(ctx.dir, 'wrong-type.json');
    writeFileSync(wrongType, JSON.stringify({ ...imported[1], properties: { ...(imported[1] as { properties: object }).properties, sharedKey: numericKey } }));
    const refused = await collect(ctx, outputs, ['import', wrongType]);
    expect(refused.code).toBe(EXIT.USAGE);
    expect(refused.stderr).toMatch(/^vpnsync: Expected properties\.sharedKey of .* to be a string, got a number$/m);

    for (const q of proxy.requests) tokens.add(/^Bearer (.+)$/.exec(q.authorization ?? '')?.[1] ?? '');
    tokens.delete('');
    expect(tokens.size).toBeGreaterThan(0);

    const files = filesUnder(ctx.dir).filter((f) => !f.file.endsWith('.json'));
    expect(files.map((f) => path.basename(f.file))).toContain('vpnsync.db');
    const haystacks = [...outputs, ...files.map((f) => f.bytes)];
    for (const [i, h] of haystacks.entries()) {
      expect(h.includes(secret), `haystack ${i}`).toBe(false);
      expect(h, `haystack ${i}`).not.toMatch(JWT);
      for (const t of tokens) expect(h.includes(t), `token in haystack ${i}`).toBe(false);
      for (const k of keys) expect(h.includes(k), `sharedKey in haystack ${i}`).toBe(false);
    }
    // The fingerprints are there instead.
    expect(ctx.rows<{ n: number }>(`SELECT count(*) AS n FROM vpn_link_connections WHERE sharedKey LIKE 'hmac-sha256:%'`)[0]!.n).toBe(ctx.emulator.links().length);
  });

  it('files are created 0600 whatever the umask', async () => {
    const ctx = await start({ seed: 75 });
    const db = path.join(ctx.dir, 'vpnsync.db');
    // A permissive umask in the shell that starts vpnsync: vpnsync sets its own.
    // The fingerprint key file beside the database, so that its mode is checked too (and the
    // clean environment of the shell does not send it to the user's config directory).
    const r = await runShell(`umask 000; exec "${process.execPath}" "${BIN}" pull --db "${db}"`, { ...ctx.emulator.env, VPNSYNC_FINGERPRINT_KEY_FILE: path.join(ctx.dir, 'fingerprint.key') });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const written = readdirSync(path.dirname(db));
    expect(written).toContain('vpnsync.db');
    expect(written).toContain('fingerprint.key');
    for (const f of written) expect(statSync(path.join(path.dirname(db), f)).mode & 0o777, f).toBe(0o600);
  });
});
