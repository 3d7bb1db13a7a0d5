import { ArmError } from '../arm/arm-error.js';
import type { ScopeKind, ScopeStatus } from '../store/schema.js';

/** One parent listed during a pull, and how it went (a row of `pull_scopes`). */
export interface ScopeResult {
  kind: ScopeKind;
  /** Lower-cased ARM id of the parent listed; '/' for the subscription list. */
  scopeId: string;
  status: ScopeStatus;
  items: number;
  httpStatus?: number | undefined;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  requestId?: string | undefined;
}

/** A successful listing of `scopeId`. */
export function okScope(kind: ScopeKind, scopeId: string, items: number, requestId?: string): ScopeResult {
  return { kind, scopeId: scopeId.toLowerCase(), status: 'ok', items, requestId };
}

/** A failed listing, with ARM's code, status and request id when the error carries them. */
export function failedScope(kind: ScopeKind, scopeId: string, error: unknown): ScopeResult {
  const arm = error instanceof ArmError ? error : undefined;
  return {
    kind,
    scopeId: scopeId.toLowerCase(),
    status: 'failed',
    items: 0,
    httpStatus: arm?.status,
    errorCode: arm?.code ?? (error instanceof Error ? error.name : 'Error'),
    errorMessage: error instanceof Error ? error.message : String(error),
    requestId: arm?.requestId,
  };
}

/** A credential that cannot get a token fails every scope alike: the pull fails instead. */
export function isCredentialError(e: unknown): boolean {
  return e instanceof ArmError && e.code === 'CredentialError';
}
