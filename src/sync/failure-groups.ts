import type { ScopeResult } from '../discovery/scope-result.js';

/** Failed scopes that share where they failed (a gateway, resource group or subscription) and why. */
export interface FailureGroup {
  /** Where, in words: "vpngw-eastus-01 in resource group rg-vwan-eastus-01", "subscription <id>". */
  where: string;
  errorCode: string;
  httpStatus: number | undefined;
  /** How many scopes failed there with this code. */
  count: number;
  /** One request id of the group (what Azure support asks for), when any answer carried one. */
  requestId: string | undefined;
}

const GATEWAY_OF = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)\/providers\/microsoft\.network\/vpngateways\/([^/]+)(?:\/|$)/i;
const RESOURCE_GROUP = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)$/i;
const SUBSCRIPTION = /^\/subscriptions\/([^/]+)$/i;

/** Where a failed scope sits, as an operator names it: its gateway, else its resource group or subscription. */
function whereOf(scopeId: string): string {
  const gw = GATEWAY_OF.exec(scopeId);
  if (gw) return `${gw[2]} in resource group ${gw[1]}`;
  const rg = RESOURCE_GROUP.exec(scopeId);
  if (rg) return `resource group ${rg[2]} in subscription ${rg[1]}`;
  const sub = SUBSCRIPTION.exec(scopeId);
  if (sub) return `subscription ${sub[1]}`;
  return scopeId === '/' ? 'the subscription list' : scopeId;
}

/**
 * Groups failed scopes by where and why, in order of first appearance: a 403 on one gateway with
 * 97 connections is one group of 97, not 97 lines. Each scope's own detail stays in pull_scopes.
 */
export function groupFailures(failed: readonly ScopeResult[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const s of failed) {
    const where = whereOf(s.scopeId);
    const errorCode = s.errorCode ?? 'Error';
    const key = `${where}\u0000${errorCode}\u0000${s.httpStatus ?? ''}`;
    const g = groups.get(key);
    if (g) {
      g.count += 1;
      g.requestId ??= s.requestId;
    } else {
      groups.set(key, { where, errorCode, httpStatus: s.httpStatus, count: 1, requestId: s.requestId });
    }
  }
  return [...groups.values()];
}

/** "failed: AuthorizationFailed ×97 under vpngw-eastus-01 in resource group rg-vwan-eastus-01 (HTTP 403, request id …)". */
export function failureGroupLine(g: FailureGroup): string {
  const details = [g.httpStatus !== undefined ? `HTTP ${g.httpStatus}` : undefined, g.requestId ? `request id ${g.requestId}` : undefined].filter(Boolean);
  return `failed: ${g.errorCode} ×${g.count} under ${g.where}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
}
