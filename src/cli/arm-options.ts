import type { Argv } from 'yargs';
import type { ArmClient } from '../arm/arm-client.js';
import { DEFAULT_ARM_ENDPOINT } from '../arm/endpoints.js';
import { ARM_READ_BUCKET, readBudgetFor, SOVEREIGN_READ_BUCKET } from '../arm/token-bucket.js';
import { UsageError } from './errors.js';
import { armEndpoint, integerIn, matching, numberIn, positiveNumber, NUMERIC } from './validate.js';

/**
 * Default Microsoft.Network api-version: 2026-07-01, the stable (GA) version the spec excerpt in
 * azure-spec/ is taken from, which has all 22 fields. Older stable versions also work (--api-version).
 */
export const DEFAULT_API_VERSION = '2026-07-01';

/** Default of --request-timeout: DEFAULT_REQUEST_TIMEOUT_MS of the ARM client (not imported: --help loads no Azure SDK). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
/** Accepted range of --request-timeout, in seconds. */
export const REQUEST_TIMEOUT_RANGE = [1, 3600] as const;
/** Largest --read-bucket. */
export const MAX_READ_BUCKET = 1_000_000;

/** The options of commands that call ARM. */
export interface ArmArgs {
  'api-version'?: string | undefined;
  'arm-endpoint'?: string | undefined;
  /** Seconds. */
  'request-timeout'?: number | undefined;
  /** Reads the pacer lets through at once per subscription. */
  'read-bucket'?: number | undefined;
  /** Reads per second the pacer gets back per subscription. */
  'read-refill'?: number | undefined;
}

/** Adds --api-version, --arm-endpoint, --request-timeout and the read budget (--read-bucket, --read-refill) to a command. */
export function withArmOptions<T>(y: Argv<T>): Argv<T & ArmArgs> {
  return y
    .option('api-version', { type: 'string', describe: `Microsoft.Network api-version (default ${DEFAULT_API_VERSION})`, coerce: matching('--api-version', /^\d{4}-\d{2}-\d{2}(-preview)?$/, 'a date-like api-version such as 2026-07-01') })
    .option('arm-endpoint', { type: 'string', describe: `ARM endpoint: https, or http to 127.0.0.1/::1/localhost only (env VPNSYNC_ARM_ENDPOINT, default ${DEFAULT_ARM_ENDPOINT})`, coerce: armEndpoint('--arm-endpoint') })
    .option('request-timeout', {
      ...NUMERIC,
      describe: `Seconds an ARM request (its whole answer) may take before it is abandoned and retried, ${REQUEST_TIMEOUT_RANGE[0]}-${REQUEST_TIMEOUT_RANGE[1]} (default ${DEFAULT_REQUEST_TIMEOUT_SECONDS})`,
      coerce: numberIn('--request-timeout', ...REQUEST_TIMEOUT_RANGE),
    })
    .option('read-bucket', {
      ...NUMERIC,
      describe: `Reads sent at once per subscription before pacing, 1-${MAX_READ_BUCKET} (default ${ARM_READ_BUCKET.capacity}, ARM's bucket; ${SOVEREIGN_READ_BUCKET.capacity} on the US Government and China clouds, whose limit is hourly)`,
      coerce: integerIn('--read-bucket', 1, MAX_READ_BUCKET),
    })
    .option('read-refill', {
      ...NUMERIC,
      describe: `Reads per second per subscription once the bucket is spent (default ${ARM_READ_BUCKET.refillPerSecond}; ${Math.round(SOVEREIGN_READ_BUCKET.refillPerSecond * 100) / 100} on the US Government and China clouds)`,
      coerce: positiveNumber('--read-refill'),
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
    pacing: readBudget(argv, endpoint),
  });
}

/** The pacer's budget: the endpoint's cloud's, with --read-bucket and --read-refill over it. */
export function readBudget(argv: Pick<ArmArgs, 'read-bucket' | 'read-refill'>, endpoint: string): { capacity: number; refillPerSecond: number } {
  const budget = readBudgetFor(endpoint);
  return { capacity: argv['read-bucket'] ?? budget.capacity, refillPerSecond: argv['read-refill'] ?? budget.refillPerSecond };
}
