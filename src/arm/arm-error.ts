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
  /** `x-ms-correlation-request-id` of the answer, which ties it to ARM's activity log. */
  readonly correlationId: string | undefined;
  /** ARM's `error.details[]` codes, outermost first (e.g. RetryableErrorDueToAnotherOperation). */
  readonly detailCodes: readonly string[];
  /** The answer's Retry-After, in ms, when it gave one. */
  readonly retryAfterMs: number | undefined;
  constructor(init: {
    message: string;
    status?: number | undefined;
    code: string;
    requestId?: string | undefined;
    path: string;
    cause?: unknown;
    correlationId?: string | undefined;
    detailCodes?: readonly string[] | undefined;
    retryAfterMs?: number | undefined;
  }) {
    super(init.message, { cause: init.cause });
    this.name = 'ArmError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.path = init.path;
    this.correlationId = init.correlationId;
    this.detailCodes = init.detailCodes ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }

  /** One line for logs and the CLI: code, status, message, request id. */
  describe(): string {
    const parts = [`${this.code}${this.status !== undefined ? ` (HTTP ${this.status})` : ''}: ${this.message}`];
    if (this.requestId) parts.push(`request id ${this.requestId}`);
    return parts.join('; ');
  }
}

/** ARM's error detail (ErrorDetail in common-types): code, message, target, nested details. */
export interface ArmErrorDetail {
  code?: string;
  message?: string;
  target?: string;
  details?: ArmErrorDetail[];
}

/** ARM's error body shape (CloudError / ErrorResponse in the spec). */
export interface ArmErrorBody {
  error?: ArmErrorDetail;
}

/** What an answer's headers add to an error: ids Azure support asks for, and when to retry. */
export interface ArmAnswerIds {
  requestId?: string | undefined;
  correlationId?: string | undefined;
  retryAfterMs?: number | undefined;
}

/** ARM's error detail from an already parsed body (an error response, or a Failed operation status), if it has one. */
export function armErrorDetailOf(body: unknown): ArmErrorDetail | undefined {
  const err = (body as ArmErrorBody | null | undefined)?.error;
  return err && typeof err === 'object' ? err : undefined;
}

/**
 * Builds an ArmError from ARM's error detail: its code, its message (with the first detail's
 * code, which says why more precisely, e.g. RetryableErrorDueToAnotherOperation), the HTTP status
 * of the answer that carried it, and that answer's ids.
 */
export function armErrorFromDetail(detail: ArmErrorDetail | undefined, status: number, path: string, ids: ArmAnswerIds = {}): ArmError {
  const code = typeof detail?.code === 'string' && detail.code !== '' ? detail.code : `Http${status}`;
  const detailCodes = (Array.isArray(detail?.details) ? detail.details : []).map((d) => d?.code).filter((c): c is string => typeof c === 'string');
  let message = typeof detail?.message === 'string' && detail.message !== '' ? detail.message : `ARM answered HTTP ${status}`;
  if (detailCodes[0] && detailCodes[0] !== code) message += ` (${detailCodes[0]})`;
  return new ArmError({ message: oneLine(message), status, code, path, detailCodes, ...ids });
}

/** Builds an ArmError from a non-2xx response's status, headers and (maybe JSON) body text. */
export function armErrorFromResponse(status: number, bodyText: string | undefined, requestId: string | undefined, path: string, ids: Omit<ArmAnswerIds, 'requestId'> = {}): ArmError {
  let detail: ArmErrorDetail | undefined;
  try {
    detail = armErrorDetailOf(JSON.parse(bodyText ?? ''));
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): keep the status-based code.
  }
  return armErrorFromDetail(detail, status, path, { ...ids, requestId });
}

/** Collapses whitespace so an error always prints as one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
