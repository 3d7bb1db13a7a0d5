import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { azureExample } from '../support/azure-spec.js';
import { BIN, outputOf, type CliResult } from '../support/run-cli.js';

// A reader that goes away (`vpnsync diff | head -1`) must end a command quietly: exit 0, nothing
// on stderr, as it does for query. The reader here closes before the command writes a byte, so
// that every command's first write meets EPIPE (a reader that closes after the first chunk would
// let any output smaller than the pipe's buffer through unharmed, and test nothing).

let emulator: Emulator;
let dir: string;
let db: string;

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('AZURE_') || k.startsWith('VPNSYNC_')) delete e[k];
  return { ...e, AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential', ...emulator.env };
}

/** Runs the real CLI with its stdout a pipe whose reader is already gone. */
function withReaderGone(args: readonly string[], options: { untilStderr?: RegExp; db?: string } = {}): Promise<CliResult> {
  // `emulator` opens no database and takes no --db.
  const dbArgs = args[0] === 'emulator' ? [] : ['--db', options.db ?? db];
  const child = spawn(process.execPath, [BIN, ...args, ...dbArgs], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.destroy();
  child.stdin.end();
  const result = outputOf(child);
  // A server (the emulator) runs until it is stopped: stop it once it has said it is serving.
  const until = options.untilStderr;
  if (until) {
    let seen = '';
    const watch = (d: Buffer) => {
      seen += d.toString();
      if (!until.test(seen)) return;
      child.stderr.off('data', watch);
      child.kill('SIGINT');
    };
    child.stderr.on('data', watch);
  }
  return result;
}

/** The same through `sh -c '… | head -N'`, as an operator types it. */
function throughHead(args: readonly string[], lines: number): Promise<CliResult> {
  const quoted = [process.execPath, BIN, ...args, '--db', db].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('sh', ['-c', `${quoted} | head -${lines} >/dev/null; exit "$(( $? ))"`], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  return outputOf(child);
}

async function cli(args: readonly string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args, '--db', db], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  return outputOf(child);
}

/** Exit 0 and no trace of the EPIPE: nothing at all on stderr for commands that only print data. */
function expectQuiet(r: CliResult, stderr: 'empty' | 'no error' = 'empty'): void {
  expect(r.stderr).not.toMatch(/EPIPE|Unhandled|Error:|    at /);
  if (stderr === 'empty') expect(r.stderr).toBe('');
  expect(r.code, r.stderr).toBe(EXIT.OK);
}

describe('a reader that goes away ends every command quietly', () => {
  beforeAll(async () => {
    emulator = await startEmulator({ certDir: process.env.VPNSYNC_TEST_CERT_DIR, seed: 14, mutationRates: { statusFlap: 0.3 }, lro: { retryAfterSeconds: 1 } });
    dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-pipes-'));
    db = path.join(dir, 'vpnsync.db');
    expect((await cli(['pull', '--quiet'])).code).toBe(EXIT.OK);
    emulator.tick();
  }, 120_000);
  afterAll(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pull --json', async () => {
    expectQuiet(await withReaderGone(['pull', '--quiet', '--json']));
    // The pull was recorded all the same.
    expect((await cli(['snapshots', '--format', 'json'])).stdout).toMatch(/"id": 2/);
  });
  it('query', async () => expectQuiet(await withReaderGone(['query', 'SELECT name FROM vpn_link_connections'])));
  it('snapshots', async () => expectQuiet(await withReaderGone(['snapshots'])));
  it('diff', async () => expectQuiet(await withReaderGone(['diff'])));
  it('diff --format csv', async () => expectQuiet(await withReaderGone(['diff', '--format', 'csv'])));
  it('history', async () => expectQuiet(await withReaderGone(['history', emulator.links()[0]!.id])));
  it('report', async () => expectQuiet(await withReaderGone(['report'])));
  it('report --format html | head -2', async () => expectQuiet(await throughHead(['report', '--format', 'html'], 2)));
  it('import --json', async () => {
    // Into a database of its own: Microsoft's example is another tenant.
    expectQuiet(await withReaderGone(['import', azureExample('VpnSiteLinkConnectionList.json'), '--json'], { db: path.join(dir, 'imported.db') }), 'no error');
  });
  it('queue reset, queue list, queue show, queue run --dry-run, queue run --json', async () => {
    const link = emulator.links()[0]!.id;
    expectQuiet(await withReaderGone(['queue', 'reset', link, '--reason', 'pipes']));
    expectQuiet(await withReaderGone(['queue', 'list']));
    expectQuiet(await withReaderGone(['queue', 'show', '1']));
    expectQuiet(await withReaderGone(['queue', 'run', '--dry-run']));
    expectQuiet(await withReaderGone(['queue', 'run', '--json']), 'no error');
    expect((await cli(['queue', 'show', '1'])).stdout).toMatch(/succeeded/);
  });
  it('exec', async () => {
    const l = emulator.links()[1]!;
    expectQuiet(await withReaderGone(['exec', `EXEC azure.network.vpn_link_connections.VpnLinkConnections_GetIkeSas @subscriptionId='${l.subscriptionId}', @resourceGroupName='${l.resourceGroupName}', @gatewayName='${l.gatewayName}', @connectionName='${l.connectionName}', @linkConnectionName='${l.name}'`]));
  });
  it('--help', async () => expectQuiet(await withReaderGone(['--help'])));
  it('emulator (its environment lines): serves on, then stops at Ctrl-C with exit 0', async () => {
    const r = await withReaderGone(['emulator', '--connections', '1', '--gateways', '1', '--subscriptions', '1', '--resource-groups', '1'], { untilStderr: /Ctrl-C to stop/ });
    expectQuiet(r, 'no error');
    expect(r.stderr).toMatch(/SIGINT received/);
  });
  it('demo', async () => expectQuiet(await withReaderGone(['demo'], { db: path.join(dir, 'demo.db') }), 'no error'), 120_000);
});
