import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initdbCandidates } from '../support/postgres-cluster.js';
import { findExecutable, missingToolMessage } from '../support/require-tool.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();

describe('where the PostgreSQL tests look for a server', () => {
  it("takes Debian's newest major version first, then initdb on PATH", () => {
    const root = tempDir();
    for (const major of ['9.6', '15', '16']) {
      mkdirSync(path.join(root, major, 'bin'), { recursive: true });
      writeFileSync(path.join(root, major, 'bin', 'initdb'), '#!/bin/sh\n');
      chmodSync(path.join(root, major, 'bin', 'initdb'), 0o755);
    }
    const candidates = initdbCandidates(root);
    expect(candidates.slice(0, 4)).toEqual([path.join(root, '16', 'bin', 'initdb'), path.join(root, '15', 'bin', 'initdb'), path.join(root, '9.6', 'bin', 'initdb'), 'initdb']);
    expect(findExecutable(candidates, { PATH: '' })).toBe(path.join(root, '16', 'bin', 'initdb'));
  });

  it('on a machine without PostgreSQL, finds nothing and says where it looked and what to install', () => {
    const root = path.join(tempDir(), 'postgresql');
    const candidates = initdbCandidates(root);
    expect(findExecutable(candidates, { PATH: '' })).toBeUndefined();
    expect(missingToolMessage('PostgreSQL server (initdb)', candidates, 'postgresql', false)).toBe(
      `skipped (PostgreSQL server (initdb) not found; looked for initdb, ${root}/*/bin/initdb): install Debian's postgresql package (apt-get install postgresql) to run these tests`,
    );
  });
});
