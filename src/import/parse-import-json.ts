import { ImportInputError } from './import-input-error.js';

/**
 * JSON.parse with a message that names the source and the line and column of the fault, and
 * why, in words of its own. Never a word of the input: V8's message quotes the text around the
 * fault (`Unexpected token ''', ..."aredKey": 'HGoNgS46e"...`), which for a sharedKey written
 * in single quotes or without quotes is part of the pre-shared key. Throws ImportInputError.
 */
export function parseImportJson(text: string, label: string): unknown {
  if (text.trim() === '') throw new ImportInputError(`Expected ARM JSON in ${label}, got ${text.length === 0 ? 'nothing' : 'only whitespace'}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const fault = jsonSyntaxFault(text);
    let where = '';
    if (fault !== undefined) {
      const before = text.slice(0, fault.offset);
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    // The scanner finds every fault JSON.parse does; should the two ever disagree, a vague
    // reason is still better than V8's, which quotes the input.
    throw new ImportInputError(`Expected ${label} to be JSON, but it is not valid JSON${where}: ${fault?.reason ?? 'it could not be parsed'}`, { cause: e });
  }
}

/** Where a JSON text first goes wrong, and why, in words that quote none of it. */
export interface JsonSyntaxFault {
  /** The offset of the offending character, or the text's length when it ends too early. */
  offset: number;
  reason: string;
}

/**
 * Where a JSON text first goes wrong (the offset of the offending character, or the text's length
 * when it ends too early), by scanning it as JSON's grammar says; undefined if it is valid.
 */
export function jsonErrorOffset(text: string): number | undefined {
  return jsonSyntaxFault(text)?.offset;
}

// JSON's own punctuation may be named: where the scanner stops at one, it is structure, not
// part of a value. Anything else is described by its kind only (a secret can hold any letter).
const PUNCTUATION: Readonly<Record<string, string>> = { '{': "'{'", '}': "'}'", '[': "'['", ']': "']'", ',': "','", ':': "':'" };

/** What the character at a fault is, without quoting it (but for JSON's punctuation). */
function found(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the text';
  if (ch in PUNCTUATION) return PUNCTUATION[ch] as string;
  if (ch === "'") return 'a single quote (JSON strings take double quotes)';
  if (ch === '"') return 'a double quote';
  if (/[A-Za-z_$]/.test(ch)) return 'an unquoted word (JSON strings take double quotes)';
  if (/[0-9-]/.test(ch)) return 'a number';
  if (ch < ' ' || ch === '\u007f') return 'a control character';
  return 'a character that cannot start a JSON value';
}

/** As jsonErrorOffset, with the reason: what was expected, and what was found, named by its kind. */
export function jsonSyntaxFault(text: string): JsonSyntaxFault | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (expected: string, reason?: string): never => {
    const at = Math.min(i, text.length);
    const what = reason ?? (at >= text.length ? 'the text ends before the JSON is complete' : `expected ${expected}, found ${found(text[at])}`);
    throw { offset: at, reason: what } satisfies JsonSyntaxFault;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      // `tru}` is a misspelt word; `this` is an unquoted one, as a key without quotes would be.
      if (text[i] !== ch) fail(/[A-Za-z_$]/.test(text[i] ?? '') ? 'a value' : `the word ${word}`);
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail('a closing double quote');
      if ((ch as string) < ' ') fail('', 'a control character (such as a raw line break or tab) inside a string');
      i++;
      if (ch === '"') return;
      if (ch === '\\') {
        const esc = text[i];
        if (esc === 'u') {
          i++;
          for (let k = 0; k < 4; k++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('', text[i] === undefined ? undefined : 'a \\u escape without four hexadecimal digits inside a string');
          else i++;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else fail('', esc === undefined ? undefined : 'an invalid backslash escape inside a string');
      }
    }
  };
  const digits = () => {
    if (!/[0-9]/.test(text[i] ?? '')) fail('a digit', text[i] === undefined ? undefined : 'a malformed number');
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const number = () => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (/[1-9]/.test(text[i] ?? '')) while (/[0-9]/.test(text[i] ?? '')) i++;
    else fail('a value', i === start ? undefined : text[i] === undefined ? undefined : 'a malformed number');
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (depth: number): void => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      if (depth > 10_000) fail('', 'JSON nested too deeply');
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (close === '}') {
          ws();
          if (text[i] !== '"') fail('a double-quoted property name');
          string();
          ws();
          if (text[i] !== ':') fail("':' after a property name");
          i++;
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail(`',' or '${close}'`);
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    return number();
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value(0);
    ws();
    if (i < text.length) fail('nothing after the JSON value');
    return undefined;
  } catch (fault) {
    if (typeof fault === 'object' && fault !== null && 'offset' in fault) return fault as JsonSyntaxFault;
    return undefined;
  }
}
