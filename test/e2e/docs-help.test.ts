import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDoc } from '../support/doc-examples.js';
import { runCli } from '../support/run-cli.js';

const README = readDoc('README.md');
/** Options every command takes; the README's command section names them once for all. */
const GLOBAL_OPTIONS = ['--db', '--debug'];

/** Commands listed by a --help screen ("vpnsync queue reset [targets..]" → "queue reset"). */
function commandsIn(help: string, prefix: string): string[] {
  const section = help.split(/\n\n/).find((block) => block.startsWith('Commands:')) ?? '';
  return [...section.matchAll(new RegExp(`^\\s+vpnsync ${prefix}([a-z-]+)`, 'gm'))].map((m) => `${prefix}${m[1]}`);
}

function optionsIn(help: string): string[] {
  return [...help.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1] as string).filter((o) => !['--help', '--version'].includes(o));
}

/** The README's command table: "vpnsync queue run" → the page (and anchor) its row links to. */
function commandTable(): Map<string, string> {
  return new Map([...README.matchAll(/^\| \[`vpnsync ([a-z -]+)`\]\(([^)]+)\) \|/gm)].map((m) => [m[1] as string, m[2] as string]));
}

describe('the docs and --help agree', () => {
  it('every command --help shows is in the README’s table, and every option it shows is on the page that row links to', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const commands = commandsIn(top.stdout, '');
    expect(commands).toEqual(expect.arrayContaining(['pull', 'query', 'queue', 'exec', 'migrate', 'demo', 'emulator']));
    const all: string[] = [];
    for (const c of commands) {
      const help = await runCli([c, '--help']);
      const subs = commandsIn(help.stdout, `${c} `);
      all.push(...(subs.length > 0 ? subs : [c]));
    }
    const table = commandTable();
    expect([...table.keys()].sort()).toEqual([...all].sort());

    const missing: string[] = [];
    for (const c of all) {
      const help = await runCli([...c.split(' '), '--help']);
      expect(help.code, c).toBe(0);
      const page = (table.get(c) as string).split('#')[0] as string;
      const text = readDoc(path.normalize(page));
      if (!text.includes(`vpnsync ${c}`)) missing.push(`${page}: command vpnsync ${c}`);
      for (const o of optionsIn(help.stdout)) {
        if (GLOBAL_OPTIONS.includes(o)) continue;
        if (!text.includes(o) && !text.includes(o.replace('--', '--no-'))) missing.push(`${page}: vpnsync ${c} ${o}`);
      }
    }
    expect(missing).toEqual([]);
    for (const o of GLOBAL_OPTIONS) expect(README).toContain(`\`${o}`);
  });
});
