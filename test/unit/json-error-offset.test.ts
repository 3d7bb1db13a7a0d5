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
    expect(() => parseImportJson('this is not JSON\n', 'x.json')).toThrow(/^Expected x\.json to be JSON, but it is not valid JSON at line 1, column 2: expected a value, found an unquoted word \(JSON strings take double quotes\)$/);
    expect(() => parseImportJson('{\n  "value": [\n    {"sharedKey": "s3cret"},', 'x.json')).toThrow(/^Expected x\.json to be JSON, but it is not valid JSON at line 3, column 29: the text ends before the JSON is complete$/);
    expect(() => parseImportJson('{"sharedKey": "s3cret" oops}', 'x.json')).not.toThrow(/s3cret/);
  });

  it('never quotes the input, not even a character of it, whatever the fault (V8 quotes the text around it)', () => {
    const key = 'Qz7xWv';
    const faults: [string, RegExp][] = [
      [`{"sharedKey": '${key}'}`, /column 15: expected a value, found a single quote/],
      [`{"sharedKey": ${key}}`, /column 15: expected a value, found an unquoted word/],
      [`{"sharedKey": "${key}\\q"}`, /column 23: an invalid backslash escape inside a string/],
      [`{"sharedKey": "${key}\u0001"}`, /column 22: a control character \(such as a raw line break or tab\) inside a string/],
      [`{"sharedKey": "${key}" ${key}}`, /column 24: expected ',' or '\}', found an unquoted word/],
      [`{"sharedKey": -${key}}`, /column 16: a malformed number/],
      ['{"a":1,}', /column 8: expected a double-quoted property name, found '\}'/],
      ['[1 2]', /column 4: expected ',' or '\]', found a number/],
    ];
    for (const [text, reason] of faults) {
      let message = '';
      try {
        parseImportJson(text, 'x.json');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, text).toMatch(reason);
      for (const ch of key) expect(message.replace(/^Expected x\.json to be JSON, but it is not valid JSON at line \d+, column \d+: /, ''), `${text}: ${ch}`).not.toMatch(new RegExp(`'${ch}'`));
      for (let i = 0; i + 3 <= key.length; i++) expect(message, text).not.toContain(key.slice(i, i + 3));
    }
  });
});
