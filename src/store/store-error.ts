/** Why the store could not be used; the CLI maps each reason to a message and an exit code. */
export type StoreErrorReason = 'missing' | 'not-a-database' | 'newer-schema' | 'not-initialised' | 'busy' | 'io';

/** A database that cannot be opened or written, with a message fit for the user. */
export class StoreError extends Error {
  readonly reason: StoreErrorReason;
  constructor(reason: StoreErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.reason = reason;
  }
}
