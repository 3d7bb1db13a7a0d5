import type { ActionKind } from '../store/schema.js';
import type { LinkIdParts } from '../arm/resource-id.js';

/** The StackQL resource whose EXEC methods vpnsync queues. */
export const STACKQL_RESOURCE = 'azure.network.vpn_link_connections';

/** StackQL method name (the operationId) → action kind. */
export const EXEC_METHODS: Record<string, ActionKind> = {
  vpnlinkconnections_resetconnection: 'reset',
  vpnlinkconnections_getikesas: 'ike-sas',
};

const REQUIRED = ['subscriptionId', 'resourceGroupName', 'gatewayName', 'connectionName', 'linkConnectionName'] as const;

/** A parsed StackQL EXEC statement: which action, on which link. */
export interface ExecStatement {
  kind: ActionKind;
  parts: LinkIdParts;
}

/** A statement that is not a supported StackQL EXEC; the message says what was expected. */
export class ExecSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecSyntaxError';
  }
}

/**
 * Parses `EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection
 * @connectionName='…', @gatewayName='…', @linkConnectionName='…', @resourceGroupName='…',
 * @subscriptionId='…'` (or `…_GetIkeSas`), as StackQL accepts it: any parameter order, single or
 * double quotes (doubled to escape), an optional `/*+ AWAIT *\/` hint and trailing semicolon.
 */
export function parseExecStatement(text: string): ExecStatement {
  const src = text.trim().replace(/;\s*$/, '');
  const head = /^exec(?:ute)?\s+(?:\/\*\+\s*await\s*\*\/\s*)?([a-z0-9_.]+)\s*/i.exec(src);
  if (!head) throw new ExecSyntaxError(`Expected a StackQL statement starting with EXEC ${STACKQL_RESOURCE}.<method>, got '${abbreviate(src)}'`);
  const qualified = head[1] as string;
  const dot = qualified.lastIndexOf('.');
  const resource = qualified.slice(0, dot).toLowerCase();
  const method = qualified.slice(dot + 1);
  if (resource !== STACKQL_RESOURCE) throw new ExecSyntaxError(`Expected the resource ${STACKQL_RESOURCE}, got '${qualified.slice(0, dot)}'`);
  const kind = EXEC_METHODS[method.toLowerCase()];
  if (!kind) throw new ExecSyntaxError(`Expected the method VpnLinkConnections_ResetConnection or VpnLinkConnections_GetIkeSas, got '${method}'`);

  const params = new Map<string, string>();
  let rest = src.slice(head[0].length);
  const param = /^@([a-z0-9_]+)\s*=\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)")\s*(,\s*)?/i;
  while (rest.length > 0) {
    const m = param.exec(rest);
    if (!m) throw new ExecSyntaxError(`Expected @name='value' parameters, got '${abbreviate(rest)}'`);
    const name = m[1] as string;
    const canonical = REQUIRED.find((r) => r.toLowerCase() === name.toLowerCase());
    if (!canonical) throw new ExecSyntaxError(`Unknown parameter @${name}; ${method} takes ${REQUIRED.map((r) => `@${r}`).join(', ')}`);
    if (params.has(canonical)) throw new ExecSyntaxError(`Parameter @${canonical} is given twice`);
    const value = m[2] !== undefined ? m[2].replace(/''/g, "'") : (m[3] as string).replace(/""/g, '"');
    if (value.trim() === '') throw new ExecSyntaxError(`Parameter @${canonical} is empty`);
    params.set(canonical, value);
    rest = rest.slice(m[0].length);
    if (!m[4] && rest.length > 0) throw new ExecSyntaxError(`Expected a comma between parameters, got '${abbreviate(rest)}'`);
  }
  const missing = REQUIRED.filter((r) => !params.has(r));
  if (missing.length > 0) throw new ExecSyntaxError(`${method} is missing required parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `@${m}`).join(', ')}`);
  return {
    kind,
    parts: {
      subscriptionId: params.get('subscriptionId') as string,
      resourceGroupName: params.get('resourceGroupName') as string,
      gatewayName: params.get('gatewayName') as string,
      connectionName: params.get('connectionName') as string,
      linkConnectionName: params.get('linkConnectionName') as string,
    },
  };
}

function abbreviate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
