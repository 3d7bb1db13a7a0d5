import { ImportInputError } from './import-input-error.js';

/** JSON.parse with a message that names the source and the line and column of the fault. Throws ImportInputError. */
export function parseImportJson(text: string, label: string): unknown {
  if (text.trim() === '') throw new ImportInputError(`Expected ARM JSON in ${label}, got ${text.length === 0 ? 'nothing' : 'only whitespace'}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const position = /at position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    // V8 quotes a snippet of the input ("Unexpected token 'x', "…" is not valid JSON"): it can
    // span lines and carry data, so only the reason is kept.
    const reason = message.replace(/, ".*" is not valid JSON$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '').replace(/ in JSON at position \d+$/, '').replace(/ at position \d+$/, '');
    throw new ImportInputError(`Expected ${label} to be JSON, but it is not valid JSON${where}: ${reason}`, { cause: e });
  }
}
