/** Why a query was not run; every reason is the user's input (exit 2), and nothing was changed. */
export type QueryErrorReason = 'refused' | 'sql' | 'params' | 'input' | 'stackql';

/** A query that was refused or failed because of its SQL, parameters or input; the message is fit for the user. */
export class QueryError extends Error {
  readonly reason: QueryErrorReason;
  constructor(reason: QueryErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueryError';
    this.reason = reason;
  }
}
