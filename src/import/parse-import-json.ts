import { ImportInputError } from './import-input-error.js';

/** JSON.parse with a message that names the source and the line and column of the fault. Throws ImportInputError. */
export function parseImportJson(text: string, label: string): unknown {
  if (text.trim() === '') throw new ImportInputError(`Expected ARM JSON in ${label}, got ${text.length === 0 ? 'nothing' : 'only whitespace'}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // V8 gives the position for most faults, but not for "Unexpected token 'x', …" or an early end.
    const given = /at position (\d+)/.exec(message)?.[1];
    const offset = given !== undefined ? Number(given) : jsonErrorOffset(text);
    let where = '';
    if (offset !== undefined) {
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    // V8 quotes a snippet of the input ("Unexpected token 'x', "…" is not valid JSON"): it can
    // span lines and carry data, so only the reason is kept.
    const reason = message.replace(/, ".*" is not valid JSON$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '').replace(/ in JSON at position \d+$/, '').replace(/ at position \d+$/, '');
    throw new ImportInputError(`Expected ${label} to be JSON, but it is not valid JSON${where}: ${reason}`, { cause: e });
  }
}

/**
 * Where a JSON text first goes wrong (the offset of the offending character, or the text's length
 * when it ends too early), by scanning it as JSON's grammar says; undefined if it is valid.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) (i--, fail());
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      const ch = text[i];
      if (ch === undefined || ch < ' ') fail();
      i++;
      if (ch === '"') return;
      if (ch === '\\') {
        const esc = text[i];
        if (esc === 'u') {
          i++;
          for (let k = 0; k < 4; k++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          else i++;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else fail();
      }
    }
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (/[1-9]/.test(text[i] ?? '')) while (/[0-9]/.test(text[i] ?? '')) i++;
    else fail();
    if (text[i] === '.') {
      i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail();
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail();
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
  };
  const value = (depth: number): void => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      if (depth > 10_000) fail();
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (close === '}') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
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
    if (i < text.length) fail();
    return undefined;
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length);
    return undefined;
  }
}
