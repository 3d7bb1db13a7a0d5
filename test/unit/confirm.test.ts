import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ask, canConfirm, isYes, type ConfirmIo } from '../../src/cli/confirm.js';

/** A fake terminal: what is typed into `input`, and what was written to `output`. */
function terminal(tty: boolean): ConfirmIo & { written: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: tty });
  const output = Object.assign(new PassThrough(), { isTTY: tty });
  let written = '';
  output.setEncoding('utf8').on('data', (d: string) => (written += d));
  return { input, output, written: () => written };
}

describe('confirmation on a terminal', () => {
  it('is asked only when both streams are terminals', () => {
    expect(canConfirm(terminal(true))).toBe(true);
    expect(canConfirm(terminal(false))).toBe(false);
    expect(canConfirm({ input: terminal(true).input, output: terminal(false).output })).toBe(false);
  });

  it('writes the question with [y/N] and returns the line typed', async () => {
    const io = terminal(true);
    const answer = ask('Queue 3 reset actions?', io);
    (io.input as PassThrough).write(' yes \n');
    expect(await answer).toBe('yes');
    expect(io.written()).toBe('Queue 3 reset actions? [y/N] ');
  });

  it('an input that ends without a line is no answer', async () => {
    const io = terminal(true);
    const answer = ask('Queue?', io);
    (io.input as PassThrough).end();
    expect(await answer).toBe('');
  });

  it('only y or yes, in any case, is a yes', () => {
    for (const a of ['y', 'Y', 'yes', 'YES', ' y ']) expect(isYes(a), a).toBe(true);
    for (const a of ['', 'n', 'no', 'yep', 'ja', 'y y']) expect(isYes(a), a).toBe(false);
  });
});
