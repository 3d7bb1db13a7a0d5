/**
 * Input `vpnsync import` cannot use (unreadable, too large, not JSON, not link data). The CLI
 * maps it to exit 2; nothing has been written when it is thrown.
 */
export class ImportInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImportInputError';
  }
}
