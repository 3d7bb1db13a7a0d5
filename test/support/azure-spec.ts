/**
 * Microsoft's REST spec excerpt and example payloads, kept in this repository
 * (test/fixtures/azure-spec/; its README.md says where they come from and under what licence).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding vpnLinkConnections.swagger-excerpt.json and examples/. */
export const AZURE_SPEC_DIR = fileURLToPath(new URL('../fixtures/azure-spec/', import.meta.url));
/** Microsoft's example payloads (`{ parameters, responses }` files). */
export const AZURE_EXAMPLES_DIR = path.join(AZURE_SPEC_DIR, 'examples');

/** The path of one of Microsoft's example files, e.g. azureExample('VpnGatewayList.json'). */
export function azureExample(name: string): string {
  return path.join(AZURE_EXAMPLES_DIR, name);
}
