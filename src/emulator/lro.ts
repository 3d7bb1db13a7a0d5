/**
 * Long-running actions as the spec declares them (final-state-via: location): the POST answers
 * 202 with Location and Retry-After; the Location URL answers 202 while the operation runs and
 * then its final response. An operation ends after a number of polls, or after a number of
 * seconds on the injected clock.
 */

/** The two link actions. */
export type ActionKind = 'resetconnection' | 'getikesas';

/** How long operations take. */
export interface LroSettings {
  /** Polls answered 202 before the final response (used when `seconds` is not set). */
  polls: number;
  /** If set, the operation ends this many seconds (injected clock) after it started, whatever the polls. */
  seconds?: number;
  /** Retry-After on every 202. */
  retryAfterSeconds: number;
}

/** Defaults: two 202 polls, Retry-After 1 s. */
export const DEFAULT_LRO_SETTINGS: LroSettings = { polls: 2, retryAfterSeconds: 1 };

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
  pollsServed: number;
  state: 'running' | 'succeeded' | 'failed';
  /** Set when the operation must end in failure (an lro-failure fault). */
  failWith?: { status: number; code: string; message: string };
  /** The final response once finished. */
  final?: { status: number; body?: unknown };
}

/** Called when an operation finishes: apply its effect and return its final response. */
export type CompleteOperation = (op: Operation) => { status: number; body?: unknown };

/** Registry of operations, with per-connection in-flight counts. */
export class LroManager {
  private readonly ops = new Map<string, Operation>();
  private readonly running = new Map<string, number>();

  constructor(
    private readonly settings: LroSettings,
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

  /** Answers a poll of the Location URL: running (202) or the final response; undefined if unknown. */
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
    op.state = op.final.status < 300 ? 'succeeded' : 'failed';
    const left = (this.running.get(op.connectionKey) ?? 1) - 1;
    if (left > 0) this.running.set(op.connectionKey, left);
    else this.running.delete(op.connectionKey);
  }
}
