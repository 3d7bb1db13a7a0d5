import { open } from 'node:fs/promises';
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
  const bytes = source === '-' ? await readStream(stdin, maxBytes, label) : await readFileLimited(source, maxBytes);
  return { text: decode(bytes, label), label };
}

async function readFileLimited(file: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImportInputError(`Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? (e as Error).message)}`, { cause: e });
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new ImportInputError(`Expected a file of ARM JSON, got the directory ${file}`);
    if (stat.size > maxBytes) throw tooLarge(file, stat.size, maxBytes);
    // A pipe, FIFO or /dev/stdin reports size 0: read it as a stream, with the limit.
    if (!stat.isFile()) return await readStream(handle.createReadStream(), maxBytes, file);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function readStream(stream: AsyncIterable<Buffer | string>, maxBytes: number, label: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += b.length;
    // Stop reading as soon as the limit is passed, rather than buffering the whole stream first.
    if (total > maxBytes) throw tooLarge(label, total, maxBytes, true);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
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
