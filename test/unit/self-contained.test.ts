import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url));

/** The repository's files: tracked or new (not ignored), or, without git, every file outside node_modules, dist and .git. */
function repositoryFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\0').filter((f) => f !== '');
  } catch {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(path.join(ROOT, dir))) {
        if (['node_modules', 'dist', '.git'].includes(name)) continue;
        const rel = path.join(dir, name);
        if (statSync(path.join(ROOT, rel)).isDirectory()) walk(rel);
        else files.push(rel);
      }
    };
    walk('');
    return files;
  }
}

// A clone must build, demo and test with nothing beside it: Microsoft's spec and examples are in
// test/fixtures/azure-spec, and no file may reach for the folder they were once read from.
describe('the repository stands on its own', () => {
  it('no file refers to the shared folder beside the clone', () => {
    const offenders: string[] = [];
    for (const file of repositoryFiles()) {
      if (file === SELF || file.split(/[\\/]/).includes('node_modules')) continue;
      let text: string;
      try {
        text = readFileSync(path.join(ROOT, file), 'utf8');
      } catch {
        continue; // listed by git but deleted in the work tree
      }
      if (text.includes('\0')) continue;
      text.split('\n').forEach((line, i) => {
        if (/\.\.[\\/]shared\b|\bshared[\\/]azure-spec\b/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
