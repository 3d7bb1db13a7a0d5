/**
 * The ARM operations over the fleet: look-ups with ARM's 404 bodies, paged lists, and the two
 * link actions (started here, run by the LRO manager).
 */
import {
  armError,
  parentResourceNotFound,
  resourceGroupNotFound,
  resourceNotFound,
  subscriptionNotFound,
  type EmulatorResponse,
} from './arm-errors.js';
import type { ArmRoute } from './arm-router.js';
import { serializeConnection, serializeGateway, serializeLink, type SerializeOptions } from './arm-serializer.js';
import type { ConnectionNode, Fleet, GatewayNode, LinkNode, ResourceGroupNode } from './fleet-model.js';
import { encodeSkipToken, paginate, type PagingOptions } from './paging.js';
import type { ChainLevel } from './stats.js';

/** What the handlers need from the emulator. */
export interface HandlerContext {
  fleet: Fleet;
  serialize: SerializeOptions;
  paging: PagingOptions;
  /** The nextLink URL for a $skipToken of the current list. */
  nextLink: (skipToken: string) => string;
  /** Starts a link action; returns the 202 (or an error). */
  startAction: (route: ArmRoute, link: LinkNode) => EmulatorResponse;
  /** Answers a poll of an operation's Location URL. */
  pollOperation: (route: ArmRoute) => EmulatorResponse;
  /** Records that a page of a list was served. */
  pageServed: (level: ChainLevel, pageIndex: number) => void;
}

/** Per-request switches set by faults. */
export interface HandlerFlags {
  /** The nextLink points back at the page just served (nextlink-loop fault). */
  loopNextLink: boolean;
}

/** Runs the operation a route names. */
export function handleArmOperation(ctx: HandlerContext, route: ArmRoute, skipToken: string | null, flags: HandlerFlags): EmulatorResponse {
  const list = <N>(items: readonly N[], render: (item: N) => unknown): EmulatorResponse => {
    const page = paginate(items, skipToken, ctx.paging);
    if (!page) return armError(400, 'InvalidSkipToken', `The value '${skipToken}' of the $skipToken query parameter is invalid.`);
    if (route.level) ctx.pageServed(route.level, page.pageIndex);
    const next = flags.loopNextLink ? (skipToken ?? encodeSkipToken(0, 0)) : page.nextSkipToken;
    return { status: 200, body: { value: page.value.map(render), ...(next !== undefined ? { nextLink: ctx.nextLink(next) } : {}) } };
  };
  const single = (body: unknown): EmulatorResponse => {
    if (route.level) ctx.pageServed(route.level, 0);
    return { status: 200, body };
  };

  if (route.operationId === 'Subscriptions_List') return list(ctx.fleet.subscriptions.values(), (s) => s.json);

  const sub = ctx.fleet.subscriptions.get(route.subscriptionId ?? '');
  if (!sub) return subscriptionNotFound(route.subscriptionId ?? '');
  switch (route.operationId) {
    case 'Subscriptions_Get':
      return single(sub.json);
    case 'VpnGateways_List':
      return list(ctx.fleet.gatewaysOf(sub), (g) => serializeGateway(g, ctx.serialize));
    case 'OperationResults_Get':
    case 'OperationStatus_Get':
      return ctx.pollOperation(route);
    default:
      break;
  }
  const rg = sub.resourceGroups.get(route.resourceGroupName ?? '');
  if (!rg) return resourceGroupNotFound(route.resourceGroupName ?? '');
  if (route.operationId === 'VpnGateways_ListByResourceGroup') {
    return list(rg.gateways.values(), (g) => serializeGateway(g, ctx.serialize));
  }
  const found = findUnder(rg, route);
  if ('error' in found) return found.error;
  const { gateway, connection, link } = found;
  switch (route.operationId) {
    case 'VpnGateways_Get':
      return single(serializeGateway(gateway, ctx.serialize));
    case 'VpnConnections_ListByVpnGateway':
      return list(gateway.connections.values(), (c) => serializeConnection(c, ctx.serialize));
    case 'VpnConnections_Get':
      return connection ? single(serializeConnection(connection, ctx.serialize)) : notReached();
    case 'VpnLinkConnections_ListByVpnConnection':
      return connection ? list(connection.links.values(), (l) => serializeLink(l, ctx.serialize)) : notReached();
    case 'VpnSiteLinkConnections_Get':
      return link ? single(serializeLink(link, ctx.serialize)) : notReached();
    case 'VpnLinkConnections_ResetConnection':
    case 'VpnLinkConnections_GetIkeSas':
      return link ? ctx.startAction(route, link) : notReached();
    default:
      return notReached();
  }
}

/** Finds the gateway / connection / link a route names, or ARM's 404 for the first one missing. */
function findUnder(
  rg: ResourceGroupNode,
  route: ArmRoute,
): { gateway: GatewayNode; connection?: ConnectionNode; link?: LinkNode } | { error: EmulatorResponse } {
  const gatewayName = route.gatewayName ?? '';
  const gateway = rg.gateways.get(gatewayName);
  const wantsConnection = route.connectionName !== undefined || route.operationId === 'VpnConnections_ListByVpnGateway';
  if (!gateway) {
    return { error: wantsConnection ? parentResourceNotFound(gatewayName) : resourceNotFound('Microsoft.Network/vpnGateways', gatewayName, rg.name) };
  }
  if (route.connectionName === undefined) return { gateway };
  const connection = gateway.connections.get(route.connectionName);
  const wantsLink = route.linkName !== undefined || route.operationId === 'VpnLinkConnections_ListByVpnConnection';
  if (!connection) {
    return {
      error: wantsLink
        ? parentResourceNotFound(route.connectionName)
        : resourceNotFound(`Microsoft.Network/vpnGateways/${gateway.name}/vpnConnections`, route.connectionName, rg.name),
    };
  }
  if (route.linkName === undefined) return { gateway, connection };
  const link = connection.links.get(route.linkName);
  if (!link) {
    return { error: resourceNotFound(`Microsoft.Network/vpnGateways/${gateway.name}/vpnConnections/${connection.name}/vpnLinkConnections`, route.linkName, rg.name) };
  }
  return { gateway, connection, link };
}

function notReached(): EmulatorResponse {
  return armError(500, 'InternalServerError', 'The emulator could not route this request.');
}
