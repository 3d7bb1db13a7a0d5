import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * An error whose message is already fit for the user's terminal: main.ts prints it as one
 * line and exits with `exitCode`. Anything else thrown is an unexpected failure (exit 1).
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.FAILURE, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Bad input from the user (flags, arguments, SQL, files): exit 2, nothing changed. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.USAGE, options);
    this.name = 'UsageError';
  }
}
