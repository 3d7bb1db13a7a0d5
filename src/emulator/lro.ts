/**
 * Long-running actions as Network RP answers them. The POST answers 202 with Retry-After and,
 * by default, both polling headers (ARM RPC, "Call Action POST Asynchronously"):
 * - `Azure-AsyncOperation` → `…/providers/Microsoft.Network/locations/{loc}/operations/{id}`,
 *   always 200 with `{ status: InProgress | Succeeded | Failed | Canceled, error? }`;
 * - `Location` → `…/locations/{loc}/operationResults/{id}`, 202 (no body) while running, then
 *   the action's own answer: its result, or the failure's status and error body.
 * Either header can be left out (`polling`), as other resource providers do. An operation ends
 * after a number of polls (of either URL), or after a number of seconds on the injected clock.
 */

/** The two link actions. */
export type ActionKind = 'resetconnection' | 'getikesas';

/** Which polling headers a 202 carries. */
export type LroPolling = 'both' | 'location' | 'azure-async-operation';

/** Every polling mode, for option validation. */
export const LRO_POLLING_MODES: readonly LroPolling[] = ['both', 'location', 'azure-async-operation'];

/** How long operations take, and how they are announced. */
export interface LroSettings {
  /** Polls answered "running" before the final response (used when `seconds` is not set). */
  polls: number;
  /** If set, the operation ends this many seconds (injected clock) after it started, whatever the polls. */
  seconds?: number;
  /** Retry-After on every 202 and running status. */
  retryAfterSeconds: number;
  /** Polling headers on the 202 (default both, as Network RP sends). */
  polling: LroPolling;
}

/**
 * Defaults: two polls, Retry-After 10 s (the RPC's minimum; Network RP's 202s say 10 s or more),
 * both headers. Tests and demos shorten Retry-After with the `lro` option.
 */
export const DEFAULT_LRO_SETTINGS: LroSettings = { polls: 2, retryAfterSeconds: 10, polling: 'both' };

/** The operation-status resource's `status` values (ARM RPC, "Azure-AsyncOperation Resource format"). */
export type OperationStatusValue = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

/** A running or finished operation. */
export interface Operation {
  id: string;
  kind: ActionKind;
  /** ARM id of the link it acts on. */
  linkId: string;
  /** Lower-cased ARM id of the link's VPN connection (the unit of in-flight accounting). */
  connectionKey: string;
  subscriptionId: string;
  location: string;
  apiVersion: string;
  startedAt: number;
  finishedAt?: number;
  pollsServed: number;
  state: 'running' | 'succeeded' | 'failed' | 'canceled';
  /** Set when the operation must end in failure (an lro-failure fault); `canceled` ends it Canceled. */
  failWith?: { status: number; code: string; message: string; canceled?: boolean };
  /** The final response once finished (what the Location URL answers). */
  final?: { status: number; body?: unknown };
  /** The error the status URL reports once failed or canceled. */
  error?: { code: string; message: string; details: [] };
}

/** Called when an operation finishes: apply its effect and return its final response. */
export type CompleteOperation = (op: Operation) => { status: number; body?: unknown };

/** Registry of operations, with per-connection in-flight counts. */
export class LroManager {
  private readonly ops = new Map<string, Operation>();
  private readonly running = new Map<string, number>();

  constructor(
    readonly settings: LroSettings,
    private readonly now: () => number,
    private readonly complete: CompleteOperation,
  ) {}

  /** Registers a new running operation; returns it and the new in-flight count of its connection. */
  start(op: Omit<Operation, 'startedAt' | 'pollsServed' | 'state'>): { op: Operation; inFlight: number } {
    const full: Operation = { ...op, startedAt: this.now(), pollsServed: 0, state: 'running' };
    this.ops.set(op.id.toLowerCase(), full);
    const inFlight = (this.running.get(op.connectionKey) ?? 0) + 1;
    this.running.set(op.connectionKey, inFlight);
    return { op: full, inFlight };
  }

  /** Answers a poll of either URL: the operation, finished if its time has come; undefined if unknown. */
  poll(id: string): Operation | undefined {
    const op = this.ops.get(id.toLowerCase());
    if (!op) return undefined;
    if (op.state === 'running') {
      op.pollsServed += 1;
      if (this.due(op, true)) this.finish(op);
    }
    return op;
  }

  /** Finishes every time-based operation whose time has come (called on each request and tick). */
  settle(): void {
    if (this.settings.seconds === undefined) return;
    for (const op of this.ops.values()) if (op.state === 'running' && this.due(op, false)) this.finish(op);
  }

  /** Operations currently running on a connection. */
  inFlight(connectionKey: string): number {
    return this.running.get(connectionKey) ?? 0;
  }

  /** Every operation, oldest first. */
  all(): Operation[] {
    return [...this.ops.values()];
  }

  private due(op: Operation, polled: boolean): boolean {
    if (this.settings.seconds !== undefined) return this.now() - op.startedAt >= this.settings.seconds * 1000;
    return polled && op.pollsServed > this.settings.polls;
  }

  private finish(op: Operation): void {
    op.final = this.complete(op);
    op.finishedAt = this.now();
    if (op.failWith) {
      op.state = op.failWith.canceled ? 'canceled' : 'failed';
      // As Network RP writes an operation's error: code, message and an empty details list.
      op.error = { code: op.failWith.code, message: op.failWith.message, details: [] };
    } else {
      op.state = op.final.status < 300 ? 'succeeded' : 'failed';
    }
    const left = (this.running.get(op.connectionKey) ?? 1) - 1;
    if (left > 0) this.running.set(op.connectionKey, left);
    else this.running.delete(op.connectionKey);
  }
}

/** The status URL's body for an operation (always served with 200). */
export function operationStatusBody(op: Operation, statusUrlPath: string): Record<string, unknown> {
  const status: OperationStatusValue = op.state === 'running' ? 'InProgress' : op.state === 'succeeded' ? 'Succeeded' : op.state === 'canceled' ? 'Canceled' : 'Failed';
  return {
    id: statusUrlPath,
    name: op.id,
    status,
    startTime: new Date(op.startedAt).toISOString(),
    ...(op.finishedAt !== undefined ? { endTime: new Date(op.finishedAt).toISOString() } : {}),
    ...(op.error && op.state !== 'succeeded' ? { error: op.error } : {}),
  };
}
