import type { Argv } from 'yargs';
import type { ArmClient } from '../arm/arm-client.js';
import { DEFAULT_ARM_ENDPOINT } from '../arm/endpoints.js';
import { UsageError } from './errors.js';
import { armEndpoint, matching, numberIn } from './validate.js';

/**
 * Default Microsoft.Network api-version: 2026-07-01, the stable (GA) version the spec excerpt in
 * azure-spec/ is taken from, which has all 22 fields. Older stable versions also work (--api-version).
 */
export const DEFAULT_API_VERSION = '2026-07-01';

/** Default of --request-timeout: DEFAULT_REQUEST_TIMEOUT_MS of the ARM client (not imported: --help loads no Azure SDK). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
/** Accepted range of --request-timeout, in seconds. */
export const REQUEST_TIMEOUT_RANGE = [1, 3600] as const;

/** The options of commands that call ARM. */
export interface ArmArgs {
  'api-version'?: string | undefined;
  'arm-endpoint'?: string | undefined;
  /** Seconds. */
  'request-timeout'?: number | undefined;
}

/** Adds --api-version, --arm-endpoint and --request-timeout to a command. */
export function withArmOptions<T>(y: Argv<T>): Argv<T & ArmArgs> {
  return y
    .option('api-version', { type: 'string', describe: `Microsoft.Network api-version (default ${DEFAULT_API_VERSION})`, coerce: matching('--api-version', /^\d{4}-\d{2}-\d{2}(-preview)?$/, 'a date-like api-version such as 2026-07-01') })
    .option('arm-endpoint', { type: 'string', describe: `ARM endpoint: https, or http to 127.0.0.1/::1/localhost only (env VPNSYNC_ARM_ENDPOINT, default ${DEFAULT_ARM_ENDPOINT})`, coerce: armEndpoint('--arm-endpoint') })
    .option('request-timeout', {
      type: 'string',
      describe: `Seconds an ARM request (its whole answer) may take before it is abandoned and retried, ${REQUEST_TIMEOUT_RANGE[0]}-${REQUEST_TIMEOUT_RANGE[1]} (default ${DEFAULT_REQUEST_TIMEOUT_SECONDS})`,
      coerce: numberIn('--request-timeout', ...REQUEST_TIMEOUT_RANGE),
    }) as unknown as Argv<T & ArmArgs>;
}

/**
 * An ArmClient for the command's flags and environment, authenticated with DefaultAzureCredential.
 * The Azure SDK is loaded here, not at start-up: commands that stay offline start twice as fast.
 */
export async function armClientFor(argv: ArmArgs, log: (line: string) => void): Promise<ArmClient> {
  const [{ ArmClient }, { createArmCredential, CredentialConfigError }] = await Promise.all([import('../arm/arm-client.js'), import('../arm/credential.js')]);
  const endpoint = argv['arm-endpoint'] ?? armEndpoint('VPNSYNC_ARM_ENDPOINT')(process.env.VPNSYNC_ARM_ENDPOINT?.trim() || undefined) ?? DEFAULT_ARM_ENDPOINT;
  const timeout = argv['request-timeout'];
  let credential;
  try {
    credential = createArmCredential();
  } catch (e) {
    if (e instanceof CredentialConfigError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
  return new ArmClient({
    endpoint,
    credential,
    apiVersion: argv['api-version'] ?? DEFAULT_API_VERSION,
    log,
    ...(timeout !== undefined ? { requestTimeoutMs: Math.round(timeout * 1000) } : {}),
  });
}
