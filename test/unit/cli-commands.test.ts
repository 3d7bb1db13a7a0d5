import { describe, expect, it } from 'vitest';
import { BUILT_IN_COMMANDS, COMMANDS } from '../../src/cli/main.js';

// main.ts loads only the command a command line names, by the keys of COMMANDS: a key that is
// not its module's command word would make that command unreachable.
describe('the lazily loaded command table', () => {
  it('names each command module by the first word of its command', async () => {
    for (const [name, load] of Object.entries(COMMANDS)) {
      const module = await load();
      const word = String(module.command).split(' ')[0];
      expect(word, `COMMANDS.${name}`).toBe(name);
    }
  });

  it('holds every command the README’s command table documents (but help and completion, which main.ts provides)', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| \[`vpnsync ([a-z]+)/gm)].map((m) => m[1]));
    expect(documented.size).toBeGreaterThan(5);
    for (const c of documented) expect([...Object.keys(COMMANDS), ...BUILT_IN_COMMANDS]).toContain(c);
  });
});
