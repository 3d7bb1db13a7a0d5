import { open } from 'node:fs/promises';

/** Why `readBounded` could not read an input; callers turn it into their own message. */
export type BoundedReadFailure =
  | { reason: 'unreadable'; code: string }
  | { reason: 'directory' }
  /** `bytes` is the size seen: the file's size, or (`atLeast`) how far a stream was read before stopping. */
  | { reason: 'too-large'; bytes: number; atLeast: boolean };

/** An input that `readBounded` refused; `failure` says why. */
export class BoundedReadError extends Error {
  constructor(
    readonly failure: BoundedReadFailure,
    options?: { cause?: unknown },
  ) {
    super(failure.reason === 'unreadable' ? failure.code : failure.reason, options);
    this.name = 'BoundedReadError';
  }
}

/**
 * Reads FILE, or `stdin` for `-`, refusing more than `maxBytes` before reading it all: a regular
 * file by its size, a pipe, FIFO, device or stdin by stopping as soon as the limit is passed
 * (`/dev/zero` never ends), so memory stays bounded. Throws BoundedReadError.
 */
export async function readBounded(source: string, maxBytes: number, stdin: AsyncIterable<Buffer | string> = process.stdin): Promise<Buffer> {
  if (source === '-') return readStream(stdin, maxBytes);
  let handle;
  try {
    handle = await open(source, 'r');
  } catch (e) {
    throw new BoundedReadError({ reason: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, { cause: e });
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new BoundedReadError({ reason: 'directory' });
    if (stat.size > maxBytes) throw new BoundedReadError({ reason: 'too-large', bytes: stat.size, atLeast: false });
    // A pipe, FIFO or /dev/stdin reports size 0: read it as a stream, with the limit.
    if (!stat.isFile()) return await readStream(handle.createReadStream({ autoClose: false }), maxBytes);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function readStream(stream: AsyncIterable<Buffer | string>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += b.length;
    // Stop reading as soon as the limit is passed, rather than buffering the whole stream first.
    if (total > maxBytes) throw new BoundedReadError({ reason: 'too-large', bytes: total, atLeast: true });
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
