import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderColumnsTable } from '../../src/sync/columns-doc.js';

const PAGE = readFileSync(new URL('../../docs/database.md', import.meta.url), 'utf8');

describe('docs/database.md', () => {
  // The table between the markers is renderColumnsTable()'s output: when the field list changes,
  // paste the expected text this test prints.
  it('documents exactly the columns of the field list', () => {
    const start = PAGE.indexOf('<!-- columns table');
    const end = PAGE.indexOf('<!-- end columns table -->');
    expect(start).toBeGreaterThan(0);
    const block = PAGE.slice(PAGE.indexOf('\n', start) + 1, end).trim();
    expect(block).toBe(renderColumnsTable());
  });
});
