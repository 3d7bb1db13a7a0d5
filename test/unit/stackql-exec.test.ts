import { describe, expect, it } from 'vitest';
import { ExecSyntaxError, parseExecStatement } from '../../src/queue/stackql-exec.js';
import { decodeIkeSaPayload } from '../../src/queue/ike-sa-payload.js';

const PARAMS = "@connectionName='conn1', @gatewayName='gw1', @linkConnectionName='link1', @resourceGroupName='rg1', @subscriptionId='00000000-0000-0000-0000-000000000001'";
const PARTS = { connectionName: 'conn1', gatewayName: 'gw1', linkConnectionName: 'link1', resourceGroupName: 'rg1', subscriptionId: '00000000-0000-0000-0000-000000000001' };

describe('parseExecStatement', () => {
  it('reads both StackQL EXEC methods, any case, optional AWAIT hint and semicolon', () => {
    expect(parseExecStatement(`EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection ${PARAMS}`)).toEqual({ kind: 'reset', parts: PARTS });
    expect(parseExecStatement(`exec /*+ AWAIT */ azure.network.vpn_link_connections.vpnlinkconnections_getikesas ${PARAMS};`)).toEqual({ kind: 'ike-sas', parts: PARTS });
  });

  it('accepts parameters in any order and doubled quotes', () => {
    const s = `EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection @subscriptionId="s", @resourceGroupName='it''s', @gatewayName='g', @connectionName='c', @linkConnectionName='l'`;
    expect(parseExecStatement(s).parts).toEqual({ subscriptionId: 's', resourceGroupName: "it's", gatewayName: 'g', connectionName: 'c', linkConnectionName: 'l' });
  });

  it.each([
    ['SELECT * FROM azure.network.vpn_link_connections', /Expected a StackQL statement starting with EXEC/],
    [`EXEC azure.network.vpn_gateways.VpnLinkConnections_ResetConnection ${PARAMS}`, /Expected the resource azure\.network\.vpn_link_connections, got 'azure\.network\.vpn_gateways'/],
    [`EXEC azure.network.vpn_link_connections.Delete ${PARAMS}`, /Expected the method VpnLinkConnections_ResetConnection or VpnLinkConnections_GetIkeSas, got 'Delete'/],
    [`EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection @gatewayName='g'`, /missing required parameters @subscriptionId, @resourceGroupName, @connectionName, @linkConnectionName/],
    [`EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection ${PARAMS}, @force='1'`, /Unknown parameter @force/],
    [`EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection ${PARAMS}, @gatewayName='x'`, /Parameter @gatewayName is given twice/],
    [`EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection @gatewayName=g`, /Expected @name='value' parameters/],
  ])('refuses %s', (statement, message) => {
    expect(() => parseExecStatement(statement)).toThrow(ExecSyntaxError);
    expect(() => parseExecStatement(statement)).toThrow(message);
  });
});

describe('decodeIkeSaPayload', () => {
  it("decodes Microsoft's example, a JSON string with quotes around unescaped JSON", () => {
    expect(decodeIkeSaPayload('"{"Status":"Successful","Data":null}"')).toEqual({ raw: '"{"Status":"Successful","Data":null}"', parsed: '{"Status":"Successful","Data":null}' });
  });
  it('decodes doubly encoded JSON and keeps non-JSON as raw only', () => {
    const inner = JSON.stringify({ localEndpoint: '10.0.0.4', ikeSas: [{ state: 'Established' }] });
    expect(decodeIkeSaPayload(JSON.stringify(inner)).parsed).toBe(inner);
    expect(decodeIkeSaPayload(inner).parsed).toBe(inner);
    expect(decodeIkeSaPayload('not json')).toEqual({ raw: 'not json', parsed: null });
  });
});
