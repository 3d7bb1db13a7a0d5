/**
 * How ARM refuses an action POST without acting on it: the gateway is busy with another
 * operation, or the subscription is not Enabled. Each answer is documented publicly:
 * - 409 `AnotherOperationInProgress` with Retry-After, naming the running operation's status URL
 *   (Network RP, one operation per gateway; quoted in public issue threads);
 * - 429 `RetryableError` whose `details[0].code` is `RetryableErrorDueToAnotherOperation` and whose
 *   message says when to retry (as recorded from Network RP in public issue threads);
 * - 409 for a subscription that is Warned or Disabled: ARM filters PUT/PATCH/POST itself (ARM RPC,
 *   subscription lifecycle); a Disabled one says `ReadOnlyDisabledSubscription`. A PastDue one
 *   still works (Microsoft's "Azure subscription states": all operations are available).
 */
import { randomUUID } from 'node:crypto';
import { armError, type EmulatorResponse } from './arm-errors.js';
import type { FaultRule } from './faults.js';

/** Default Retry-After of a busy refusal. */
export const BUSY_RETRY_AFTER_SECONDS = 10;

/**
 * The refusal a `busy` fault injects: 409 naming the running operation's status URL (as Network
 * RP's message does), or 429 when its status says so.
 */
export function anotherOperation(fault: FaultRule, gatewayId: string, runningStatusUrl: string): EmulatorResponse {
  const seconds = fault.retryAfterSeconds ?? BUSY_RETRY_AFTER_SECONDS;
  const headers = { 'retry-after': String(seconds) };
  if (fault.status === 429) {
    return {
      status: 429,
      headers,
      body: {
        error: {
          code: fault.code ?? 'RetryableError',
          message: fault.message ?? 'A retryable error occurred.',
          details: [
            {
              code: 'RetryableErrorDueToAnotherOperation',
              message: `Operation UpdateVpnGatewayOperation (${randomUUID()}) is updating resource ${gatewayId}. The call can be retried in ${seconds} seconds.`,
            },
          ],
        },
      },
    };
  }
  return armError(
    fault.status ?? 409,
    fault.code ?? 'AnotherOperationInProgress',
    fault.message ?? `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${runningStatusUrl}.`,
    headers,
  );
}

/** 409 for an action in a Warned or Disabled subscription (reads still work). */
export function subscriptionNotWritable(subscriptionId: string, state: string): EmulatorResponse {
  if (state === 'Disabled') {
    return armError(409, 'ReadOnlyDisabledSubscription', `The subscription '${subscriptionId}' is disabled and therefore marked as read only. You cannot perform any write actions on this subscription until it is re-enabled.`);
  }
  // ARM's code for a Warned subscription is not documented publicly; the message follows the Disabled one.
  return armError(409, 'SubscriptionNotEnabled', `The subscription '${subscriptionId}' is in state '${state}' and therefore marked as read only. You cannot perform any write actions on this subscription until it is enabled.`);
}
