import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, parseImportJson } from '../../src/import/parse-import-json.js';

describe('jsonErrorOffset: where JSON goes wrong, for the faults V8 gives no position for', () => {
  it('is undefined for valid JSON and agrees with V8 wherever V8 names a position', () => {
    const valid = ['{}', '[]', ' {"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n"]} ', '"s"', '0', '\uFEFF{"a":1}', '[[[]]]'];
    for (const t of valid) expect(jsonErrorOffset(t), t).toBeUndefined();
    const invalid = ['{"a":1,}', '[1 2]', '{"a" 1}', '{"a":1} x', '[01]', '{"a":"\u0001"}', '{a:1}', '[1,]', '{"a":tru}', '[1.]', '[-]', '{"a":"\\x"}'];
    for (const t of invalid) {
      let position: number | undefined;
      try {
        JSON.parse(t);
      } catch (e) {
        const m = /at position (\d+)/.exec((e as Error).message);
        position = m ? Number(m[1]) : undefined;
      }
      const mine = jsonErrorOffset(t);
      expect(mine, t).toBeDefined();
      if (position !== undefined) expect(mine, t).toBe(position);
    }
  });

  it('gives the line and column of an unexpected token and of an early end, without quoting the input', () => {
    expect(() => parseImportJson('this is not JSON\n', 'x.json')).toThrow(/^Expected x\.json to be JSON, but it is not valid JSON at line 1, column 2: Unexpected token 'h'$/);
    expect(() => parseImportJson('{\n  "value": [\n    {"sharedKey": "s3cret"},', 'x.json')).toThrow(/^Expected x\.json to be JSON, but it is not valid JSON at line 3, column 29: Unexpected end of JSON input$/);
    expect(() => parseImportJson('{"sharedKey": "s3cret" oops}', 'x.json')).not.toThrow(/s3cret/);
  });
});
