import { describe, expect, it, vi } from 'vitest';
import { parseCommandLine } from '../../src/cli/main.js';

// parseCommandLine is main's parser without the handlers: what the docs test runs every example through.
describe('parseCommandLine', () => {
  it('returns the command and its validated arguments, and runs nothing', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    const pull = await parseCommandLine(['pull', '--concurrency', '32', '--db', '/nonexistent/dir/x.db']);
    expect(pull).toMatchObject({ ok: true, command: ['pull'], args: { concurrency: 32, db: '/nonexistent/dir/x.db' } });
    expect(await parseCommandLine(['queue', 'run', '--dry-run'])).toMatchObject({ ok: true, command: ['queue', 'run'], args: { dryRun: true } });
    expect(await parseCommandLine(['--help'])).toMatchObject({ ok: true });
    expect(await parseCommandLine(['query', '--help'])).toMatchObject({ ok: true });
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
  });

  it('refuses what main would refuse, with the same message', async () => {
    expect(await parseCommandLine(['pull', '--concurrency', 'x'])).toEqual({ ok: false, message: "Expected --concurrency to be an integer from 1 to 256, got 'x'" });
    expect(await parseCommandLine(['history', 'x', '--bogus'])).toEqual({ ok: false, message: 'Unknown argument: bogus' });
    expect(await parseCommandLine(['queue'])).toEqual({ ok: false, message: 'Expected a queue command: reset, ike-sas, list, show, cancel or run' });
    expect(await parseCommandLine(['pul'])).toMatchObject({ ok: false, message: expect.stringMatching(/Unknown command 'pul'/) });
  });
});
