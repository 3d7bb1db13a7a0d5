import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_RESULTS_BEGIN, BENCH_RESULTS_END } from '../../src/bench/bench-doc.js';
import { QUERY_BENCH_SQL } from '../../src/bench/query-bench.js';
import { parseCommandLine } from '../../src/cli/main.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { RESULTS_BEGIN, RESULTS_END } from '../../src/soak/soak-report.js';
import { anchorsOf, codeBlocks, commandExamples, docFiles, readDoc, relativeLinks, ROOT, shellTokens, vpnsyncInvocations } from '../support/doc-examples.js';

const QUERIES = path.join(ROOT, 'examples/queries');
const README = readDoc('README.md');

describe('README.md is the front door', () => {
  it('is under 300 lines', () => {
    expect(README.split('\n').length).toBeLessThan(300);
  });

  it('has its parts in order: what, how it compares, set-up, tour, cron, commands, next', () => {
    const headings = [...README.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(['How it compares', 'Set-up', 'A five-minute tour against the emulator', 'Running it from cron against real Azure', 'Commands', 'Where to go next']);
  });
});

describe('every vpnsync example in README.md and docs/ parses with the real CLI', () => {
  const examples = docFiles().flatMap((file) => commandExamples(file, readDoc(file)));

  it('finds the examples (the tour, each page)', () => {
    expect(examples.length).toBeGreaterThan(100);
    for (const file of docFiles().filter((f) => !/RELIABILITY|BENCHMARKS/.test(f))) expect(examples.some((e) => e.file === file), file).toBe(true);
  });

  it.each(docFiles())('%s', async (file) => {
    const refused: string[] = [];
    for (const e of examples.filter((x) => x.file === file)) {
      const parsed = await parseCommandLine(e.args);
      if (!parsed.ok) refused.push(`${e.line}\n  → ${parsed.message}`);
    }
    expect(refused).toEqual([]);
  });

  it('reads command lines as a shell would', () => {
    expect(vpnsyncInvocations(`npx vpnsync query -f x.sql --format json | jq '.[0]' > out.json`)).toEqual([['query', '-f', 'x.sql', '--format', 'json']]);
    expect(vpnsyncInvocations(`cd /opt/vpnsync && AZURE_TOKEN_CREDENTIALS=X npx vpnsync pull --quiet >> /var/log/v.log 2>&1`)).toEqual([['pull', '--quiet']]);
    expect(vpnsyncInvocations(`echo "SELECT 1" | npx vpnsync query`)).toEqual([['query']]);
    expect(vpnsyncInvocations(`npx vpnsync exec "EXEC a.b @x='y', @z=\\"w\\""  # a comment`)).toEqual([['exec', `EXEC a.b @x='y', @z="w"`]]);
    expect(vpnsyncInvocations(`npx vpnsync emulator --fault '5xx=503:*:0.05' > /tmp/e.env &`)).toEqual([['emulator', '--fault', '5xx=503:*:0.05']]);
    expect(shellTokens('a 2>&1 b')).toEqual([{ word: 'a' }, { op: '2>&1' }, { word: 'b' }]);
  });
});

describe('the examples of --help parse too', () => {
  /** The first argument of every `.example('…')` in the command modules, `$0` read as vpnsync. */
  function helpExamples(): { file: string; line: string }[] {
    const dir = path.join(ROOT, 'src/cli/commands');
    const out: { file: string; line: string }[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const m of source.matchAll(/\.example\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) {
        const text = (m[2] as string).replace(/\\(.)/g, '$1');
        out.push({ file, line: text.replace(/\$0/g, 'vpnsync') });
      }
    }
    return out;
  }

  it('every .example() of the commands', async () => {
    const examples = helpExamples();
    expect(examples.length).toBeGreaterThan(15);
    const refused: string[] = [];
    for (const e of examples) {
      const invocations = vpnsyncInvocations(e.line);
      if (invocations.length === 0) refused.push(`${e.file}: ${e.line} → no vpnsync command`);
      for (const args of invocations) {
        const parsed = await parseCommandLine(args);
        if (!parsed.ok) refused.push(`${e.file}: ${e.line} → ${parsed.message}`);
      }
      for (const file of e.line.match(/examples\/queries\/[\w-]+\.sql/g) ?? []) if (!existsSync(path.join(ROOT, file))) refused.push(`${e.file}: ${file} is not shipped`);
    }
    expect(refused).toEqual([]);
  });
});

describe('the example queries the docs show are the files in examples/queries', () => {
  /** Each ```sql block right after a link to examples/queries/NAME.sql, as { file, shown }. */
  function shownQueries(): { doc: string; file: string; shown: string }[] {
    const out: { doc: string; file: string; shown: string }[] = [];
    for (const doc of docFiles()) {
      const lines = readDoc(doc).split('\n');
      lines.forEach((line, i) => {
        const file = /\]\((?:\.\.\/)?examples\/queries\/([\w-]+\.sql)\)[^\n]*:$/.exec(line)?.[1];
        if (!file) return;
        const rest = lines.slice(i + 1).join('\n');
        const block = codeBlocks(rest)[0];
        if (block && block.lang === 'sql' && rest.trimStart().startsWith('```sql')) out.push({ doc, file, shown: block.text });
      });
    }
    return out;
  }

  it('shows each file verbatim, and every file somewhere', () => {
    const shown = shownQueries();
    for (const s of shown) expect(`${s.shown}\n`, `${s.doc}: ${s.file}`).toBe(readFileSync(path.join(QUERIES, s.file), 'utf8'));
    expect([...new Set(shown.map((s) => s.file))].sort()).toEqual(readdirSync(QUERIES).sort());
  });

  it('the query benchmark times the links-down-per-gateway example', () => {
    expect(`${QUERY_BENCH_SQL}\n`).toBe(readFileSync(path.join(QUERIES, 'links-down-per-gateway.sql'), 'utf8'));
  });
});

describe('links and tables in the docs are true', () => {
  it('every relative link names a file that exists, and a heading that exists in it', () => {
    const broken: string[] = [];
    for (const doc of docFiles()) {
      for (const link of relativeLinks(readDoc(doc))) {
        const [target = '', anchor] = link.split('#');
        const file = target === '' ? doc : path.normalize(path.join(path.dirname(doc), target));
        if (!existsSync(path.join(ROOT, file))) {
          broken.push(`${doc}: ${link} (no ${file})`);
          continue;
        }
        if (anchor !== undefined && (statSync(path.join(ROOT, file)).isDirectory() || !anchorsOf(readDoc(file)).has(anchor))) broken.push(`${doc}: ${link} (no heading #${anchor} in ${file})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the exit code tables list exactly the codes vpnsync exits with', () => {
    for (const doc of ['README.md', 'docs/troubleshooting.md']) {
      const text = readDoc(doc);
      const table = text.slice(text.indexOf('| Code | Meaning |'));
      const codes = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
      expect(codes, doc).toEqual(Object.values(EXIT).sort((a, b) => a - b));
    }
  });

  it('the generated parts of RELIABILITY.md and BENCHMARKS.md keep their markers', () => {
    const reliability = readDoc('docs/RELIABILITY.md');
    expect(reliability.indexOf(RESULTS_BEGIN)).toBeGreaterThan(0);
    expect(reliability.indexOf(RESULTS_END)).toBeGreaterThan(reliability.indexOf(RESULTS_BEGIN));
    const benchmarks = readDoc('docs/BENCHMARKS.md');
    expect(benchmarks.indexOf(BENCH_RESULTS_BEGIN)).toBeGreaterThan(0);
    expect(benchmarks.indexOf(BENCH_RESULTS_END)).toBeGreaterThan(benchmarks.indexOf(BENCH_RESULTS_BEGIN));
  });
});
