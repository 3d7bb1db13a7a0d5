import { renderRows } from '../query/format/render-rows.js';

/** Where diagnostics go: stderr, one line each, never data (data goes to stdout). */
export interface Log {
  info(line: string): void;
  warn(line: string): void;
  /** Transient progress; drawn in place on a terminal, dropped otherwise. */
  progress(line: string): void;
  /** Clears a progress line before other output. */
  done(): void;
}

/** A Log on stderr; `quiet` keeps only warnings. */
export function createLog(options: { quiet?: boolean | undefined; stream?: NodeJS.WriteStream } = {}): Log {
  const stream = options.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  let drawn = false;
  const clear = () => {
    if (drawn) {
      stream.write('\r\x1b[K');
      drawn = false;
    }
  };
  return {
    info: (line) => {
      if (options.quiet) return;
      clear();
      stream.write(`${line}\n`);
    },
    warn: (line) => {
      clear();
      stream.write(`${line}\n`);
    },
    progress: (line) => {
      if (options.quiet || !tty) return;
      stream.write(`\r\x1b[K${line}`);
      drawn = true;
    },
    done: clear,
  };
}

const closedStreams = new WeakSet<NodeJS.WritableStream>();

/**
 * Makes a reader that goes away (`vpnsync diff | head -1`) end the output quietly, as cat, grep
 * and git do: EPIPE on `stream` is not an error, later writes to it are dropped, and the command
 * ends with its own exit code (0 when it succeeded) and nothing on stderr. Without a listener,
 * Node turns the EPIPE into an unhandled 'error' event: a stack trace and exit 1. Installed once
 * per stream by main(), for every command; other errors are thrown as before.
 */
export function endQuietlyOnEpipe(stream: NodeJS.WritableStream): void {
  if (stream.listeners('error').includes(onWriteError)) return;
  stream.on('error', onWriteError);
}

function onWriteError(this: NodeJS.WritableStream, e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') throw e;
  closedStreams.add(this);
}

/** True once `stream`'s reader has gone away (EPIPE): what is still to write can be skipped. */
export function readerGone(stream: NodeJS.WritableStream = process.stdout): boolean {
  return closedStreams.has(stream);
}

/** Writes data to stdout (dropped once its reader has gone away). */
export function out(text: string): void {
  if (readerGone(process.stdout)) return;
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Plain-text table with a header row (the query command's table format). */
export function renderTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return renderRows('table', columns, rows).replace(/\n$/, '');
}
