import { EXIT } from './exit-codes.js';

/** The signals that stop a command, and the exit code each ends it with. */
const STOPPING_SIGNALS = { SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED } as const;

export type StoppingSignal = keyof typeof STOPPING_SIGNALS;

/**
 * While a command runs work that must not be left half-claimed (a pull's lock row), SIGINT and
 * SIGTERM run `cleanUp` (synchronously: it may write its last words to the database), print the
 * one line it returns, and exit 130 or 143. Work in flight (ARM requests) cannot be awaited from
 * a signal, so this is the one place outside main.ts that ends the process. Returns a function
 * that removes the handlers.
 */
export function onStoppingSignal(cleanUp: (signal: StoppingSignal) => string): () => void {
  const handlers = Object.keys(STOPPING_SIGNALS).map((name) => {
    const signal = name as StoppingSignal;
    const handler = () => {
      let line: string;
      try {
        line = cleanUp(signal);
      } catch (e) {
        line = `interrupted by ${signal}; could not record it: ${e instanceof Error ? e.message : String(e)}`;
      }
      process.stderr.write(`vpnsync: ${line}\n`);
      process.exit(STOPPING_SIGNALS[signal]);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
