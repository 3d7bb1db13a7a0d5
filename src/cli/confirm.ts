import { createInterface } from 'node:readline/promises';

/** The terminal a confirmation is asked on: process.stdin/stderr, or streams a test passes in. */
export interface ConfirmIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean | undefined };
  output: NodeJS.WritableStream & { isTTY?: boolean | undefined };
}

/** The process's own terminal: the question goes to stderr, so stdout stays data only. */
export function processConfirmIo(): ConfirmIo {
  return { input: process.stdin, output: process.stderr };
}

/** Whether a question can be asked: both the answer's and the question's stream are a terminal. */
export function canConfirm(io: ConfirmIo): boolean {
  return Boolean(io.input.isTTY) && Boolean(io.output.isTTY);
}

/**
 * Asks `question` (with " [y/N] ") and returns the answer as typed, trimmed; '' when the input
 * ends without one. Only 'y' or 'yes' (any case) is a yes: see isYes.
 */
export async function ask(question: string, io: ConfirmIo): Promise<string> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      io.output.write(`${question} [y/N] `);
      rl.once('line', (line) => resolve(line));
    });
    return answer.trim();
  } finally {
    rl.close();
  }
}

/** A yes to a [y/N] question: 'y' or 'yes', any case; anything else (Enter too) is a no. */
export function isYes(answer: string): boolean {
  return /^(y|yes)$/i.test(answer.trim());
}
