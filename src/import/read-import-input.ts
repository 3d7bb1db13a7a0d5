import { BoundedReadError, readBounded } from '../input/read-bounded.js';
import { ImportInputError } from './import-input-error.js';

/**
 * Largest input accepted: 256 MiB, about 100,000 link connections of ARM JSON. Not more,
 * because V8 cannot hold a string much over 512 MiB and JSON.parse needs several times the
 * input's size in memory; a bigger capture should be imported per gateway.
 */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

/** The decoded text of an import, and how to name its source in messages. */
export interface ImportInput {
  text: string;
  /** The path as given, or `stdin`. */
  label: string;
}

/**
 * Reads FILE, or stdin for `-`, refusing more than `maxBytes` before reading it all. Decodes
 * UTF-8 (with or without a BOM) and UTF-16 with a BOM — what Windows PowerShell's `>` writes on
 * a jump host. Throws ImportInputError.
 */
export async function readImportInput(source: string, stdin: AsyncIterable<Buffer | string> = process.stdin, maxBytes: number = MAX_IMPORT_BYTES): Promise<ImportInput> {
  const label = source === '-' ? 'stdin' : source;
  let bytes: Buffer;
  try {
    bytes = await readBounded(source, maxBytes, stdin);
  } catch (e) {
    if (!(e instanceof BoundedReadError)) throw e;
    const f = e.failure;
    if (f.reason === 'directory') throw new ImportInputError(`Expected a file of ARM JSON, got the directory ${source}`, { cause: e });
    if (f.reason === 'too-large') throw tooLarge(label, f.bytes, maxBytes, f.atLeast);
    throw new ImportInputError(`Cannot read ${source}: ${f.code === 'ENOENT' ? 'no such file' : f.code === 'EACCES' ? 'permission denied' : f.code}`, { cause: e });
  }
  return { text: decode(bytes, label), label };
}

function tooLarge(label: string, size: number, maxBytes: number, atLeast = false): ImportInputError {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  return new ImportInputError(`Expected at most ${mib(maxBytes)} of ARM JSON, got ${atLeast ? 'more than ' : ''}${mib(atLeast ? maxBytes : size)} from ${label}; import it in parts (one gateway or connection per file)`);
}

function decode(bytes: Buffer, label: string): string {
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2));
    // TextDecoder drops a UTF-8 BOM by itself.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new ImportInputError(`Expected ${label} to be UTF-8 (or UTF-16 with a byte order mark) text, but it is not valid text`, { cause: e });
  }
}
