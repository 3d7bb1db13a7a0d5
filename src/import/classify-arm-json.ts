import { connectionKey, gatewayKey, linkKey, parseLinkId, resourceIdProblem } from '../arm/resource-id.js';
import { canonicalJson, NormaliseError, normaliseLink } from '../sync/normalise.js';
import { ImportInputError } from './import-input-error.js';

/** What an import file holds. */
export type ImportShape = 'link' | 'link-list' | 'connection' | 'connection-list' | 'gateway' | 'gateway-list';

/**
 * What a file of ARM JSON says: its link connections, and what it proves absent. Only whole
 * resources prove anything: a VPN connection's embedded `vpnLinkConnections` is all of its
 * links; a gateway's embedded `connections` is all of its connections; a complete list response
 * (no nextLink) is all the children of its one parent. A page (nextLink) says nothing about the
 * siblings of its items, and a bare array or a single link says nothing about anything else.
 */
export interface ImportPlan {
  shape: ImportShape;
  /** One line for messages: "a VpnGateways list (2 gateways, 2 connections, 2 link connections)". */
  description: string;
  /** The link connections' ARM JSON, in file order (already checked to normalise). */
  links: unknown[];
  /** Lower-cased ids of connections whose complete set of link connections the file holds. */
  completeConnections: Map<string, number>;
  /** Lower-cased ids of gateways whose complete set of connections the file holds. */
  completeGateways: Set<string>;
  /** Lower-cased ids of every connection the file shows. */
  presentConnections: Set<string>;
  /** Connections shown without their link connections (their links are left as they were). */
  connectionsWithoutLinks: string[];
  /** True when the file is one page of a longer listing (it has a nextLink). */
  paged: boolean;
  /** For Microsoft's example files: the operation they document. */
  operationId?: string | undefined;
  /** Each link's key, with where in the file it was first seen (to name both copies of a duplicate). */
  firstSeen: Map<string, { where: string; item: unknown }>;
}

/** What an import accepts, for "Expected …" messages. */
export const IMPORT_EXPECTED =
  'ARM JSON of VPN site link connections: a ListByVpnConnection response ({value, nextLink}), one link connection, a VPN connection or a list of them, or a VPN gateway or a list of them with embedded connections';

const CONNECTION_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/vpnGateways\/([^/]+)\/vpnConnections\/([^/]+)$/i;
const GATEWAY_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/vpnGateways\/([^/]+)$/i;

type Kind = 'link' | 'connection' | 'gateway';
const KIND_NAME: Record<Kind, string> = { link: 'link connection', connection: 'VPN connection', gateway: 'VPN gateway' };

// Normalising with a throwaway fingerprint checks every link before the database is opened,
// so bad input never leaves even an empty database behind.
const CHECK_ONLY = (): string => 'check';

/**
 * Works out what `value` (parsed JSON) is — unwrapping Microsoft's example files
 * (`{parameters, responses: {"200": {body}}}`) — and what it proves. Resource ids are the truth
 * (an embedded connection's `name` can disagree with its id). Throws ImportInputError naming
 * what was expected and what was found.
 */
export function classifyArmJson(value: unknown, label: string): ImportPlan {
  let body = value;
  let operationId: string | undefined;
  if (isObject(value) && isObject(value.responses) && ('parameters' in value || 'operationId' in value)) {
    operationId = typeof value.operationId === 'string' ? value.operationId : undefined;
    const ok = value.responses['200'];
    if (!isObject(ok) || !('body' in ok)) {
      throw new ImportInputError(`Expected ${IMPORT_EXPECTED}; got in ${label} a Microsoft example${operationId ? ` of ${operationId}` : ''} with no 200 response body (responses: ${Object.keys(value.responses).join(', ') || 'none'})`);
    }
    body = ok.body;
  }
  const plan = newPlan(operationId);
  const source = operationId ? `${label} (a Microsoft example of ${operationId})` : label;
  const found = (what: string) => new ImportInputError(`Expected ${IMPORT_EXPECTED}; got in ${source} ${what}`);

  let items: unknown[];
  let list: 'none' | 'response' | 'array';
  if (Array.isArray(body)) {
    items = body;
    list = 'array';
  } else if (isObject(body) && Array.isArray(body.value)) {
    items = body.value;
    list = 'response';
    plan.paged = typeof body.nextLink === 'string' && body.nextLink.trim() !== '';
  } else if (isObject(body)) {
    items = [body];
    list = 'none';
  } else {
    throw found(describeJson(body));
  }
  if (items.length === 0) {
    throw found(`an empty list: it does not say which connection or gateway it lists, so there is nothing to import`);
  }
  // Where each item is, for messages: value[3], [3], or the document itself.
  const at = (i: number): string => (list === 'response' ? `value[${i}]` : list === 'array' ? `[${i}]` : 'the document');
  items.forEach((item, i) => checkId(item, at(i), source));
  const kinds = items.map((item) => kindOf(item));
  const firstKind = kinds[0];
  const foreign = kinds.findIndex((k) => k === undefined);
  if (foreign !== -1 || firstKind === undefined) {
    const what = describeResource(items[foreign === -1 ? 0 : foreign]);
    throw found(list === 'none' ? what : `a list whose item ${foreign === -1 ? 0 : foreign} is ${what}`);
  }
  const kind: Kind = firstKind;
  const other = kinds.findIndex((k) => k !== kind);
  if (other !== -1) throw found(`a list mixing a ${KIND_NAME[kind]} (item 0) with a ${KIND_NAME[kinds[other] as Kind]} (item ${other})`);
  items.forEach((item, i) => rejectFlattened(item, kind, list === 'none' ? label : `${label}, item ${i}`));

  // Whether the list is all the children of one parent: an ARM list response without nextLink.
  // A bare array (jq output, a hand-made file) could have been filtered, so it proves nothing.
  const siblingsComplete = list === 'response' && !plan.paged;
  switch (kind) {
    case 'link': {
      plan.shape = list === 'none' ? 'link' : 'link-list';
      items.forEach((item, i) => addLink(plan, item, at(i), source));
      const parents = new Set(plan.links.map((l) => connectionKey(parseLinkId((l as { id: string }).id) as NonNullable<ReturnType<typeof parseLinkId>>)));
      const [parent] = parents;
      // ListByVpnConnection lists one connection; links of several cannot be its response.
      if (siblingsComplete && parents.size === 1 && parent !== undefined) plan.completeConnections.set(parent, plan.links.length);
      break;
    }
    case 'connection': {
      plan.shape = list === 'none' ? 'connection' : 'connection-list';
      items.forEach((item, i) => addConnection(plan, item, at(i), source));
      const gateways = new Set(items.map((c) => gatewayOfConnection((c as { id: string }).id)));
      const [gateway] = gateways;
      if (siblingsComplete && gateways.size === 1 && gateway !== undefined) plan.completeGateways.add(gateway);
      break;
    }
    case 'gateway': {
      plan.shape = list === 'none' ? 'gateway' : 'gateway-list';
      // A gateway list does not say which subscription or resource group it lists, so a gateway
      // missing from it proves nothing; each listed gateway's embedded connections do.
      items.forEach((item, i) => addGateway(plan, item, at(i), source));
      break;
    }
  }
  if (plan.links.length === 0 && plan.completeConnections.size === 0 && plan.completeGateways.size === 0) {
    throw found(`${describeShape(plan, items.length)} with no link connections embedded, so there is nothing to import`);
  }
  plan.description = describeShape(plan, items.length);
  return plan;
}

function newPlan(operationId: string | undefined): ImportPlan {
  return {
    shape: 'link',
    description: '',
    links: [],
    completeConnections: new Map(),
    completeGateways: new Set(),
    presentConnections: new Set(),
    connectionsWithoutLinks: [],
    paged: false,
    operationId,
    firstSeen: new Map(),
  };
}

/**
 * Refuses an item whose id breaks ARM's resource-id grammar (an empty, `.` or `..` segment,
 * percent-encoding: see resourceIdProblem) with a line naming where it is and why, before its
 * kind is even judged: such an id would send a later request to another resource's path.
 */
function checkId(item: unknown, where: string, source: string): void {
  if (!isObject(item) || typeof item.id !== 'string') return;
  const problem = resourceIdProblem(item.id.trim());
  if (problem !== undefined) {
    const shown = item.id.length > 300 ? `${item.id.slice(0, 300)}…` : item.id;
    throw new ImportInputError(`Expected the "id" of ${where} in ${source} to be an ARM resource id, got '${shown}': ${problem}`);
  }
}

/**
 * Adds a link to the plan, once. The same link twice (ids compare case-insensitively, as ARM's
 * do) is kept once when both copies say the same (a capture that repeats a page, say), and
 * refused, naming both places, when they differ: which copy is the truth cannot be guessed.
 */
function addLink(plan: ImportPlan, item: unknown, where: string, source: string): void {
  checkId(item, where, source);
  try {
    normaliseLink(item, CHECK_ONLY);
  } catch (e) {
    if (e instanceof NormaliseError) throw new ImportInputError(e.message, { cause: e });
    throw e;
  }
  const link = item as { id: string };
  const key = linkKey(link.id);
  const first = plan.firstSeen.get(key);
  if (first === undefined) {
    plan.firstSeen.set(key, { where, item });
    plan.links.push(item);
    return;
  }
  if (sameLink(first.item, item)) return;
  // Neither copy's data is quoted: it may hold a sharedKey.
  throw new ImportInputError(
    `Expected each link connection once in ${source}, got ${link.id.trim()} twice with different data, at ${first.where} and ${where} (ids compare case-insensitively, as ARM's do); keep the right copy and import again`,
  );
}

/** The same JSON apart from key order and the id's casing. */
function sameLink(a: unknown, b: unknown): boolean {
  const keyed = (x: unknown) => canonicalJson({ ...(x as Record<string, unknown>), id: linkKey((x as { id: string }).id) });
  return keyed(a) === keyed(b);
}

function addConnection(plan: ImportPlan, item: unknown, where: string, label: string): void {
  const conn = item as { id: string; properties?: unknown };
  const key = connectionKeyOf(conn.id);
  plan.presentConnections.add(key);
  const props = conn.properties;
  if (!isObject(props) || !('vpnLinkConnections' in props) || props.vpnLinkConnections === null) {
    // No embedded list (e.g. a connection to a site without links): nothing is learnt about
    // this connection's links, so none of them may be taken as deleted.
    plan.connectionsWithoutLinks.push(key);
    return;
  }
  if (!Array.isArray(props.vpnLinkConnections)) {
    throw new ImportInputError(`Expected properties.vpnLinkConnections of ${conn.id} in ${label} to be an array, got ${describeJson(props.vpnLinkConnections)}`);
  }
  props.vpnLinkConnections.forEach((link: unknown, j) => {
    const at = `${where}.properties.vpnLinkConnections[${j}]`;
    checkId(link, at, label);
    const id = isObject(link) && typeof link.id === 'string' ? link.id : undefined;
    const parts = id === undefined ? undefined : parseLinkId(id);
    if (!parts) addLink(plan, link, at, label); // throws, naming what is wrong with it
    else if (connectionKey(parts) !== key) {
      throw new ImportInputError(`Expected the link connections embedded in ${conn.id} to belong to it, got ${id ?? ''} in ${label}`);
    } else addLink(plan, link, at, label);
  });
  plan.completeConnections.set(key, props.vpnLinkConnections.length);
}

function addGateway(plan: ImportPlan, item: unknown, where: string, label: string): void {
  const gw = item as { id: string; properties?: unknown };
  const m = GATEWAY_ID.exec(gw.id.trim()) as RegExpExecArray;
  const key = gatewayKey({ subscriptionId: m[1] as string, resourceGroupName: m[2] as string, gatewayName: m[3] as string });
  const props = gw.properties;
  if (!isObject(props) || !('connections' in props) || props.connections === null) return;
  if (!Array.isArray(props.connections)) {
    throw new ImportInputError(`Expected properties.connections of ${gw.id} in ${label} to be an array, got ${describeJson(props.connections)}`);
  }
  for (const [j, conn] of props.connections.entries()) {
    const at = `${where}.properties.connections[${j}]`;
    checkId(conn, at, label);
    const id = isObject(conn) && typeof conn.id === 'string' ? conn.id : undefined;
    if (id === undefined || !CONNECTION_ID.test(id.trim())) {
      throw new ImportInputError(`Expected each of properties.connections of ${gw.id} in ${label} to be a VPN connection with its id, got ${describeResource(conn)}`);
    }
    if (gatewayOfConnection(id) !== key) throw new ImportInputError(`Expected the connections embedded in ${gw.id} to belong to it, got ${id} in ${label}`);
    rejectFlattened(conn, 'connection', label);
    addConnection(plan, conn, at, label);
  }
  plan.completeGateways.add(key);
}

function connectionKeyOf(id: string): string {
  const m = CONNECTION_ID.exec(id.trim()) as RegExpExecArray;
  return connectionKey({ subscriptionId: m[1] as string, resourceGroupName: m[2] as string, gatewayName: m[3] as string, connectionName: m[4] as string });
}

function gatewayOfConnection(id: string): string {
  const m = CONNECTION_ID.exec(id.trim()) as RegExpExecArray;
  return gatewayKey({ subscriptionId: m[1] as string, resourceGroupName: m[2] as string, gatewayName: m[3] as string });
}

/** What an item is, judged by its id (ids are what ARM routes on; `type` spellings vary). */
function kindOf(item: unknown): Kind | undefined {
  if (!isObject(item) || typeof item.id !== 'string') return undefined;
  const id = item.id.trim();
  if (parseLinkId(id)) return 'link';
  if (CONNECTION_ID.test(id)) return 'connection';
  if (GATEWAY_ID.test(id)) return 'gateway';
  return undefined;
}

/**
 * The Azure CLI's own commands (`az network vpn-gateway show`) print resources with
 * `properties` flattened into the top level; read as ARM JSON every field would be NULL.
 */
function rejectFlattened(item: unknown, kind: Kind, where: string): void {
  if (!isObject(item) || 'properties' in item) return;
  const marker = kind === 'link' ? ['connectionStatus', 'provisioningState', 'vpnSiteLink'] : kind === 'connection' ? ['vpnLinkConnections', 'provisioningState'] : ['connections', 'provisioningState'];
  if (marker.some((m) => m in item)) {
    throw new ImportInputError(
      `Expected ARM JSON with a "properties" object, got a ${KIND_NAME[kind]} with its properties at the top level in ${where} (the Azure CLI's own commands print that form); capture it with az rest --method get --url … instead`,
    );
  }
}

function describeShape(plan: ImportPlan, items: number): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const links = n(plan.links.length, 'link connection');
  const page = plan.paged ? ', one page: it has a nextLink' : '';
  const op = plan.operationId ? `${plan.operationId} example` : undefined;
  switch (plan.shape) {
    case 'link':
      return op ? `a ${op} (1 link connection)` : 'a link connection';
    case 'link-list':
      return `${op ? `a ${op}` : 'a link connection list'} (${links}${page})`;
    case 'connection':
      return `${op ? `a ${op}` : 'a VPN connection'} (${links})`;
    case 'connection-list':
      return `${op ? `a ${op}` : 'a VPN connection list'} (${n(items, 'connection')}, ${links}${page})`;
    case 'gateway':
      return `${op ? `a ${op}` : 'a VPN gateway'} (${n(plan.presentConnections.size, 'connection')}, ${links})`;
    case 'gateway-list':
      return `${op ? `a ${op}` : 'a VPN gateway list'} (${n(items, 'gateway')}, ${n(plan.presentConnections.size, 'connection')}, ${links}${page})`;
  }
}

function describeResource(item: unknown): string {
  if (!isObject(item)) return describeJson(item);
  const type = typeof item.type === 'string' ? item.type : undefined;
  const id = typeof item.id === 'string' ? item.id : undefined;
  if (id === undefined) return `an object without an "id" (keys: ${Object.keys(item).slice(0, 6).join(', ') || 'none'})`;
  const shortId = id.length > 140 ? `${id.slice(0, 140)}…` : id;
  return `${type ? `a ${type}` : 'a resource'} with id ${shortId}, which is not a VPN gateway, VPN connection or link connection`;
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return 'a JSON string';
  if (typeof v === 'object') return `an object (keys: ${Object.keys(v as object).slice(0, 6).join(', ') || 'none'})`;
  return `a JSON ${typeof v}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
