import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderColumnsTable } from '../../src/sync/columns-doc.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents exactly the columns of the field list', () => {
    const start = README.indexOf('<!-- columns table');
    const end = README.indexOf('<!-- end columns table -->');
    const block = README.slice(README.indexOf('\n', start) + 1, end).trim();
    expect(block).toBe(renderColumnsTable());
  });
});
