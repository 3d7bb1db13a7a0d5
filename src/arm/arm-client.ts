import type { TokenCredential } from '@azure/core-auth';
import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
  retryPolicy,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
  type RetryStrategy,
  type SendRequest,
} from '@azure/core-rest-pipeline';
import { ArmError, armErrorDetailOf, armErrorFromResponse, oneLine } from './arm-error.js';
import { armAuthPolicy, isPlainHttp } from './auth-policy.js';
import { systemClock, type Clock } from './clock.js';
import { armPathProblem, subscriptionOf } from './resource-id.js';
import { parseRetryAfterMs } from './retry-after.js';
import { hostPortOf, networkFailureLine } from './network-failure.js';
import { readBudgetFor, remainingReads, SubscriptionPacer, type BudgetMark, type TokenBucketOptions } from './token-bucket.js';

/** api-version of Subscriptions_List (the only Microsoft.Resources call vpnsync makes). */
export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';
/** ArmError code of a request refused before it was sent: its path would resolve to another resource's (see armPathProblem). */
export const INVALID_PATH = 'InvalidResourcePath';
/** Per-attempt timeout, body included: a hung response is abandoned and retried after this long. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Retries per request for 429, 5xx, timeouts and dropped connections. */
export const DEFAULT_MAX_RETRIES = 6;
// A 200 whose body is not JSON (truncated by a proxy, say) is retried this many times by
// hand: the SDK's retry policies only look at status codes and transport errors.
const MALFORMED_BODY_RETRIES = 3;

export interface ArmClientOptions {
  endpoint: string;
  credential: TokenCredential;
  /** api-version for Microsoft.Network calls. */
  apiVersion: string;
  clock?: Clock;
  maxRetries?: number;
  /** First back-off delay; grows exponentially with jitter (the SDK's exponential strategy). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  requestTimeoutMs?: number;
  /** Client-side pacing per subscription (default: the endpoint's cloud's, readBudgetFor); false to send as fast as concurrency allows. */
  pacing?: TokenBucketOptions | false;
  /** Receives one line per retry or throttling event (never headers or tokens). */
  log?: (line: string) => void;
  /** Test seam: the HTTP client under the pipeline. */
  httpClient?: HttpClient;
}

/** Counters of what was sent, for the pull summary and the benchmark. */
export interface ArmStats {
  /** HTTP attempts, retries included. */
  requests: number;
  /** Attempts answered 429. */
  throttled: number;
  /** Attempts that were retries. */
  retries: number;
}

export interface ArmResponse {
  status: number;
  /** The body parsed as JSON; undefined when empty (or, from poll(), when it is not JSON). */
  body: unknown;
  /** The body exactly as received. */
  text: string;
  requestId: string | undefined;
  /** `x-ms-correlation-request-id`: ties the answer to ARM's activity log. */
  correlationId: string | undefined;
  headers: PipelineResponse['headers'];
}

export interface ListResult {
  items: unknown[];
  pages: number;
  requestId: string | undefined;
}

/** Runs one HTTP attempt when a slot is free (p-limit fits): caps the requests in flight. */
export type RequestGate = <T>(send: () => Promise<T>) => Promise<T>;

/** Per-call options of get() and listAll(). */
export interface RequestOptions {
  /**
   * Caps concurrent requests. Entered per attempt, after the subscription's pacing token is
   * taken: a request waiting for its subscription's budget must not hold a slot that a request
   * to another subscription, whose budget is not spent, could use.
   */
  gate?: RequestGate | undefined;
}

/**
 * Talks to ARM through the Azure SDK's pipeline: bearer tokens (one refresh shared by all
 * concurrent requests), retries honouring Retry-After, exponential back-off with jitter,
 * HTTPS_PROXY, header redaction. Adds what the SDK does not do: per-subscription pacing,
 * retrying timeouts and malformed bodies, nextLink paging with loop detection, and ArmError.
 */
export class ArmClient {
  readonly stats: ArmStats = { requests: 0, throttled: 0, retries: 0 };
  readonly endpoint: URL;
  readonly apiVersion: string;
  private readonly pipeline: Pipeline;
  /**
   * For action POSTs: retried only on a plain 429 (ARM refused it without acting), never on a
   * timeout, a dropped connection or a 5xx, which may have reached ARM and been acted on. The
   * SDK's throttlingRetryPolicy is not used: it also retries a 503 that carries Retry-After.
   */
  private readonly actionPipeline: Pipeline;
  private readonly httpClient: HttpClient;
  private readonly timeoutMs: number;
  private readonly pacer: SubscriptionPacer | undefined;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  // The retry policy re-sends the same request object: seeing it again means a retry.
  private readonly attempted = new WeakSet<object>();
  private readonly gates = new WeakMap<object, RequestGate>();

  constructor(options: ArmClientOptions) {
    this.endpoint = new URL(options.endpoint);
    this.apiVersion = options.apiVersion;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.log = options.log ?? (() => undefined);
    this.clock = options.clock ?? systemClock;
    this.pacer = options.pacing === false ? undefined : new SubscriptionPacer(options.pacing ?? readBudgetFor(this.endpoint), this.clock);
    this.httpClient = options.httpClient ?? createDefaultHttpClient();
    const retryOptions = {
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      retryDelayInMs: options.retryDelayMs ?? 800,
      maxRetryDelayInMs: options.maxRetryDelayMs ?? 30_000,
    };
    const auth = armAuthPolicy(options.credential, this.endpoint);
    this.pipeline = createPipelineFromOptions({ retryOptions, userAgentOptions: { userAgentPrefix: 'vpnsync' } });
    // Runs once per attempt (inside the retry policy): pacing, counting, timeouts as retryable.
    this.pipeline.addPolicy(this.attemptPolicy(), { afterPhase: 'Retry' });
    this.pipeline.addPolicy(auth);

    this.actionPipeline = createPipelineFromOptions({ userAgentOptions: { userAgentPrefix: 'vpnsync' } });
    this.actionPipeline.removePolicy({ phase: 'Retry' });
    this.actionPipeline.addPolicy(retryPolicy([actionThrottlingStrategy(this.clock)], { maxRetries: retryOptions.maxRetries }), { phase: 'Retry' });
    this.actionPipeline.addPolicy(this.attemptPolicy(), { afterPhase: 'Retry' });
    this.actionPipeline.addPolicy(auth);
  }

  /** GET one ARM resource or page; throws ArmError on a non-2xx answer after retries. */
  async get(pathOrUrl: string, apiVersion: string = this.apiVersion, options: RequestOptions = {}): Promise<ArmResponse> {
    return this.send('GET', pathOrUrl, apiVersion, options.gate);
  }

  /**
   * POST to an ARM action (no body); returns the raw answer (202 for long-running actions). Sent
   * at most once, except after a 429 (which ARM answers without acting): a retry after a
   * timeout, a dropped connection or a 5xx could run the action twice.
   */
  async post(pathOrUrl: string, apiVersion: string = this.apiVersion): Promise<ArmResponse> {
    return this.send('POST', pathOrUrl, apiVersion);
  }

  /**
   * GET a long-running operation's status or Location URL. Retried like every GET (429, 5xx,
   * timeouts), then returned whatever its status, with the body as received: the caller decides
   * what a 4xx means (on a status URL it says nothing about the operation; on a Location URL it
   * is the operation's own answer). The body is parsed only when it is JSON (GetIkeSas's result
   * may not be). Throws ArmError only when no answer came (transport, no token).
   */
  async poll(url: string): Promise<ArmResponse> {
    return this.send('GET', url, this.apiVersion, undefined, { anyStatus: true });
  }

  /**
   * Follows `nextLink` until the last page. A nextLink seen before, or a page whose items were
   * all listed already (a server-side loop), or a nextLink pointing at another host (the bearer
   * token must not leave ARM) fails the listing.
   */
  async listAll(path: string, apiVersion: string = this.apiVersion, options: RequestOptions = {}): Promise<ListResult> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    const ids = new Set<string>();
    let next: string | undefined = path;
    let pages = 0;
    let requestId: string | undefined;
    while (next) {
      const res = await this.get(next, apiVersion, options);
      pages += 1;
      requestId ??= res.requestId;
      const body = res.body as { value?: unknown; nextLink?: unknown } | null;
      if (!body || typeof body !== 'object' || !Array.isArray(body.value)) {
        throw new ArmError({ message: 'expected a list page ({ value: [...] })', code: 'UnexpectedBody', status: res.status, requestId: res.requestId, path: pathOf(next) });
      }
      // A page of items all listed already is an earlier page served again under another URL
      // (the first page under its own skip token, say): a loop, though no nextLink repeated.
      const pageIds = body.value.map((item) => (typeof (item as { id?: unknown } | null)?.id === 'string' ? ((item as { id: string }).id.toLowerCase()) : undefined));
      if (pageIds.length > 0 && pageIds.every((id) => id !== undefined && ids.has(id))) {
        throw new ArmError({ message: `nextLink loop: page ${pages} repeats items of an earlier page`, code: 'NextLinkLoop', status: res.status, requestId: res.requestId, path: pathOf(path) });
      }
      for (const id of pageIds) if (id !== undefined) ids.add(id);
      items.push(...body.value);
      const link = typeof body.nextLink === 'string' && body.nextLink !== '' ? body.nextLink : undefined;
      if (link) {
        if (seen.has(link)) {
          throw new ArmError({ message: `nextLink loop: page ${pages} points back to an earlier page`, code: 'NextLinkLoop', status: res.status, requestId: res.requestId, path: pathOf(path) });
        }
        seen.add(link);
      }
      next = link;
    }
    return { items, pages, requestId };
  }

  private async send(method: 'GET' | 'POST', pathOrUrl: string, apiVersion: string, gate?: RequestGate, mode: { anyStatus?: boolean } = {}): Promise<ArmResponse> {
    // Checked on the path as built or given, before URL resolution folds `..` away: the last
    // guard against a request landing on another resource than the one meant.
    const problem = armPathProblem(pathOrUrl);
    if (problem !== undefined) {
      throw new ArmError({ message: `refusing to send ${method} ${pathOrUrl.replace(/[?#].*$/s, '')}: ${problem}`, code: INVALID_PATH, path: pathOrUrl.replace(/[?#].*$/s, '') });
    }
    const url = this.resolve(pathOrUrl, apiVersion);
    const path = pathOf(url);
    const pipeline = method === 'POST' ? this.actionPipeline : this.pipeline;
    for (let attempt = 0; ; attempt++) {
      // Plain HTTP only ever to a loopback endpoint (armAuthPolicy refuses anything else).
      const request = createPipelineRequest({ url, method, allowInsecureConnection: isPlainHttp(this.endpoint) });
      if (gate) this.gates.set(request, gate);
      let response: PipelineResponse;
      try {
        response = await pipeline.sendRequest(this.httpClient, request);
      } catch (e) {
        throw transportError(e, path, this.endpoint);
      }
      const requestId = response.headers.get('x-ms-request-id') ?? undefined;
      const correlationId = response.headers.get('x-ms-correlation-request-id') ?? undefined;
      const text = response.bodyAsText ?? '';
      const answer = (body: unknown): ArmResponse => ({ status: response.status, body, text, requestId, correlationId, headers: response.headers });
      // A poll's status decides its meaning; an action's 2xx means ARM accepted it, whatever its
      // body (which is read again by the poller, never by re-sending the POST).
      if (mode.anyStatus || (method === 'POST' && response.status >= 200 && response.status < 300)) return answer(parseOrUndefined(text));
      if (response.status < 200 || response.status >= 300) {
        throw armErrorFromResponse(response.status, response.bodyAsText ?? undefined, requestId, path, { correlationId, retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), this.clock.now()) });
      }
      if (text === '') return answer(undefined);
      try {
        return answer(JSON.parse(text));
      } catch {
        if (attempt >= MALFORMED_BODY_RETRIES || method === 'POST') {
          throw new ArmError({ message: `response body is not valid JSON (${MALFORMED_BODY_RETRIES + 1} attempts)`, code: 'MalformedJson', status: response.status, requestId, path });
        }
        this.stats.retries += 1;
        this.log(`retrying ${method} ${path}: response body was not valid JSON (request id ${requestId ?? 'none'})`);
      }
    }
  }

  /** Absolute URL on this endpoint, with api-version added when the path has none. */
  private resolve(pathOrUrl: string, apiVersion: string): string {
    const url = new URL(pathOrUrl, this.endpoint);
    if (url.origin !== this.endpoint.origin) {
      throw new ArmError({ message: `refusing to follow a link to ${url.origin}: the bearer token is only sent to ${this.endpoint.origin}`, code: 'ForeignLink', path: url.pathname });
    }
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', apiVersion);
    return url.toString();
  }

  /**
   * One attempt down the rest of the pipeline, under a deadline that covers the body too: the
   * SDK's own `timeout` stops once headers arrive, so a body that stalls would hang the pull
   * (and hold its lock) for ever.
   */
  private async sendAttempt(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    const caller = request.abortSignal;
    const attempt = new AbortController();
    const timer = setTimeout(() => attempt.abort(), this.timeoutMs);
    const follow = () => attempt.abort();
    caller?.addEventListener('abort', follow);
    request.abortSignal = attempt.signal;
    try {
      return await next(request);
    } catch (e) {
      // Present our own timeout as the system error it is, so the retry policy (for reads)
      // retries it; the caller's abort stays an abort.
      if (attempt.signal.aborted && !caller?.aborted) {
        this.log(`request timed out after ${this.timeoutMs} ms: ${request.method} ${pathOf(request.url)}`);
        throw new RestError(`request timed out after ${this.timeoutMs} ms`, { code: 'ETIMEDOUT', request });
      }
      if (e instanceof RestError && e.code) this.log(`${e.code} on ${request.method} ${pathOf(request.url)}`);
      throw e;
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', follow);
      request.abortSignal = caller;
    }
  }

  private attemptPolicy(): PipelinePolicy {
    return {
      name: 'vpnsyncAttempt',
      sendRequest: async (request, next) => {
        const sub = subscriptionOf(request.url);
        // Only reads draw on the read bucket; POST actions have ARM's separate write budget.
        const bucket = request.method === 'GET' ? this.pacer?.bucket(sub) : undefined;
        // Token first, then a concurrency slot (see RequestOptions.gate).
        if (bucket) await bucket.acquire(request.abortSignal as AbortSignal | undefined);
        const gate = this.gates.get(request);
        const attempt = async (): Promise<{ response: PipelineResponse; mark: BudgetMark | undefined }> => {
          if (this.attempted.has(request)) this.stats.retries += 1;
          this.attempted.add(request);
          this.stats.requests += 1;
          // What we believe is left of the budget as this request leaves, to compare with what
          // ARM says was left when it arrived.
          const mark = bucket?.mark();
          return { response: await this.sendAttempt(request, next), mark };
        };
        const { response, mark } = gate ? await gate(attempt) : await attempt();
        // A subscription's reads are paced by the lower of ARM's two counts; the subscription
        // list by its tenant count, which says nothing about any subscription's budget.
        const remaining = bucket ? remainingReads((name) => response.headers.get(name), sub === undefined) : undefined;
        if (bucket && remaining !== undefined) bucket.observeRemaining(remaining, mark);
        if (response.status === 429) {
          this.stats.throttled += 1;
          // ARM's own bucket is empty when its count says so; a 429 with budget left is a
          // resource provider's (Microsoft.Network counts per region) and holds back only this request.
          bucket?.observeThrottled(remaining === 0 ? parseRetryAfterMs(response.headers.get('retry-after'), this.clock.now()) : undefined);
          // The SDK retries a 429 only when it says when; ARM's bucket refills in well under
          // two seconds, so a bare 429 is retried after that rather than failing the scope.
          if (!response.headers.has('retry-after')) response.headers.set('retry-after', '2');
          this.log(`throttled (429) on ${pathOf(request.url)}; Retry-After ${response.headers.get('retry-after') ?? 'not given'}`);
        } else if (response.status >= 500) {
          this.log(`HTTP ${response.status} on ${request.method} ${pathOf(request.url)} (request id ${response.headers.get('x-ms-request-id') ?? 'none'})`);
        }
        return response;
      },
    };
  }
}

/** JSON.parse, or undefined for an empty or non-JSON text. */
function parseOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A 429 ARM refused as throttling proves the action was not carried out, so it may be sent
 * again after Retry-After. A 429 that says another operation holds the resource
 * (RetryableErrorDueToAnotherOperation) is not retried here: its wait can be minutes, and the
 * queue puts the action back with a not-before time instead. Nothing else is retried.
 */
function actionThrottlingStrategy(clock: Clock): RetryStrategy {
  return {
    name: 'vpnsyncActionThrottling',
    retry({ response }) {
      if (response?.status !== 429 || isBusyRefusal(response.bodyAsText)) return { skipStrategy: true };
      return { retryAfterInMs: parseRetryAfterMs(response.headers.get('retry-after'), clock.now()) ?? 2_000 };
    },
  };
}

/** True for Network RP's "another operation is updating the resource" answer (in its code or first detail). */
export function isBusyRefusal(bodyText: string | undefined | null): boolean {
  const detail = armErrorDetailOf(parseOrUndefined(bodyText ?? ''));
  const codes = [detail?.code, ...(detail?.details ?? []).map((d) => d?.code)];
  return codes.some((c) => c === 'RetryableErrorDueToAnotherOperation' || c === 'AnotherOperationInProgress');
}

/** The path of an ARM URL without its query string (query strings may carry skip tokens). */
export function pathOf(url: string): string {
  try {
    return new URL(url, 'https://arm.invalid').pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

/** Maps a transport or authentication failure to ArmError (token errors keep only their message). */
function transportError(e: unknown, path: string, endpoint: URL): ArmError {
  if (e instanceof ArmError) return e;
  if (e instanceof RestError) {
    const status = e.statusCode ?? e.response?.status;
    if (status !== undefined) {
      return armErrorFromResponse(status, e.response?.bodyAsText ?? undefined, e.response?.headers.get('x-ms-request-id') ?? undefined, path);
    }
    // No answer at all: say where vpnsync tried to connect and what to check, not the socket's words.
    const advice = e.code === undefined ? undefined : networkFailureLine(e.code, `Azure Resource Manager at ${hostPortOf(endpoint)}`, 'VPNSYNC_ARM_ENDPOINT (or --arm-endpoint)');
    return new ArmError({ message: advice ?? oneLine(e.message), code: e.code ?? 'RequestFailed', path, cause: e });
  }
  const err = e as Error & { code?: string };
  const name = err?.name ?? '';
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError') {
    return new ArmError({ message: oneLine(err.message.split('\n')[0] ?? err.message), code: 'CredentialError', path, cause: e });
  }
  return new ArmError({ message: oneLine(err?.message ?? String(e)), code: err?.code ?? 'RequestFailed', path, cause: e });
}
