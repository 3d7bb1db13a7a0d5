import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The launcher users run (bin/vpnsync.js, which loads dist/): the soak drives the real CLI. */
export const VPNSYNC_BIN = fileURLToPath(new URL('../../bin/vpnsync.js', import.meta.url));

/** How one vpnsync process ended. */
export interface VpnsyncRun {
  /** Exit code, or undefined when it was killed. */
  code: number | undefined;
  /** True when the soak killed it on purpose (killAfterMs). */
  killed: boolean;
  /** True when it ran past timeoutMs and was killed for that (always a failure). */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/**
 * Runs `vpnsync ARGS` with `env` over a copy of this process's environment from which Azure and
 * vpnsync variables are removed (nothing real is ever reached). With `killAfterMs`, the process
 * is sent SIGKILL (`kill -9`) that many ms after it was spawned, unless it has already exited.
 * `onSpawn` receives a function that does the same at once (to kill on an event, such as a
 * request reaching the emulator). `input` is written to its stdin (otherwise stdin is /dev/null);
 * `user` runs it as another user.
 */
export function runVpnsync(
  args: readonly string[],
  env: Record<string, string>,
  options: { killAfterMs?: number; timeoutMs?: number; input?: string; user?: { uid: number; gid: number }; onSpawn?: (kill: () => void) => void } = {},
): Promise<VpnsyncRun> {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('AZURE_') || k.startsWith('VPNSYNC_') || k === 'IDENTITY_ENDPOINT' || k === 'MSI_ENDPOINT') delete base[k];
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VPNSYNC_BIN, ...args], {
      env: { ...base, ...env } as NodeJS.ProcessEnv,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.user ?? {}),
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    let killed = false;
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const running = (): boolean => child.exitCode === null && child.signalCode === null;
    const kill = (): void => {
      if (!running()) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const killer = options.killAfterMs !== undefined ? setTimeout(kill, options.killAfterMs) : undefined;
    options.onSpawn?.(kill);
    const limit = setTimeout(() => {
      if (!running()) return;
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      clearTimeout(limit);
      resolve({ code: killed || timedOut ? undefined : (code ?? undefined), killed, timedOut, stdout, stderr, ms: performance.now() - began });
    });
  });
}
