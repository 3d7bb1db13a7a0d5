import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e } from '../support/e2e.js';

const start = useE2e();
/** The one timestamp format of vpnsync's outputs: ISO 8601, UTC, Z. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
/** Anything that looks like a time, in any layout, inside a text. */
const ANY_TIME = /\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?/g;

/** Every [key, value] of every object at any depth (array indexes are not keys). */
function entriesOf(v: unknown): [string, unknown][] {
  if (v === null || typeof v !== 'object') return [];
  if (Array.isArray(v)) return v.flatMap(entriesOf);
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [[k, x] as [string, unknown], ...entriesOf(x)]);
}

describe('one output convention: camelCase JSON keys, ISO 8601 UTC times', () => {
  it('snapshots, diff, history, report and prune print times as ISO 8601 UTC with Z; their JSON (and pull --json) has camelCase keys', async () => {
    const ctx = await start({ seed: 41 });
    const first = await ctx.vpnsync(['pull', '--quiet', '--json']);
    expect(first.code).toBe(EXIT.OK);
    for (const [k] of entriesOf(JSON.parse(first.stdout))) expect(k, 'pull --json').toMatch(/^[a-z][a-zA-Z0-9]*$/);
    ctx.emulator.tick(3);
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
    const link = ctx.rows<{ id: string }>('SELECT id FROM vpn_link_connections ORDER BY _key LIMIT 1')[0]!.id;

    for (const args of [['snapshots'], ['diff'], ['history', link], ['report', '--since', '1h'], ['prune', '--keep-pulls', '1', '--dry-run']]) {
      const r = await ctx.vpnsync(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(EXIT.OK);
      const times = `${r.stdout}\n${r.stderr}`.match(ANY_TIME) ?? [];
      expect(times.length, args.join(' ')).toBeGreaterThan(0);
      for (const t of times) expect(t, args.join(' ')).toMatch(ISO);
    }
    for (const args of [['snapshots', '--format', 'json'], ['diff', '--format', 'json'], ['history', link, '--format', 'json'], ['report', '--since', '1h', '--format', 'json']]) {
      const r = await ctx.vpnsync(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(EXIT.OK);
      for (const [k, v] of entriesOf(JSON.parse(r.stdout))) {
        expect(k, args.join(' ')).toMatch(/^[a-z][a-zA-Z0-9]*$/);
        if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:/.test(v)) expect(v, `${args.join(' ')}: ${k}`).toMatch(ISO);
      }
    }
  });
});
