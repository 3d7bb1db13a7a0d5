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

/** Writes data to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Plain-text table with a header row (the query command's table format). */
export function renderTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return renderRows('table', columns, rows).replace(/\n$/, '');
}
