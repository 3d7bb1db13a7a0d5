import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real launcher, as users run it (it loads the compiled dist/; `npm test` builds first). */
export const BIN = fileURLToPath(new URL('../../bin/vpnsync.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin/vpnsync.js` as a child process with `env` added to a clean copy of the environment
 * (Azure variables of the machine running the tests are removed, so nothing real is reached).
 */
export function runCli(args: readonly string[], options: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AZURE_') || k.startsWith('VPNSYNC_') || k === 'IDENTITY_ENDPOINT' || k === 'MSI_ENDPOINT') delete env[k];
  // Only the environment credential: tests must never fall through to managed identity, whose
  // probe goes to a non-loopback address.
  env.AZURE_TOKEN_CREDENTIALS = 'EnvironmentCredential';
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
  child.stdin.end(options.input ?? '');
  return outputOf(child, options.timeoutMs);
}

/**
 * Runs the CLI as a user who cannot write a read-only directory: as root (which ignores file
 * modes) it switches to `nobody`; otherwise the mode bits already bind the current user.
 */
export function runCliAsUnprivileged(args: readonly string[]): Promise<CliResult> {
  if (process.getuid?.() !== 0) return runCli(args);
  const closed = closedAncestor(BIN);
  if (closed) {
    // Otherwise every such test fails with a bare EACCES from node, far from its cause.
    return Promise.reject(new Error(`these tests run vpnsync as nobody, who cannot enter ${closed} (mode ${(statSync(closed).mode & 0o777).toString(8)}): clone the repository where others may read it, or chmod o+rx ${closed}`));
  }
  return outputOf(spawn(process.execPath, [BIN, ...args], { uid: 65534, gid: 65534, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A child process's exit code and whole output (killed after `timeoutMs`, exit code 128). */
export function outputOf(child: ChildProcess, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** The first directory on the way to `file` that other users may not enter, if any. */
function closedAncestor(file: string): string | undefined {
  const dirs: string[] = [];
  for (let d = path.dirname(path.resolve(file)); ; d = path.dirname(d)) {
    dirs.unshift(d);
    if (d === path.dirname(d)) break;
  }
  return dirs.find((d) => (statSync(d).mode & 0o001) === 0);
}
