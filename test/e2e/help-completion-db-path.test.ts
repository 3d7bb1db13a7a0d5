import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_COMMANDS, COMMANDS } from '../../src/cli/main.js';
import { outputOf, runCli, type CliResult } from '../support/run-cli.js';
import { useTempDir } from '../support/temp-dir.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const tempDir = useTempDir('vpnsync-installed-');

/** Options a --help screen lists, with their type label ("--concurrency … [number]" → ['--concurrency', 'number']), wrapped lines and all. */
function optionTypes(help: string): Map<string, string | undefined> {
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (const line of help.split('\n')) {
    const option = /^\s+(?:-\w, )?(--[a-z][a-z-]*)\b/.exec(line)?.[1];
    if (option) entries.set((current = option), line);
    else if (current && /^\s{6,}\S/.test(line)) entries.set(current, `${entries.get(current)} ${line}`);
    else current = undefined;
  }
  return new Map([...entries].map(([o, text]) => [o, /\[(boolean|string|number|array|count)\]/.exec(text)?.[1]]));
}

describe('vpnsync help <command>', () => {
  it('prints exactly what <command> --help prints, for commands and queue subcommands', async () => {
    for (const words of [['query'], ['queue', 'run'], []]) {
      const viaHelp = await runCli(['help', ...words]);
      const viaFlag = await runCli([...words, '--help']);
      expect(viaHelp.code, words.join(' ')).toBe(0);
      expect(viaHelp.stdout, words.join(' ')).toBe(viaFlag.stdout);
      expect(viaHelp.stderr).toBe('');
    }
  });

  it('refuses a command that does not exist, with exit 2', async () => {
    const r = await runCli(['help', 'nope']);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: "vpnsync: Unknown command 'nope'; run vpnsync --help to see the commands\n" });
  });
});

describe('vpnsync completion', () => {
  it('prints a bash script that asks vpnsync for completions, which are the command names, then their options', async () => {
    const script = await runCli(['completion'], { env: { SHELL: '/bin/bash' } });
    expect(script.code).toBe(0);
    expect(script.stdout).toContain('vpnsync --get-yargs-completions');
    expect(script.stdout).toMatch(/^complete .* vpnsync$/m);

    const commands = await runCli(['--get-yargs-completions', 'vpnsync', '']);
    expect(commands.code).toBe(0);
    expect(commands.stdout.split('\n')).toEqual(expect.arrayContaining([...Object.keys(COMMANDS), ...BUILT_IN_COMMANDS]));

    const pullOptions = await runCli(['--get-yargs-completions', 'vpnsync', 'pull', '--']);
    expect(pullOptions.stdout.split('\n')).toEqual(expect.arrayContaining(['--concurrency', '--gateway', '--db']));
  });

  it('prints a zsh script under zsh', async () => {
    const script = await runCli(['completion'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(script.code).toBe(0);
    expect(script.stdout).toMatch(/^#compdef vpnsync$/m);
  });
});

describe('numeric options', () => {
  it('are labelled [number] in --help', async () => {
    const pull = optionTypes((await runCli(['pull', '--help'])).stdout);
    expect(pull.get('--concurrency')).toBe('number');
    expect(pull.get('--read-bucket')).toBe('number');
    expect(optionTypes((await runCli(['snapshots', '--help'])).stdout).get('--limit')).toBe('number');
    expect(optionTypes((await runCli(['emulator', '--help'])).stdout).get('--port')).toBe('number');
    expect((await runCli(['queue', 'show', '--help'])).stdout).toMatch(/^ {2}id {2,}\[number\] \[required\]$/m);
  });

  it('still quote the text typed when it is not a number, with exit 2', async () => {
    for (const value of ['x', '0x10', '1e2']) {
      const r = await runCli(['pull', '--concurrency', value]);
      expect(r).toMatchObject({ code: 2, stdout: '', stderr: `vpnsync: Expected --concurrency to be an integer from 1 to 256, got '${value}'\n` });
    }
    const id = await runCli(['queue', 'show', '0x10']);
    expect(id).toMatchObject({ code: 2, stdout: '', stderr: `vpnsync: Expected action id to be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got '0x10'\n` });
  });
});

describe('each command lists only its own options', () => {
  it('emulator takes no --db; the commands that open a database, and queue subcommands, do', async () => {
    const emulator = await runCli(['emulator', '--help']);
    expect(optionTypes(emulator.stdout).has('--db')).toBe(false);
    const refused = await runCli(['emulator', '--db', 'x.db']);
    expect(refused).toMatchObject({ code: 2, stderr: 'vpnsync: Unknown argument: db\n' });
    for (const words of [['pull'], ['query'], ['queue', 'list'], ['queue', 'run'], ['migrate']]) {
      expect(optionTypes((await runCli([...words, '--help'])).stdout).has('--db'), words.join(' ')).toBe(true);
    }
  });
});

/** Runs the launcher of a copy of vpnsync at `bin` with exactly `env` (plus PATH). */
function runAt(bin: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return outputOf(child);
}

/** The package as npm publishes it (`npm pack`), unpacked into `<dir>/node_modules/vpnsync`, its dependencies linked from this clone. */
function installPackage(dir: string): string {
  const pkg = path.join(dir, 'node_modules', 'vpnsync');
  mkdirSync(pkg, { recursive: true });
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) as string;
  execFileSync('tar', ['-xzf', path.join(dir, tarball), '-C', pkg, '--strip-components=1']);
  symlinkSync(path.join(REPO, 'node_modules'), path.join(pkg, 'node_modules'));
  return path.join(pkg, 'bin', 'vpnsync.js');
}

describe('the default database', () => {
  it('in a clone is data/vpnsync.db, and --help says so; VPNSYNC_DB overrides it', async () => {
    const clone = await runCli(['--help']);
    expect(clone.stdout).toContain(`Database: ${path.join(REPO, 'data', 'vpnsync.db')}\n  (default in this clone; --db FILE or VPNSYNC_DB to use another)`);
    const fromEnv = await runCli(['--help'], { env: { VPNSYNC_DB: '/srv/vpnsync/inventory.db' } });
    expect(fromEnv.stdout).toContain('Database: /srv/vpnsync/inventory.db\n  (from VPNSYNC_DB; --db FILE to use another)');
  });

  it('in an installed package is in the XDG data directory, never the package folder, and --help says which', async () => {
    const dir = tempDir();
    const bin = installPackage(dir);
    const home = path.join(dir, 'home');
    const xdg = path.join(dir, 'xdg-data');
    mkdirSync(home);

    const withXdg = await runAt(bin, ['--help'], { HOME: home, XDG_DATA_HOME: xdg });
    expect(withXdg.code).toBe(0);
    expect(withXdg.stdout).toContain(`Database: ${path.join(xdg, 'vpnsync', 'vpnsync.db')}\n  (default for an installed package;`);
    const migrated = await runAt(bin, ['migrate'], { HOME: home, XDG_DATA_HOME: xdg });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(existsSync(path.join(xdg, 'vpnsync', 'vpnsync.db'))).toBe(true);

    const withoutXdg = await runAt(bin, ['--help'], { HOME: home });
    expect(withoutXdg.stdout).toContain(`Database: ${path.join(home, '.local', 'share', 'vpnsync', 'vpnsync.db')}\n  (default for an installed package;`);
    await runAt(bin, ['migrate'], { HOME: home });
    expect(existsSync(path.join(home, '.local', 'share', 'vpnsync', 'vpnsync.db'))).toBe(true);
    // The fingerprint key is in the config directory, not beside the database (docs/database.md).
    const keyFile = path.join(home, '.config', 'vpnsync', 'fingerprint.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8');

    // The demo's database and report go beside the default database too.
    const demo = await runAt(bin, ['demo'], { HOME: home, XDG_DATA_HOME: xdg });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain(`database: ${path.join(xdg, 'vpnsync', 'demo.db')}`);
    expect(existsSync(path.join(xdg, 'vpnsync', 'demo-report.html'))).toBe(true);
    // The demo's own key, beside its database: the user's key file is left as it was.
    expect(statSync(path.join(xdg, 'vpnsync', 'demo-fingerprint.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    expect(existsSync(path.join(dir, 'node_modules', 'vpnsync', 'data'))).toBe(false);
  }, 180_000);
});
