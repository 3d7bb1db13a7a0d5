/**
 * The emulator's state and request pipeline, without sockets: token service, authentication,
 * api-version check, throttling, faults, routing, paging, actions, stats and the mutation log.
 * start-emulator.ts puts it behind an HTTP(S) server.
 */
import { randomUUID } from 'node:crypto';
import type { LinkConnectionJson } from './arm-types.js';
import { anotherOperation, subscriptionNotWritable } from './action-refusals.js';
import { armError, armErrorBody, authorizationFailed, invalidApiVersion, type EmulatorResponse } from './arm-errors.js';
import { handleArmOperation, type HandlerContext } from './arm-handlers.js';
import { routeArmRequest, type ArmRoute } from './arm-router.js';
import { serializeFleet, serializeLink, type SerializeOptions } from './arm-serializer.js';
import { ACTED_FAULTS, ACTION_FAULTS, FaultInjector, faultRuleFromJson, faultRuleToJson, type FaultKind, type FaultRule } from './faults.js';
import type { Fleet, LinkNode } from './fleet-model.js';
import { applyMutationStep, setLinkProperty, touchEtag, type Mutation, type MutationRates } from './fleet-mutator.js';
import { newEtag } from './fleet-generator.js';
import { generateIkeSas } from './ike-sas.js';
import { LroManager, operationStatusBody, type ActionKind, type LroSettings, type Operation } from './lro.js';
import type { PagingOptions } from './paging.js';
import { createRng, deriveSeed, type Rng } from './prng.js';
import type { SubscriptionState } from './subscription-states.js';
import { StatsCollector, type EmulatorStats } from './stats.js';
import {
  networkRegionOf,
  otherPrincipalsLoadFromJson,
  retryAfterValue,
  Throttle,
  throttledResponse,
  unthrottledVerdict,
  type BucketState,
  type OtherPrincipalsLoad,
  type RetryAfterFormat,
  type ThrottleSettings,
} from './throttling.js';
import { TokenService } from './token-service.js';

/** Settings the core runs with (start-emulator resolves them from EmulatorOptions). */
export interface CoreSettings {
  seed: number;
  paging: PagingOptions;
  sharedKeys: boolean;
  latency: { fixedMs: number; jitterMs: number };
  throttle: false | ThrottleSettings;
  /** How 429s (from buckets and injected faults) say when to retry. */
  retryAfterFormat: RetryAfterFormat;
  lro: LroSettings & {
    conflictOnConcurrent: boolean;
    /**
     * How GetIkeSas's result is written: `json-string` (a JSON string holding the report's JSON),
     * or `bare` (the text itself, quotes and all, as Microsoft's example payload shows it, which is
     * not valid JSON).
     */
    ikeSasBody: 'json-string' | 'bare';
  };
  tenantId: string;
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds: number;
  mutationRates: Partial<MutationRates>;
  /** Keep at most this many mutations in the log (oldest dropped); undefined keeps all. */
  mutationLogLimit: number | undefined;
  now: () => number;
}

/** A request as the core sees it. */
export interface CoreRequest {
  method: string;
  /** Path without query, as sent (percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: { authorization?: string; correlationId?: string; clientRequestId?: string };
  body: string;
}

/** What the server must do with a request. */
export type CoreOutcome =
  | { kind: 'respond'; response: EmulatorResponse; delayMs: number; malformed: boolean; fault?: FaultKind | undefined }
  | { kind: 'drop'; delayMs: number; fault: FaultKind }
  | { kind: 'hang'; fault: FaultKind };

/** Current truth for one link connection: the JSON the list endpoint would return, plus where it lives. */
export type LinkConnectionTruth = LinkConnectionJson & {
  subscriptionId: string;
  resourceGroupName: string;
  gatewayName: string;
  connectionName: string;
};

const ARM_FAULTS: readonly FaultKind[] = ['latency', '5xx', '429', '403', '404', 'drop', 'hang', 'malformed-json'];
const LIST_FAULTS: readonly FaultKind[] = [...ARM_FAULTS, 'nextlink-loop'];

/** The emulator minus the network. */
export class EmulatorCore {
  private readonly tokens: TokenService;
  readonly faults: FaultInjector;
  private readonly throttle: Throttle | undefined;
  private readonly lro: LroManager;
  private readonly stats = new StatsCollector();
  private readonly latencyRng: Rng;
  private readonly log: Mutation[] = [];
  private step = 0;
  private ikeSasCalls = 0;
  private origin = '';

  constructor(
    readonly fleet: Fleet,
    readonly settings: CoreSettings,
    faults: readonly FaultRule[],
  ) {
    this.tokens = new TokenService({
      tenantId: settings.tenantId,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      tokenLifetimeSeconds: settings.tokenLifetimeSeconds,
      now: settings.now,
      origin: () => this.origin,
    });
    this.faults = new FaultInjector(faults, createRng(deriveSeed(settings.seed, 'faults')));
    this.latencyRng = createRng(deriveSeed(settings.seed, 'latency'));
    this.throttle = settings.throttle ? new Throttle(settings.throttle, settings.now) : undefined;
    this.lro = new LroManager(settings.lro, settings.now, (op) => this.completeAction(op));
  }

  /** Tells the core its public origin (https://127.0.0.1:PORT) once the server listens. */
  setOrigin(origin: string): void {
    this.origin = origin;
  }

  /** Serialisation options in force. */
  get serialize(): SerializeOptions {
    return { sharedKeys: this.settings.sharedKeys };
  }

  /** Handles one request. */
  handle(req: CoreRequest): CoreOutcome {
    this.lro.settle();
    const pathLower = req.path.toLowerCase();
    if (this.tokens.handles(pathLower)) return this.handleToken(req, pathLower);
    return this.handleArm(req, pathLower);
  }

  /** Applies `steps` mutation steps and returns what changed. */
  tick(steps = 1): Mutation[] {
    const out: Mutation[] = [];
    for (let i = 0; i < steps; i++) {
      this.step += 1;
      this.lro.settle();
      out.push(...applyMutationStep(this.fleet, this.step, this.settings.seed, { rates: this.settings.mutationRates, serialize: this.serialize }));
    }
    this.record(out);
    return out;
  }

  /** The mutation log. */
  mutations(): Mutation[] {
    return [...this.log];
  }

  /** Current truth for every link connection (deep copies). */
  links(): LinkConnectionTruth[] {
    return this.fleet.links().map((link) => {
      const gateway = link.connection.gateway;
      return {
        // A JSON round trip: the data is plain JSON, and this is several times faster than
        // structuredClone for a 30,000-link fleet.
        ...(JSON.parse(JSON.stringify(serializeLink(link, this.serialize))) as LinkConnectionJson),
        subscriptionId: gateway.resourceGroup.subscription.subscriptionId,
        resourceGroupName: gateway.resourceGroup.name,
        gatewayName: gateway.name,
        connectionName: link.connection.name,
      };
    });
  }

  /** A stats snapshot. */
  statsSnapshot(): EmulatorStats {
    const inFlight = this.lro.all().filter((op) => op.state === 'running').length;
    return this.stats.snapshot(
      { throttle: this.settings.throttle, fixedLatencyMs: this.settings.latency.fixedMs, lroSeconds: this.settings.lro.seconds },
      inFlight,
      this.faults.fired,
    );
  }

  /** Zeroes the stats (and the fault counters). */
  resetStats(): void {
    this.stats.reset();
    this.faults.resetCounts();
  }

  /** Sets a subscription's state as Subscriptions_List/Get report it; actions in it are refused unless Enabled. */
  setSubscriptionState(subscriptionId: string, state: SubscriptionState): void {
    const sub = this.fleet.subscriptions.get(subscriptionId);
    if (!sub) throw new RangeError(`no subscription '${subscriptionId}' in the fleet`);
    sub.json = { ...sub.json, state };
  }

  /** Fills every throttling bucket. */
  refillBuckets(): void {
    this.throttle?.fillAll();
  }

  /** The throttling buckets made so far and other principals' steady read rate; undefined when throttling is off. */
  throttleState(): { otherReadsPerSecond: number; buckets: BucketState[] } | undefined {
    return this.throttle ? { otherReadsPerSecond: this.throttle.otherReadsPerSecond, buckets: this.throttle.state() } : undefined;
  }

  /**
   * Other principals' reads on the global read buckets: `reads` at once (on `subscriptionId`, or
   * every subscription of the fleet) and/or a steady `readsPerSecond` on every subscription.
   * Throws RangeError for a rate the global bucket cannot sustain, Error when throttling is off.
   */
  simulateOtherPrincipals(load: OtherPrincipalsLoad): { drawn: Record<string, number>; otherReadsPerSecond: number } {
    if (!this.throttle) throw new Error('throttling is off');
    if (load.readsPerSecond !== undefined) this.throttle.setOtherReadsPerSecond(load.readsPerSecond);
    const subscriptions = load.subscriptionId !== undefined ? [load.subscriptionId] : this.fleet.subscriptions.values().map((s) => s.subscriptionId);
    const drawn = load.reads !== undefined ? this.throttle.drawForOthers(subscriptions, load.reads) : {};
    return { drawn, otherReadsPerSecond: this.throttle.otherReadsPerSecond };
  }

  /** The whole fleet in the fleet-file format. */
  fleetJson(): unknown {
    return serializeFleet(this.fleet, this.serialize);
  }

  private record(mutations: readonly Mutation[]): void {
    this.log.push(...mutations);
    const limit = this.settings.mutationLogLimit;
    if (limit !== undefined && this.log.length > limit) this.log.splice(0, this.log.length - limit);
  }

  private handleToken(req: CoreRequest, pathLower: string): CoreOutcome {
    const operationId = this.tokens.operationOf(pathLower);
    const target = { path: pathLower, names: [operationId.toLowerCase()] };
    const [fault] = this.faults.has(['token-error']) ? this.faults.roll(target, ['token-error']) : [];
    let response: EmulatorResponse;
    if (fault) {
      const status = fault.status ?? 503;
      response =
        status >= 500
          ? this.tokens.entraError(status, fault.code ?? 'temporarily_unavailable', 50196, fault.message ?? 'The server is temporarily unavailable. Retry the request later.')
          : this.tokens.entraError(status, fault.code ?? 'invalid_client', 7000215, fault.message ?? 'Invalid client secret provided.');
      if (status === 503) response.headers = { 'retry-after': String(fault.retryAfterSeconds ?? 1) };
    } else {
      response = this.tokens.handle(req.method.toUpperCase(), req.path, req.query, req.body);
    }
    this.stats.request(operationId, response.status);
    return { kind: 'respond', response: withRequestIds(response, req, this.settings.now()), delayMs: 0, malformed: false, fault: fault?.kind };
  }

  private handleArm(req: CoreRequest, pathLower: string): CoreOutcome {
    const routed = routeArmRequest(req.method, req.path);
    const route = 'error' in routed ? undefined : routed;
    const operationId = route?.operationId ?? 'Unknown';
    const finish = (response: EmulatorResponse, extra: { delayMs?: number; malformed?: boolean; fault?: FaultKind | undefined } = {}): CoreOutcome => {
      this.stats.request(operationId, response.status);
      return { kind: 'respond', response: withRequestIds(response, req, this.settings.now()), delayMs: extra.delayMs ?? 0, malformed: extra.malformed ?? false, fault: extra.fault };
    };

    const rejection = this.tokens.validate(req.headers.authorization);
    if (rejection) {
      return finish(armError(401, rejection.code, rejection.message, { 'www-authenticate': this.tokens.wwwAuthenticate(rejection) }));
    }
    if (!route) return finish('error' in routed ? routed.error : armError(404, 'NotFound', 'Not found'));

    const apiVersion = req.query.get('api-version');
    if (apiVersion === null || !route.apiVersions.includes(apiVersion)) {
      return finish(invalidApiVersion(apiVersion, route.apiVersions, route.resourceType));
    }

    // Throttling (throttling.ts): the caller's and the global bucket of the subscription (the
    // tenant's for tenant-level reads), then Microsoft.Network's own read limit.
    const throttled = { kind: route.bucket, principal: this.tokens.principalOf(req.headers.authorization) ?? this.settings.clientId, subscriptionId: route.subscriptionId, networkRegion: networkRegionOf(route, this.fleet) };
    const verdict = this.throttle?.take(throttled) ?? unthrottledVerdict(throttled);
    if (!verdict.ok) {
      const options = { tenantId: this.settings.tenantId, retryAfterFormat: this.settings.retryAfterFormat, now: this.settings.now() };
      return finish(throttledResponse(verdict, throttled, options), { delayMs: this.baseLatency() });
    }
    if (this.throttle) this.stats.tokenTaken(route.bucket, route.subscriptionId?.toLowerCase() ?? 'tenant');
    const rateHeaders = verdict.headers;

    const kinds = route.isList ? LIST_FAULTS : ARM_FAULTS;
    const hits = this.faults.has(kinds) ? this.faults.roll(faultTarget(pathLower, route), kinds) : [];
    let delayMs = this.baseLatency();
    for (const hit of hits) if (hit.kind === 'latency') delayMs += (hit.ms ?? 0) + (hit.jitterMs ? this.latencyRng.next() * hit.jitterMs : 0);
    const fault = hits.find((h) => h.kind !== 'latency');
    if (fault?.kind === 'drop') {
      this.stats.request(operationId, 0);
      return { kind: 'drop', delayMs, fault: 'drop' };
    }
    if (fault?.kind === 'hang') {
      this.stats.request(operationId, 0);
      return { kind: 'hang', fault: 'hang' };
    }
    const injected = fault ? this.injectedError(fault, route) : undefined;
    if (injected) return finish({ ...injected, headers: { ...rateHeaders, ...injected.headers } }, { delayMs, fault: fault?.kind });

    // An action fault that struck after ARM acted: the answer is spoiled below, the action stands.
    let acted: FaultRule | undefined;
    const ctx: HandlerContext = {
      fleet: this.fleet,
      serialize: this.serialize,
      paging: this.settings.paging,
      nextLink: (token) => `${this.origin}${req.path}?api-version=${encodeURIComponent(apiVersion)}&$skipToken=${encodeURIComponent(token)}`,
      startAction: (r, link) => {
        const started = this.startAction(r, link, apiVersion, pathLower);
        acted = started.acted;
        return started.response;
      },
      pollOperation: (r) => this.pollOperation(r, req.path),
      pageServed: (level, pageIndex) => this.stats.page(level, pageIndex),
    };
    const skipToken = req.query.get('$skipToken') ?? req.query.get('$skiptoken');
    const response = handleArmOperation(ctx, route, skipToken, { loopNextLink: fault?.kind === 'nextlink-loop' });
    if (acted) {
      switch (acted.kind) {
        case 'acted-drop':
          this.stats.request(operationId, 0);
          return { kind: 'drop', delayMs, fault: acted.kind };
        case 'acted-hang':
          this.stats.request(operationId, 0);
          return { kind: 'hang', fault: acted.kind };
        case 'bare-202':
          // Accepted, but with nowhere to poll: ARM's front end lost the headers.
          return finish({ status: 202, headers: { ...rateHeaders, 'retry-after': String(this.settings.lro.retryAfterSeconds) } }, { delayMs, fault: acted.kind });
        default: {
          const status = acted.status ?? 503;
          const spoiled = armError(status, status === 503 ? 'ServiceUnavailable' : status === 504 ? 'GatewayTimeout' : 'InternalServerError', 'The service is temporarily unavailable. Please retry later.', { 'retry-after': String(acted.retryAfterSeconds ?? 1) });
          return finish({ ...spoiled, headers: { ...rateHeaders, ...spoiled.headers } }, { delayMs, fault: acted.kind });
        }
      }
    }
    return finish({ ...response, headers: { ...rateHeaders, ...response.headers } }, { delayMs, malformed: fault?.kind === 'malformed-json', fault: fault?.kind });
  }

  private baseLatency(): number {
    const { fixedMs, jitterMs } = this.settings.latency;
    return fixedMs + (jitterMs > 0 ? this.latencyRng.next() * jitterMs : 0);
  }

  private injectedError(fault: FaultRule, route: ArmRoute): EmulatorResponse | undefined {
    const scope = [
      route.subscriptionId && `/subscriptions/${route.subscriptionId}`,
      route.resourceGroupName && `/resourceGroups/${route.resourceGroupName}`,
      route.gatewayName && `/providers/Microsoft.Network/vpnGateways/${route.gatewayName}`,
      route.connectionName && `/vpnConnections/${route.connectionName}`,
      route.linkName && `/vpnLinkConnections/${route.linkName}`,
    ]
      .filter(Boolean)
      .join('');
    const override = (r: EmulatorResponse): EmulatorResponse =>
      fault.code || fault.message
        ? { ...r, body: armErrorBody(fault.code ?? (r.body as { error: { code: string } }).error.code, fault.message ?? (r.body as { error: { message: string } }).error.message) }
        : r;
    switch (fault.kind) {
      case '5xx': {
        const status = fault.status ?? 500;
        return override(
          status === 503
            ? armError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.', { 'retry-after': String(fault.retryAfterSeconds ?? 1) })
            : armError(status, status === 504 ? 'GatewayTimeout' : 'InternalServerError', 'An error has occurred. Please retry the request.'),
        );
      }
      case '429':
        return override(
          armError(
            fault.status ?? 429,
            'TooManyRequests',
            `The request is being throttled as the limit has been reached for operation type - ${route.bucket === 'read' ? 'Read' : 'Write'}. Please retry after ${fault.retryAfterSeconds ?? 1} seconds.`,
            { 'retry-after': retryAfterValue(fault.retryAfterSeconds ?? 1, this.settings.retryAfterFormat, this.settings.now()) },
          ),
        );
      case '403':
        return override(authorizationFailed(this.settings.clientId, route.action, scope || '/'));
      case '404':
        return override(armError(fault.status ?? 404, 'ResourceNotFound', `The Resource '${scope}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`));
      default:
        return undefined;
    }
  }

  private startAction(route: ArmRoute, link: LinkNode, apiVersion: string, pathLower: string): { response: EmulatorResponse; acted?: FaultRule } {
    const action: ActionKind = route.operationId === 'VpnLinkConnections_ResetConnection' ? 'resetconnection' : 'getikesas';
    this.stats.post(link.json.id, action);
    // ARM filters actions on a Warned or Disabled subscription before the provider sees them
    // (ARM RPC, subscription lifecycle: PUT/PATCH/POST must not function; ARM answers 409).
    const subscription = link.connection.gateway.resourceGroup.subscription;
    const state = String(subscription.json.state ?? 'Enabled');
    // PastDue is still active: Microsoft's "Azure subscription states" says all operations work.
    if (state === 'Warned' || state === 'Disabled') return { response: subscriptionNotWritable(subscription.subscriptionId, state) };
    const connectionKey = link.connection.json.id.toLowerCase();
    const [fault] = this.faults.has(ACTION_FAULTS) ? this.faults.roll(faultTarget(pathLower, route), ACTION_FAULTS) : [];
    if (fault?.kind === 'busy') {
      const gatewayLocation = String(link.connection.gateway.json.location ?? 'westus').toLowerCase().replace(/\s+/g, '');
      const running = `${this.origin}/subscriptions/${route.subscriptionId ?? ''}/providers/Microsoft.Network/locations/${gatewayLocation}/operations/${randomUUID()}?api-version=${apiVersion}`;
      return { response: anotherOperation(fault, link.connection.gateway.json.id, running) };
    }
    if (this.settings.lro.conflictOnConcurrent && this.lro.inFlight(connectionKey) > 0) {
      return { response: armError(409, 'AnotherOperationInProgress', `Another operation on this or dependent resource is in progress. To retry later, please check the Retry-After header.`, { 'retry-after': '10' }) };
    }
    const failure = fault?.kind === 'lro-failure' ? fault : undefined;
    const subscriptionId = route.subscriptionId ?? '';
    const location = String(link.connection.gateway.json.location ?? 'westus').toLowerCase().replace(/\s+/g, '');
    const { op, inFlight } = this.lro.start({
      id: randomUUID(),
      kind: action,
      linkId: link.json.id,
      connectionKey,
      subscriptionId,
      location,
      apiVersion,
      ...(failure
        ? {
            failWith: {
              status: failure.status ?? 500,
              code: failure.code ?? 'InternalServerError',
              message: failure.message ?? `An error occurred while the ${action === 'resetconnection' ? 'reset of' : 'IKE SA query on'} VPN link connection '${link.json.name}' was running.`,
              ...(failure.code?.toLowerCase() === 'canceled' ? { canceled: true } : {}),
            },
          }
        : {}),
    });
    this.stats.actionStarted(link.json.id, action, connectionKey, inFlight);
    this.stats.actionRequestsSeen(1);
    if (action === 'resetconnection') this.applyLinkChange(link, 'connectionStatus', 'Connecting');
    const acted = fault && (ACTED_FAULTS as readonly FaultKind[]).includes(fault.kind) ? fault : undefined;
    return { response: this.accepted(op), ...(acted ? { acted } : {}) };
  }

  /** Answers either polling URL: the status resource (always 200), or the Location URL (202 until done, then the result). */
  private pollOperation(route: ArmRoute, path: string): EmulatorResponse {
    const op = this.lro.poll(route.operationResultId ?? '');
    if (!op || op.subscriptionId.toLowerCase() !== (route.subscriptionId ?? '').toLowerCase()) {
      return armError(404, 'OperationNotFound', `The operation '${route.operationResultId ?? ''}' could not be found.`);
    }
    this.stats.actionRequestsSeen(1 + op.pollsServed);
    const retryAfter = { 'retry-after': String(this.settings.lro.retryAfterSeconds) };
    if (route.operationId === 'OperationStatus_Get') {
      return { status: 200, ...(op.state === 'running' ? { headers: retryAfter } : {}), body: operationStatusBody(op, path) };
    }
    if (op.state === 'running' || !op.final) return { status: 202, headers: { location: this.operationUrl(op, 'operationResults'), ...retryAfter } };
    if (op.final.status === 200 && op.kind === 'getikesas' && this.settings.lro.ikeSasBody === 'bare' && typeof op.final.body === 'string') {
      // Microsoft's example payload: the report between a pair of quotes, its own quotes unescaped.
      const text = op.final.body;
      return { status: 200, body: text.startsWith('"') && text.endsWith('"') ? text : `"${text}"`, bare: true };
    }
    return { status: op.final.status, ...(op.final.body !== undefined ? { body: op.final.body } : {}) };
  }

  private operationUrl(op: Operation, kind: 'operations' | 'operationResults'): string {
    return `${this.origin}/subscriptions/${op.subscriptionId}/providers/Microsoft.Network/locations/${op.location}/${kind}/${op.id}?api-version=${op.apiVersion}`;
  }

  /** The 202 of an accepted action, with the polling headers the settings ask for (Network RP sends both). */
  private accepted(op: Operation): EmulatorResponse {
    const { polling, retryAfterSeconds } = this.settings.lro;
    return {
      status: 202,
      headers: {
        ...(polling !== 'location' ? { 'azure-asyncoperation': this.operationUrl(op, 'operations') } : {}),
        ...(polling !== 'azure-async-operation' ? { location: this.operationUrl(op, 'operationResults') } : {}),
        'retry-after': String(retryAfterSeconds),
      },
    };
  }

  private completeAction(op: Operation): { status: number; body?: unknown } {
    const link = this.fleet.linkById(op.linkId);
    if (op.failWith) {
      if (link && op.kind === 'resetconnection') this.applyLinkChange(link, 'connectionStatus', 'NotConnected');
      // Network RP writes its operations' errors with an empty details list.
      return { status: op.failWith.status, body: armErrorBody(op.failWith.code, op.failWith.message, undefined, []) };
    }
    if (op.kind === 'resetconnection') {
      if (link) this.applyLinkChange(link, 'connectionStatus', 'Connected');
      return { status: 200 };
    }
    this.ikeSasCalls += 1;
    const report = link ? (link.ikeSas ?? generateIkeSas(link.json, this.settings.seed, this.ikeSasCalls)) : JSON.stringify({ Status: 'Successful', Data: null });
    return { status: 200, body: report };
  }

  /** A change made by an action: recorded as reset-action, with a new etag. */
  private applyLinkChange(link: LinkNode, field: string, value: unknown): void {
    if (link.json.properties[field] === value) return;
    const rng = createRng(deriveSeed(this.settings.seed, 'action-etag', link.json.id.toLowerCase(), this.log.length));
    this.record([...setLinkProperty(link, field, value, 'reset-action', this.step), touchEtag(link, 'reset-action', this.step, newEtag(rng))]);
  }

  /** Answers the /_emulator control API (not counted in stats, no auth: the emulator binds loopback only). */
  control(method: string, path: string, query: URLSearchParams, body: string): EmulatorResponse {
    const sub = path.toLowerCase().replace(/^\/_emulator\/?/, '').replace(/\/$/, '');
    const m = method.toUpperCase();
    switch (`${m} ${sub}`) {
      case 'GET ':
        return { status: 200, body: { endpoints: CONTROL_ENDPOINTS } };
      case 'GET stats':
        return { status: 200, body: this.statsSnapshot() };
      case 'POST stats/reset':
        this.resetStats();
        if (query.get('refill') === 'true') this.refillBuckets();
        return { status: 200, body: this.statsSnapshot() };
      case 'POST tick': {
        const steps = Number(query.get('steps') ?? '1');
        if (!Number.isInteger(steps) || steps < 1 || steps > 10000) return { status: 400, body: { error: 'steps must be an integer from 1 to 10000' } };
        return { status: 200, body: this.tick(steps) };
      }
      case 'GET mutations': {
        const since = Number(query.get('sinceStep') ?? '0');
        return { status: 200, body: this.log.filter((mu) => mu.step >= since) };
      }
      case 'GET links':
        return { status: 200, body: this.links() };
      case 'GET fleet':
        return { status: 200, body: this.fleetJson() };
      case 'GET throttle':
        return this.throttle ? { status: 200, body: this.throttleState() } : { status: 409, body: { error: 'throttling is off' } };
      case 'POST throttle': {
        try {
          return { status: 200, body: this.simulateOtherPrincipals(otherPrincipalsLoadFromJson(body)) };
        } catch (error) {
          return { status: this.throttle ? 400 : 409, body: { error: (error as Error).message } };
        }
      }
      case 'GET faults':
        return { status: 200, body: this.faults.rules().map(faultRuleToJson) };
      case 'PUT faults':
      case 'POST faults': {
        try {
          const parsed: unknown = JSON.parse(body || '[]');
          if (!Array.isArray(parsed)) throw new Error('expected a JSON array of fault rules');
          this.faults.setRules(parsed.map(faultRuleFromJson));
        } catch (error) {
          return { status: 400, body: { error: (error as Error).message } };
        }
        return { status: 200, body: this.faults.rules().map(faultRuleToJson) };
      }
      default:
        return { status: 404, body: { error: `Unknown control endpoint ${m} ${path}`, endpoints: CONTROL_ENDPOINTS } };
    }
  }
}

/** The /_emulator endpoints, as listed by GET /_emulator. */
export const CONTROL_ENDPOINTS: readonly string[] = [
  'GET /_emulator/stats',
  'POST /_emulator/stats/reset[?refill=true]',
  'POST /_emulator/tick[?steps=N]',
  'GET /_emulator/mutations[?sinceStep=N]',
  'GET /_emulator/links',
  'GET /_emulator/fleet',
  'GET /_emulator/faults',
  'PUT /_emulator/faults',
  'GET /_emulator/throttle',
  'POST /_emulator/throttle {"reads"?: N, "readsPerSecond"?: R, "subscriptionId"?: S}',
];

function faultTarget(pathLower: string, route: ArmRoute): { path: string; names: string[] } {
  const names = [route.subscriptionId, route.resourceGroupName, route.gatewayName, route.connectionName, route.linkName, route.operationId]
    .filter((n): n is string => n !== undefined)
    .map((n) => n.toLowerCase());
  return { path: pathLower, names };
}

/** The ARM front-door region the emulator's x-ms-routing-request-id names (real ARM names the instance that served the call). */
export const ROUTING_REGION = 'WESTEUROPE';

/**
 * Adds ARM's tracing headers to an answer: `x-ms-request-id` (the resource provider's, new each
 * time), `x-ms-correlation-request-id` (the caller's, or a new one: ARM generates it when the
 * caller sends none, so it differs from the request id) and `x-ms-routing-request-id`, ARM's
 * own `REGION:yyyymmddThhmmssZ:correlation id` (as every Azure SDK recording shows, e.g.
 * `SOUTHEASTASIA:20221130T073447Z:cd980ff4-…`), stamped with the emulator's clock.
 */
function withRequestIds(response: EmulatorResponse, req: CoreRequest, now: number): EmulatorResponse {
  const correlationId = req.headers.correlationId ?? randomUUID();
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return {
    ...response,
    headers: {
      ...response.headers,
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': correlationId,
      'x-ms-routing-request-id': `${ROUTING_REGION}:${stamp}:${correlationId}`,
      ...(req.headers.clientRequestId ? { 'x-ms-client-request-id': req.headers.clientRequestId } : {}),
    },
  };
}
