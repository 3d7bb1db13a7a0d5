/**
 * startEmulator(): the local ARM + Entra emulator on 127.0.0.1, over HTTPS with a generated CA
 * (plain HTTP only when asked). Importable by tests and run by `vpnsync emulator`.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { EmulatorCore, type LinkConnectionTruth } from './emulator-core.js';
import { ensureCertificates } from './certificates.js';
import type { FaultKind, FaultRule } from './faults.js';
import { generateFleet, type FleetSize } from './fleet-generator.js';
import { loadFleet, loadFleetFile } from './fleet-loader.js';
import type { Mutation, MutationRates } from './fleet-mutator.js';
import { DEFAULT_LRO_SETTINGS, LRO_POLLING_MODES, type LroPolling } from './lro.js';
import { SUBSCRIPTION_STATES, type SubscriptionState } from './subscription-states.js';
import type { EmulatorStats } from './stats.js';
import { networkReadBucket, type BucketState, type OtherPrincipalsLoad, type RetryAfterFormat, type ThrottleSettings } from './throttling.js';
import { DEFAULT_READ_BUCKET, DEFAULT_WRITE_BUCKET } from './token-bucket.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_ID, DEFAULT_TOKEN_LIFETIME_SECONDS } from './token-service.js';

/** Default page size: small, so a realistic fleet spans several pages. */
export const DEFAULT_PAGE_SIZE = 5;
/** Default spacing of empty-but-continued pages (pages 1, 4, 7, … of a list are empty). */
export const DEFAULT_EMPTY_PAGE_EVERY = 3;
/** The largest request body the emulator reads (token requests and /_emulator calls are small). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Options for startEmulator. Everything is optional. */
export interface EmulatorOptions {
  /** Seed of the generated fleet, its mutations, fault rolls and jitter; default 1. */
  seed?: number;
  /** Fleet sizes (see DEFAULT_FLEET_SIZE). */
  size?: Partial<FleetSize>;
  /** Load the fleet from this JSON file instead of generating it (Microsoft example files, `{ value: [...] }` lists, single resources, or GET /_emulator/fleet output). */
  fleetFile?: string;
  /** Load the fleet from this already-parsed JSON (same shapes as fleetFile). */
  fleetJson?: unknown;
  /**
   * Share (0–1) of the generated fleet's VPN connections that gateway listings show without their
   * `vpnLinkConnections`, as real ARM does; default DEFAULT_WITHOUT_EMBEDDED_LINKS (5%, at least
   * one connection); 0 turns it off. Not for loaded fleets, which keep their file's shape.
   */
  withoutEmbeddedLinks?: number;
  /** Items per page of every list; default 5. */
  pageSize?: number;
  /** Page indexes i with i % n === 1 are empty but carry a nextLink; default 3; 0 turns them off. */
  emptyPageEvery?: number;
  /** Default 'https'. With 'http', @azure/identity refuses the token service (it requires an https authority). */
  protocol?: 'https' | 'http';
  /** Port on 127.0.0.1; default 0 (ephemeral). */
  port?: number;
  /** Directory for the CA and server certificate; reused when it already holds them. Default: a fresh temp dir. */
  certDir?: string;
  /**
   * ARM throttling; false turns it off. Defaults: per principal and subscription, reads 250 + 25/s
   * and actions 200 + 10/s; per subscription, global buckets 15 times those; tenant-level reads
   * as subscription reads; Microsoft.Network 10,000 reads per subscription and region per 5
   * minutes (`networkReadsPer5Minutes`, false for none); no other principals' reads
   * (`otherReadsPerSecond`: taken steadily from every global read bucket, less than its refill).
   */
  throttle?:
    | false
    | {
        readCapacity?: number;
        readRefillPerSecond?: number;
        writeCapacity?: number;
        writeRefillPerSecond?: number;
        networkReadsPer5Minutes?: number | false;
        otherReadsPerSecond?: number;
      };
  /** How 429s say when to retry: 'seconds' (default, as ARM does) or 'http-date' (Retry-After: <HTTP-date>). */
  retryAfterFormat?: RetryAfterFormat;
  /** Latency added to every ARM response; default none. */
  latency?: { fixedMs?: number; jitterMs?: number };
  /** Fault rules (see FaultRule). */
  faults?: FaultRule[];
  /**
   * Long-running actions: polls before the result (default 2), or seconds on the clock;
   * Retry-After on 202s and running statuses (default 10, as ARM); which polling headers the 202
   * carries (default both, as Network RP); 409 AnotherOperationInProgress for a second action on
   * a busy connection (default false); GetIkeSas's result as a JSON string or bare text.
   */
  lro?: { polls?: number; seconds?: number; retryAfterSeconds?: number; polling?: LroPolling; conflictOnConcurrent?: boolean; ikeSasBody?: 'json-string' | 'bare' };
  /** Subscription id → state other than Enabled: reads work, actions are refused with 409 (as ARM does). */
  subscriptionStates?: Record<string, SubscriptionState>;
  /** Serve each link's plain `sharedKey`, as older api-versions did; default false. */
  returnSharedKeys?: boolean;
  /** Clock in ms for bucket refill, LRO seconds and token expiry; default Date.now. */
  now?: () => number;
  /** Lifetime of issued tokens; default 3600. */
  tokenLifetimeSeconds?: number;
  /** Call tick() every this many ms (real time). */
  mutateEveryMs?: number;
  /** Per-step mutation probabilities (see DEFAULT_MUTATION_RATES). */
  mutationRates?: Partial<MutationRates>;
  /** Keep at most this many mutations in the log (oldest dropped); default: keep all. */
  mutationLogLimit?: number;
  /** Called after each answered request (for request logs); status 0 means dropped or hung. */
  onRequest?: (entry: RequestLogEntry) => void;
  /** The service principal the token service accepts; defaults DEFAULT_TENANT_ID / DEFAULT_CLIENT_ID / DEFAULT_CLIENT_SECRET. */
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
}

/** One answered request, as given to EmulatorOptions.onRequest. */
export interface RequestLogEntry {
  method: string;
  /** Path and query as requested. */
  url: string;
  status: number;
  /** The fault rule kind that decided this answer (not `latency`, which only delays); absent when none fired. */
  fault?: FaultKind | undefined;
  /** The answer's x-ms-request-id (absent for dropped and hung requests). */
  requestId?: string | undefined;
}

/** A running emulator. */
export interface Emulator {
  /** ARM endpoint, e.g. https://127.0.0.1:PORT. */
  url: string;
  /** Entra authority host for AZURE_AUTHORITY_HOST (the same server). */
  authorityHost: string;
  /** PEM file to pass as NODE_EXTRA_CA_CERTS ('' over http). */
  caCertPath: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Everything a child process needs: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST, AZURE_TOKEN_CREDENTIALS, VPNSYNC_ARM_ENDPOINT, NODE_EXTRA_CA_CERTS. */
  env: Record<string, string>;
  /** Counters of what was served. */
  stats(): EmulatorStats;
  /** Zeroes the counters. */
  resetStats(): void;
  /** Fills every throttling bucket (start a clean measurement window: resetStats() + refillBuckets()). */
  refillBuckets(): void;
  /** Applies one (or n) mutation steps and returns what changed. */
  tick(steps?: number): Mutation[];
  /** Every mutation since start (actions included). */
  mutations(): Mutation[];
  /** Current truth: every link connection as the list endpoint returns it, plus where it lives. */
  links(): LinkConnectionTruth[];
  /** The fleet in fleet-file format (loadable with fleetFile / fleetJson). */
  fleetJson(): unknown;
  /** Replaces the fault rules. */
  setFaults(faults: FaultRule[]): void;
  /** Puts a subscription in another state (Warned or Disabled: actions refused with 409; PastDue and Enabled: allowed). */
  setSubscriptionState(subscriptionId: string, state: SubscriptionState): void;
  /** The throttling buckets made so far (what each holds) and other principals' read rate; undefined when throttling is off. */
  throttleState(): { otherReadsPerSecond: number; buckets: BucketState[] } | undefined;
  /** Simulates other principals reading from the global read buckets (see POST /_emulator/throttle); throws when throttling is off or the rate is too high. */
  simulateOtherPrincipals(load: OtherPrincipalsLoad): { drawn: Record<string, number>; otherReadsPerSecond: number };
  /** Stops the server (hung responses are cut) and the mutation timer. */
  close(): Promise<void>;
}

/** Starts an emulator on 127.0.0.1. Throws RangeError for invalid options. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? 1;
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  check(Number.isInteger(seed), 'seed must be an integer');
  check(Number.isInteger(pageSize) && pageSize >= 1, 'pageSize must be an integer ≥ 1');
  const emptyPageEvery = options.emptyPageEvery ?? DEFAULT_EMPTY_PAGE_EVERY;
  check(Number.isInteger(emptyPageEvery) && (emptyPageEvery === 0 || emptyPageEvery >= 2), 'emptyPageEvery must be 0 or an integer ≥ 2');
  const lroPolls = options.lro?.polls ?? DEFAULT_LRO_SETTINGS.polls;
  check(Number.isInteger(lroPolls) && lroPolls >= 0, 'lro.polls must be an integer ≥ 0');
  const protocol = options.protocol ?? 'https';
  check(options.lro?.polling === undefined || LRO_POLLING_MODES.includes(options.lro.polling), `lro.polling must be one of ${LRO_POLLING_MODES.join(', ')}`);

  // generateFleet checks the share itself (RangeError).
  const loaded = options.fleetFile !== undefined || options.fleetJson !== undefined;
  check(!loaded || options.withoutEmbeddedLinks === undefined, 'withoutEmbeddedLinks applies to generated fleets; a loaded fleet keeps the shape of its file');
  const fleet =
    options.fleetFile !== undefined
      ? loadFleetFile(options.fleetFile, { tenantId })
      : options.fleetJson !== undefined
        ? loadFleet(options.fleetJson, { tenantId })
        : generateFleet(seed, options.size, { tenantId, withoutEmbeddedLinks: options.withoutEmbeddedLinks });

  for (const [subscriptionId, state] of Object.entries(options.subscriptionStates ?? {})) {
    check(SUBSCRIPTION_STATES.includes(state), `subscriptionStates: state must be one of ${SUBSCRIPTION_STATES.join(', ')}, got '${String(state)}'`);
    check(fleet.subscriptions.get(subscriptionId) !== undefined, `subscriptionStates: no subscription '${subscriptionId}' in the fleet`);
  }
  const throttle = resolveThrottle(options.throttle);
  const core = new EmulatorCore(
    fleet,
    {
      seed,
      paging: { pageSize, emptyPageEvery },
      sharedKeys: options.returnSharedKeys ?? false,
      latency: { fixedMs: options.latency?.fixedMs ?? 0, jitterMs: options.latency?.jitterMs ?? 0 },
      throttle,
      retryAfterFormat: options.retryAfterFormat ?? 'seconds',
      lro: {
        polls: lroPolls,
        ...(options.lro?.seconds !== undefined ? { seconds: options.lro.seconds } : {}),
        retryAfterSeconds: options.lro?.retryAfterSeconds ?? DEFAULT_LRO_SETTINGS.retryAfterSeconds,
        polling: options.lro?.polling ?? DEFAULT_LRO_SETTINGS.polling,
        conflictOnConcurrent: options.lro?.conflictOnConcurrent ?? false,
        ikeSasBody: options.lro?.ikeSasBody ?? 'json-string',
      },
      tenantId,
      clientId,
      clientSecret,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
      mutationRates: options.mutationRates ?? {},
      mutationLogLimit: options.mutationLogLimit,
      now: options.now ?? Date.now,
    },
    options.faults ?? [],
  );

  for (const [subscriptionId, state] of Object.entries(options.subscriptionStates ?? {})) core.setSubscriptionState(subscriptionId, state);
  const tls = protocol === 'https' ? await ensureCertificates(options.certDir) : undefined;
  const hung = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    readBody(req).then(
      (body) => serve(core, req, res, body, hung, timers, options.onRequest),
      () => req.socket.destroy(),
    );
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${protocol}://127.0.0.1:${port}`;
  core.setOrigin(url);

  const mutateTimer =
    options.mutateEveryMs !== undefined && options.mutateEveryMs > 0 ? setInterval(() => core.tick(1), options.mutateEveryMs) : undefined;
  mutateTimer?.unref();

  const caCertPath = tls?.caCertPath ?? '';
  let closed: Promise<void> | undefined;
  return {
    url,
    authorityHost: url,
    caCertPath,
    tenantId,
    clientId,
    clientSecret,
    env: {
      AZURE_TENANT_ID: tenantId,
      AZURE_CLIENT_ID: clientId,
      AZURE_CLIENT_SECRET: clientSecret,
      AZURE_AUTHORITY_HOST: url,
      // Keeps DefaultAzureCredential on the environment credential: no IMDS probe, no `az`.
      AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential',
      VPNSYNC_ARM_ENDPOINT: url,
      ...(caCertPath ? { NODE_EXTRA_CA_CERTS: caCertPath } : {}),
    },
    stats: () => core.statsSnapshot(),
    resetStats: () => core.resetStats(),
    refillBuckets: () => core.refillBuckets(),
    tick: (steps = 1) => core.tick(steps),
    mutations: () => core.mutations(),
    links: () => core.links(),
    fleetJson: () => core.fleetJson(),
    setFaults: (faults) => core.faults.setRules(faults),
    setSubscriptionState: (subscriptionId, state) => core.setSubscriptionState(subscriptionId, state),
    throttleState: () => core.throttleState(),
    simulateOtherPrincipals: (load) => core.simulateOtherPrincipals(load),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        if (mutateTimer) clearInterval(mutateTimer);
        for (const timer of timers) clearTimeout(timer);
        for (const res of hung) res.destroy();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

function serve(
  core: EmulatorCore,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: string,
  hung: Set<http.ServerResponse>,
  timers: Set<NodeJS.Timeout>,
  onRequest: ((entry: RequestLogEntry) => void) | undefined,
): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  const log = (status: number, fault?: FaultKind, requestId?: string): void => onRequest?.({ method, url: req.url ?? '/', status, ...(fault ? { fault } : {}), ...(requestId ? { requestId } : {}) });
  if (url.pathname.toLowerCase().startsWith('/_emulator')) {
    write(res, core.control(method, url.pathname, url.searchParams, body), false);
    return;
  }
  const outcome = core.handle({
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: {
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(typeof req.headers['x-ms-correlation-request-id'] === 'string' ? { correlationId: req.headers['x-ms-correlation-request-id'] } : {}),
      ...(typeof req.headers['x-ms-client-request-id'] === 'string' ? { clientRequestId: req.headers['x-ms-client-request-id'] } : {}),
    },
    body,
  });
  if (outcome.kind === 'hang') {
    log(0, 'hang');
    hung.add(res);
    res.on('close', () => hung.delete(res));
    return;
  }
  const act = (): void => {
    if (outcome.kind === 'drop') req.socket.destroy();
    else write(res, outcome.response, outcome.malformed);
    if (outcome.kind === 'drop') log(0, 'drop');
    else log(outcome.response.status, outcome.fault, outcome.response.headers?.['x-ms-request-id']);
  };
  if (outcome.delayMs <= 0) return act();
  const timer = setTimeout(() => {
    timers.delete(timer);
    act();
  }, outcome.delayMs);
  timers.add(timer);
}

function write(res: http.ServerResponse, response: { status: number; headers?: Record<string, string>; body?: unknown; bare?: boolean }, malformed: boolean): void {
  const headers: Record<string, string> = { ...response.headers };
  let text = response.body === undefined ? '' : response.bare && typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  if (malformed) text = text.length > 1 ? text.slice(0, Math.ceil(text.length / 2)) : '{';
  if (text.length > 0) headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(response.status, headers);
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The buckets for EmulatorOptions.throttle; throws RangeError (via Throttle) for other principals' rate. */
function resolveThrottle(options: EmulatorOptions['throttle']): false | ThrottleSettings {
  if (options === false) return false;
  const read = { capacity: options?.readCapacity ?? DEFAULT_READ_BUCKET.capacity, refillPerSecond: options?.readRefillPerSecond ?? DEFAULT_READ_BUCKET.refillPerSecond };
  const network = options?.networkReadsPer5Minutes;
  check(network === undefined || network === false || (Number.isInteger(network) && network >= 1), 'throttle.networkReadsPer5Minutes must be false or an integer ≥ 1');
  return {
    read,
    write: { capacity: options?.writeCapacity ?? DEFAULT_WRITE_BUCKET.capacity, refillPerSecond: options?.writeRefillPerSecond ?? DEFAULT_WRITE_BUCKET.refillPerSecond },
    tenantRead: read,
    networkRead: network === false ? false : networkReadBucket(network),
    otherReadsPerSecond: options?.otherReadsPerSecond ?? 0,
  };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(`startEmulator: ${message}`);
}
