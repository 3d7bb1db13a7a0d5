import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Commands listed by a --help screen ("vpnsync queue reset [targets..]" → "queue reset"). */
function commandsIn(help: string, prefix: string): string[] {
  const section = help.split(/\n\n/).find((block) => block.startsWith('Commands:')) ?? '';
  return [...section.matchAll(new RegExp(`^\\s+vpnsync ${prefix}([a-z-]+)`, 'gm'))].map((m) => `${prefix}${m[1]}`);
}

function optionsIn(help: string): string[] {
  return [...help.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1] as string).filter((o) => !['--help', '--version'].includes(o));
}

describe('README and --help agree', () => {
  it('every command and every option that --help shows is documented in the README', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const commands = commandsIn(top.stdout, '');
    expect(commands).toEqual(expect.arrayContaining(['pull', 'query', 'queue', 'exec', 'migrate', 'demo', 'emulator']));
    const all: string[] = [];
    for (const c of commands) {
      const help = await runCli([c, '--help']);
      const subs = commandsIn(help.stdout, `${c} `);
      all.push(c, ...subs);
    }
    const missing: string[] = [];
    for (const c of all) {
      if (!README.includes(`vpnsync ${c}`)) missing.push(`command: vpnsync ${c}`);
      const help = await runCli([...c.split(' '), '--help']);
      expect(help.code, c).toBe(0);
      for (const o of optionsIn(help.stdout)) if (!README.includes(o) && !README.includes(o.replace('--', '--no-'))) missing.push(`${c} ${o}`);
    }
    expect(missing).toEqual([]);
  });
});
