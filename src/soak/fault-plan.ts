import type { FaultKind, FaultRule, LinkConnectionTruth } from '../emulator/index.js';
import type { Rng } from '../emulator/prng.js';

/** The fault classes of the matrix, in the order the results table lists them. */
export const FAULT_CLASSES = ['5xx', '429', 'drop', 'hang', 'malformed-json', 'nextlink-loop', '403', '404', 'token-error'] as const satisfies readonly FaultKind[];
export type FaultClass = (typeof FAULT_CLASSES)[number];

/** How the results table names each class. */
export const FAULT_CLASS_NAMES: Record<FaultClass, string> = {
  '5xx': '5xx (500, 503 with Retry-After, 504)',
  '429': '429 storms (bursts with Retry-After)',
  drop: 'Dropped connections',
  hang: 'Hung responses (timeouts)',
  'malformed-json': 'Malformed JSON (body cut in half)',
  'nextlink-loop': 'nextLink loops',
  '403': '403 on random scopes',
  '404': '404 on random scopes',
  'token-error': 'Token endpoint failures',
};

/** What vpnsync is expected to do about each class (for the results table). */
export const FAULT_CLASS_HANDLING: Record<FaultClass, string> = {
  '5xx': 'Retried with exponential back-off (Retry-After when given); a scope still failing is a failed scope with its status and request id, links left as they were',
  '429': 'Waits Retry-After and retries (up to 6 times), pacing each subscription; a scope throttled past that fails alone',
  drop: 'Retried with back-off; past the retries the scope fails with the transport error (no HTTP status)',
  hang: 'Abandoned after --request-timeout (body included) and retried; past the retries the scope fails',
  'malformed-json': 'Re-read up to 3 times; then the scope fails (MalformedJson)',
  'nextlink-loop': 'A nextLink seen before, or a page repeating an earlier page, ends the listing: the scope fails (NextLinkLoop), nothing of it is taken as deleted',
  '403': 'Not retried: the scope fails (AuthorizationFailed, request id); its links are never taken as deleted',
  '404': 'Not retried: the scope fails (ResourceNotFound); its links are never taken as deleted',
  'token-error': 'Retried by @azure/identity; a credential that still gets no token fails the pull (exit 1), nothing recorded but the failed pull',
};

const LIST_OPERATIONS = ['VpnLinkConnections_ListByVpnConnection', 'VpnGateways_List', 'Subscriptions_List'];

/** Names in the emulator's fleet that fault rules can target. */
interface FleetNames {
  subscriptions: string[];
  resourceGroups: string[];
  gateways: string[];
  connections: string[];
}

function namesOf(truth: readonly LinkConnectionTruth[]): FleetNames {
  const uniq = (f: (l: LinkConnectionTruth) => string) => [...new Set(truth.map(f))].sort();
  return { subscriptions: uniq((l) => l.subscriptionId), resourceGroups: uniq((l) => l.resourceGroupName), gateways: uniq((l) => l.gatewayName), connections: uniq((l) => l.connectionName) };
}

/**
 * Draws the faults of one trial: one to three classes, each as a transient rule (a rate, or a
 * burst with a count) or a persistent one on one scope, whose matches come from the live fleet.
 * Persistent faults are drawn from those that fail fast (403, 404, 503 with Retry-After,
 * malformed JSON, nextLink loops); persistent drops, which cost about a minute of back-off, are rare.
 */
export function drawFaultPlan(rng: Rng, truth: readonly LinkConnectionTruth[]): FaultRule[] {
  const names = namesOf(truth);
  const count = rng.weighted([
    [1, 3],
    [2, 4],
    [3, 2],
  ] as const);
  const weights: [FaultClass, number][] = [
    ['5xx', 3],
    ['429', 2],
    ['drop', 2],
    ['hang', 1.5],
    ['malformed-json', 2],
    ['nextlink-loop', 1.5],
    ['403', 2],
    ['404', 1.5],
    ['token-error', 1],
  ];
  const rules: FaultRule[] = [];
  for (let i = 0; i < count && weights.length > 0; i++) {
    const kind = rng.weighted(weights);
    weights.splice(
      weights.findIndex(([k]) => k === kind),
      1,
    );
    rules.push(...rulesFor(kind, rng, names));
  }
  return rules;
}

function rulesFor(kind: FaultClass, rng: Rng, n: FleetNames): FaultRule[] {
  const scope = () => rng.pick([...n.connections, ...n.connections, ...n.gateways, ...n.resourceGroups, ...n.subscriptions]);
  switch (kind) {
    case '5xx':
      return rng.chance(0.25)
        ? [{ kind, status: 503, retryAfterSeconds: 1, match: rng.pick(n.connections) }]
        : [{ kind, status: rng.pick([500, 503, 504]), retryAfterSeconds: 1, match: rng.pick(['*', ...LIST_OPERATIONS, ...n.gateways]), rate: rng.pick([0.05, 0.15, 0.3]) }];
    case '429':
      return [{ kind, retryAfterSeconds: 1, match: rng.pick(['*', 'VpnLinkConnections_ListByVpnConnection', ...n.subscriptions]), rate: rng.pick([0.5, 1]), count: rng.int(5, 40) }];
    case 'drop':
      return rng.chance(0.05) ? [{ kind, match: rng.pick(n.connections) }] : [{ kind, match: rng.pick(['*', ...LIST_OPERATIONS]), rate: rng.pick([0.05, 0.1, 0.2]) }];
    case 'hang':
      return [{ kind, match: rng.pick(['*', ...LIST_OPERATIONS]), rate: rng.pick([0.2, 0.5]), count: rng.int(1, 3) }];
    case 'malformed-json':
      return rng.chance(0.3) ? [{ kind, match: rng.pick(n.connections) }] : [{ kind, match: rng.pick(['*', ...LIST_OPERATIONS]), rate: rng.pick([0.1, 0.3]) }];
    case 'nextlink-loop':
      // A loop for good, a nextLink back to the first page once (the same page under another
      // URL, then the listing goes on), or now and then on any list.
      return [
        rng.weighted<FaultRule>([
          [{ kind, match: rng.pick([...n.connections, ...n.subscriptions]) }, 4],
          [{ kind, match: rng.pick(n.connections), count: 1 }, 3],
          [{ kind, match: rng.pick(['*', 'VpnLinkConnections_ListByVpnConnection']), rate: 0.1 }, 3],
        ]),
      ];
    case '403':
    case '404':
      return [{ kind, match: scope(), ...(rng.chance(0.25) ? { rate: 0.5 } : {}) }];
    case 'token-error':
      return [
        rng.weighted<FaultRule>([
          [{ kind, match: '*', status: 503, retryAfterSeconds: 1, count: rng.int(1, 2) }, 5],
          [{ kind, match: '*', status: rng.pick([400, 401]) }, 3],
          [{ kind, match: '*', status: 503, retryAfterSeconds: 1 }, 1],
        ]),
      ];
  }
}
