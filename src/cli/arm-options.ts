import type { Argv } from 'yargs';
import type { ArmClient } from '../arm/arm-client.js';
import { DEFAULT_ARM_ENDPOINT } from '../arm/endpoints.js';
import { armEndpoint, matching } from './validate.js';

/**
 * Default Microsoft.Network api-version: 2026-07-01, the stable (GA) version the spec excerpt in
 * azure-spec/ is taken from, which has all 22 fields. Older stable versions also work (--api-version).
 */
export const DEFAULT_API_VERSION = '2026-07-01';

/** The options of commands that call ARM. */
export interface ArmArgs {
  'api-version'?: string | undefined;
  'arm-endpoint'?: string | undefined;
}

/** Adds --api-version and --arm-endpoint to a command. */
export function withArmOptions<T>(y: Argv<T>): Argv<T & ArmArgs> {
  return y
    .option('api-version', { type: 'string', describe: `Microsoft.Network api-version (default ${DEFAULT_API_VERSION})`, coerce: matching('--api-version', /^\d{4}-\d{2}-\d{2}(-preview)?$/, 'a date-like api-version such as 2026-07-01') })
    .option('arm-endpoint', { type: 'string', describe: `ARM endpoint (env VPNSYNC_ARM_ENDPOINT, default ${DEFAULT_ARM_ENDPOINT})`, coerce: armEndpoint('--arm-endpoint') }) as unknown as Argv<T & ArmArgs>;
}

/**
 * An ArmClient for the command's flags and environment, authenticated with DefaultAzureCredential.
 * The Azure SDK is loaded here, not at start-up: commands that stay offline start twice as fast.
 */
export async function armClientFor(argv: ArmArgs, log: (line: string) => void): Promise<ArmClient> {
  const [{ ArmClient }, { createArmCredential }] = await Promise.all([import('../arm/arm-client.js'), import('../arm/credential.js')]);
  const endpoint = argv['arm-endpoint'] ?? armEndpoint('VPNSYNC_ARM_ENDPOINT')(process.env.VPNSYNC_ARM_ENDPOINT?.trim() || undefined) ?? DEFAULT_ARM_ENDPOINT;
  return new ArmClient({ endpoint, credential: createArmCredential(), apiVersion: argv['api-version'] ?? DEFAULT_API_VERSION, log });
}
