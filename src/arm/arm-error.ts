/**
 * A failed ARM call, after retries. Carries what Azure support asks for (ARM's error code, the
 * HTTP status and `x-ms-request-id`) and never a token or an Authorization header.
 */
export class ArmError extends Error {
  /** HTTP status, or undefined when no response came back (network error, timeout). */
  readonly status: number | undefined;
  /** ARM's `error.code` (e.g. AuthorizationFailed), or a transport code (ETIMEDOUT, MalformedJson). */
  readonly code: string;
  readonly requestId: string | undefined;
  /** The path that was called, without the query string. */
  readonly path: string;
  constructor(init: { message: string; status?: number | undefined; code: string; requestId?: string | undefined; path: string; cause?: unknown }) {
    super(init.message, { cause: init.cause });
    this.name = 'ArmError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.path = init.path;
  }

  /** One line for logs and the CLI: code, status, message, request id. */
  describe(): string {
    const parts = [`${this.code}${this.status !== undefined ? ` (HTTP ${this.status})` : ''}: ${this.message}`];
    if (this.requestId) parts.push(`request id ${this.requestId}`);
    return parts.join('; ');
  }
}

/** ARM's error body shape (CloudError / ErrorResponse in the spec). */
export interface ArmErrorBody {
  error?: { code?: string; message?: string };
}

/** Builds an ArmError from a non-2xx response's status, headers and (maybe JSON) body text. */
export function armErrorFromResponse(status: number, bodyText: string | undefined, requestId: string | undefined, path: string): ArmError {
  let code = `Http${status}`;
  let message = `ARM answered HTTP ${status}`;
  try {
    const parsed = JSON.parse(bodyText ?? '') as ArmErrorBody | { error?: string; error_description?: string };
    const err = (parsed as ArmErrorBody).error;
    if (err && typeof err === 'object') {
      if (typeof err.code === 'string') code = err.code;
      if (typeof err.message === 'string') message = err.message;
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): keep the status-based code.
  }
  return new ArmError({ message: oneLine(message), status, code, requestId, path });
}

/** Collapses whitespace so an error always prints as one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
