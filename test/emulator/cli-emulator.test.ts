/** `vpnsync emulator`: argument parsing and validation through yargs, and what the handler prints. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { createEmulatorCommand, emulatorOptionsFromArgs, type EmulatorArgs, type EmulatorCommandDeps } from '../../src/cli/commands/emulator.js';
import { UsageError } from '../../src/cli/errors.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { azureExample } from '../support/azure-spec.js';

/** Runs `vpnsync emulator <args>` in-process; returns the options given to start and what was printed. */
async function run(args: string[], deps: Partial<EmulatorCommandDeps> = {}) {
  let stdout = '';
  let stderr = '';
  const started: { options?: EmulatorOptions; emulator?: Emulator } = {};
  const command = createEmulatorCommand({
    start: async (options) => {
      started.options = options;
      started.emulator = await startEmulator({ ...options, certDir: options.certDir ?? process.env.VPNSYNC_TEST_CERT_DIR });
      return started.emulator;
    },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    waitForStop: async () => 'SIGTERM',
    ...deps,
  });
  await yargs(['emulator', ...args])
    .command(command as never)
    .strict()
    .exitProcess(false)
    // As main.ts does: yargs wraps errors thrown by `coerce` (the UsageErrors) in a YError.
    .fail((message: string | undefined, error: Error | undefined) => {
      if (error && error.name !== 'YError') throw error;
      throw new UsageError(error?.message ?? message ?? 'invalid arguments');
    })
    .parseAsync();
  return { stdout, stderr, ...started };
}

describe('vpnsync emulator', () => {
  it('prints the URL, the CA file and sourceable export lines, then closes on a signal', async () => {
    const r = await run(['--seed', '3']);
    const emu = r.emulator!;
    expect(r.stdout).toContain(`# vpnsync ARM emulator: ${emu.url}\n`);
    expect(r.stdout).toContain(`# CA certificate: ${emu.caCertPath}\n`);
    for (const [k, v] of Object.entries(emu.env)) expect(r.stdout).toContain(`\nexport ${k}=${v}\n`);
    expect(Object.keys(emu.env).sort()).toEqual(['AZURE_AUTHORITY_HOST', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT_ID', 'AZURE_TOKEN_CREDENTIALS', 'NODE_EXTRA_CA_CERTS', 'VPNSYNC_ARM_ENDPOINT']);
    expect(r.stderr).toMatch(/^vpnsync emulator: serving \d+ link connections on https:\/\/127\.0\.0\.1:\d+; Ctrl-C to stop\nvpnsync emulator: SIGTERM received; served 0 requests \(0 throttled\), stopping\n$/);
    // The output is a shell script: sourcing it sets exactly the emulator's environment.
    const dir = mkdtempSync(join(tmpdir(), 'vpnsync-cli-'));
    writeFileSync(join(dir, 'env.sh'), r.stdout);
    const sourced = execFileSync('bash', ['-c', `source ${join(dir, 'env.sh')} && env`], { env: { PATH: process.env.PATH ?? '' } }).toString();
    for (const [k, v] of Object.entries(emu.env)) expect(sourced).toContain(`${k}=${v}\n`);
    // Closed after the signal.
    await expect(fetch(`${emu.url}/_emulator/stats`)).rejects.toThrow();
  });

  it('turns every option into startEmulator options', async () => {
    const r = await run([
      '--port', '0', '--seed', '9', '--subscriptions', '1', '--resource-groups', '2', '--gateways', '1', '--connections', '3', '--links', '1.5',
      '--page-size', '7', '--latency-ms', '0', '--jitter-ms', '0', '--read-capacity', '100', '--read-refill', '2.5', '--write-capacity', '5', '--write-refill', '0.5',
      '--lro-polls', '0', '--lro-seconds', '12', '--retry-after', '0', '--mutate-every', '0.5', '--return-shared-keys',
      '--fault', '5xx=503:*:0.1', '--fault', 'hang:vpngw-westeurope-01:1:2', '--verbose',
    ]);
    expect(r.options).toEqual({
      port: 0,
      seed: 9,
      size: { subscriptions: 1, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 1, connectionsPerGateway: 3, linksPerConnection: 1.5 },
      pageSize: 7,
      latency: { fixedMs: 0, jitterMs: 0 },
      throttle: { readCapacity: 100, readRefillPerSecond: 2.5, writeCapacity: 5, writeRefillPerSecond: 0.5 },
      lro: { polls: 0, seconds: 12, retryAfterSeconds: 0 },
      mutateEveryMs: 500,
      returnSharedKeys: true,
      faults: [
        { kind: '5xx', status: 503, match: '*', rate: 0.1 },
        { kind: 'hang', match: 'vpngw-westeurope-01', rate: 1, count: 2 },
      ],
      mutationLogLimit: 100_000,
      onRequest: expect.any(Function),
    });
    expect(r.emulator!.links().length).toBeGreaterThanOrEqual(6);
  });

  it('--network-read-limit, --other-reads-per-second and --retry-after-format reach the emulator', async () => {
    const r = await run(['--network-read-limit', '500', '--other-reads-per-second', '100', '--retry-after-format', 'http-date']);
    expect(r.options).toMatchObject({ throttle: { networkReadsPer5Minutes: 500, otherReadsPerSecond: 100 }, retryAfterFormat: 'http-date' });
    expect(r.emulator!.throttleState()?.otherReadsPerSecond).toBe(100);
  });

  it('--http serves plain HTTP and says the SDK credentials need https; --no-throttle turns throttling off', async () => {
    const r = await run(['--http', '--no-throttle']);
    expect(r.options).toMatchObject({ protocol: 'http', throttle: false });
    expect(r.emulator!.url).toMatch(/^http:\/\//);
    expect(r.stdout).toContain('# Plain HTTP: no CA certificate');
    expect(r.stdout).not.toContain('NODE_EXTRA_CA_CERTS');
  });

  it('serves a fleet file', async () => {
    const file = azureExample('VpnGatewayList.json');
    const r = await run(['--fleet-file', file]);
    expect(r.emulator!.links()).toHaveLength(2);
  });

  it.each([
    [['--page-size', 'x'], "Expected --page-size to be an integer from 1 to 1000, got 'x'"],
    [['--page-size', '0'], "Expected --page-size to be an integer from 1 to 1000, got '0'"],
    [['--port', '70000'], "Expected --port to be an integer from 0 to 65535, got '70000'"],
    [['--seed', '-1'], "Expected --seed to be an integer from 0 to 2147483647, got '-1'"],
    [['--links', '5'], "Expected --links to be a number from 1 to 4, got '5'"],
    [['--read-refill', 'fast'], "Expected --read-refill to be a number from 0.001 to 1000000, got 'fast'"],
    [['--mutate-every', '0'], "Expected --mutate-every to be a number from 0.01 to 86400, got '0'"],
    [['--fault', 'meteor:*'], /^Expected --fault to look like KIND\[=VALUE\]:MATCH\[:RATE\[:COUNT\]\] \(KIND one of latency, 5xx, .*\), got 'meteor:\*'$/],
    [['--fault', '5xx:*:7'], /^Expected --fault to look like .* \(RATE is a probability from 0 to 1\), got '5xx:\*:7'$/],
    [['--network-read-limit', '0'], "Expected --network-read-limit to be an integer from 1 to 100000000, got '0'"],
    [['--other-reads-per-second', 'many'], "Expected --other-reads-per-second to be a number from 0 to 15000000, got 'many'"],
    [['--other-reads-per-second', '400'], "other principals' reads per second must be at least 0 and less than the global read bucket's refill (375/s), got 400"],
    [['--no-throttle', '--other-reads-per-second', '5'], /^Expected either --no-throttle or bucket settings \(.*\), got both$/],
    [['--no-throttle', '--read-capacity', '5'], 'Expected either --no-throttle or bucket settings (--read-capacity, --read-refill, --write-capacity, --write-refill, --network-read-limit, --other-reads-per-second), got both'],
    [['--http', '--cert-dir', '/tmp/x'], 'Expected either --http or --cert-dir (plain HTTP needs no certificate), got both'],
    // Once "unexpected error: EEXIST".
    [['--cert-dir', fileURLToPath(import.meta.url)], `Expected --cert-dir to be a directory (created if missing), got the file ${fileURLToPath(import.meta.url)}`],
    [['--fault', '429:*:-1'], /^Expected --fault to look like .* \(RATE is a probability from 0 to 1\), got '429:\*:-1'$/],
    [['--fleet-file', 'f.json', '--connections', '3'], 'Expected either --fleet-file or fleet sizes (--subscriptions, --resource-groups, --gateways, --connections, --links), got both'],
    [['--fleet-file', '/nonexistent/fleet.json'], /^Cannot read fleet file '\/nonexistent\/fleet\.json'/],
    [['--bogus'], /Unknown argument: bogus/],
  ])('rejects %j with a one-line UsageError', async (args, message) => {
    const error = await run(args).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('emulatorOptionsFromArgs keeps unset options unset', () => {
    const options = emulatorOptionsFromArgs({} as EmulatorArgs);
    expect(options).toEqual({ mutationLogLimit: 100_000 });
  });
});
