import { existsSync, statSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { Emulator, EmulatorOptions } from '../../emulator/index.js';
import { parseFaultSpec, type FaultRule } from '../../emulator/faults.js';
import { LRO_POLLING_MODES, type LroPolling } from '../../emulator/lro.js';
import { SUBSCRIPTION_STATES, type SubscriptionState } from '../../emulator/subscription-states.js';
import { UsageError } from '../errors.js';
import { integerIn, numberIn, NUMERIC } from '../validate.js';
import { DEFAULT_WITHOUT_EMBEDDED_LINKS } from '../../emulator/fleet-generator.js';

/** Parsed `vpnsync emulator` arguments (numbers already validated by the coerce functions). */
export interface EmulatorArgs {
  port?: number | undefined;
  seed?: number | undefined;
  subscriptions?: number | undefined;
  resourceGroups?: number | undefined;
  gateways?: number | undefined;
  connections?: number | undefined;
  links?: number | undefined;
  withoutEmbeddedLinks?: number | undefined;
  fleetFile?: string | undefined;
  pageSize?: number | undefined;
  http?: boolean | undefined;
  certDir?: string | undefined;
  latencyMs?: number | undefined;
  jitterMs?: number | undefined;
  throttle?: boolean | undefined;
  readCapacity?: number | undefined;
  readRefill?: number | undefined;
  writeCapacity?: number | undefined;
  writeRefill?: number | undefined;
  networkReadLimit?: number | undefined;
  otherReadsPerSecond?: number | undefined;
  retryAfterFormat?: 'seconds' | 'http-date' | undefined;
  lroPolls?: number | undefined;
  lroSeconds?: number | undefined;
  retryAfter?: number | undefined;
  mutateEvery?: number | undefined;
  returnSharedKeys?: boolean | undefined;
  lroPolling?: LroPolling | undefined;
  ikeSasBody?: 'json-string' | 'bare' | undefined;
  subscriptionState?: Record<string, SubscriptionState> | undefined;
  fault?: FaultRule[] | undefined;
  verbose?: boolean | undefined;
}

/** What the handler needs from the outside world (replaced in tests). */
export interface EmulatorCommandDeps {
  start: (options: EmulatorOptions) => Promise<Emulator>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Resolves when the emulator should stop (default: SIGINT or SIGTERM). */
  waitForStop: () => Promise<string>;
}

/** --cert-dir, refused when it names something other than a directory (mkdir said only EEXIST). */
function certDirectory(dir: string): string {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`Expected --cert-dir to be a directory (created if missing), got the file ${dir}`);
  return dir;
}

/** A yargs `coerce` for the repeatable --fault KIND[=VALUE]:MATCH[:RATE[:COUNT]]. */
function faultSpecs(value: unknown): FaultRule[] | undefined {
  if (value === undefined) return undefined;
  const specs = (Array.isArray(value) ? value : [value]).map(String);
  return specs.map((spec) => {
    try {
      return parseFaultSpec(spec, '--fault');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
}

/** A yargs `coerce` for the repeatable --subscription-state ID=STATE. */
function subscriptionStates(value: unknown): Record<string, SubscriptionState> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, SubscriptionState> = {};
  for (const spec of (Array.isArray(value) ? value : [value]).map(String)) {
    const [id = '', stateText = ''] = spec.split('=');
    const state = SUBSCRIPTION_STATES.find((s) => s.toLowerCase() === stateText.toLowerCase());
    if (!/^[0-9a-f-]{36}$/i.test(id) || !state) {
      throw new UsageError(`Expected --subscription-state to look like SUBSCRIPTION_ID=STATE with STATE one of ${SUBSCRIPTION_STATES.join(', ')}, got '${spec}'`);
    }
    out[id.toLowerCase()] = state;
  }
  return out;
}

/** Turns parsed arguments into startEmulator options (pure; validated values in, options out). */
export function emulatorOptionsFromArgs(args: EmulatorArgs): EmulatorOptions {
  const options: EmulatorOptions = {};
  if (args.port !== undefined) options.port = args.port;
  if (args.seed !== undefined) options.seed = args.seed;
  const size: NonNullable<EmulatorOptions['size']> = {};
  if (args.subscriptions !== undefined) size.subscriptions = args.subscriptions;
  if (args.resourceGroups !== undefined) size.resourceGroupsPerSubscription = args.resourceGroups;
  if (args.gateways !== undefined) size.gatewaysPerResourceGroup = args.gateways;
  if (args.connections !== undefined) size.connectionsPerGateway = args.connections;
  if (args.links !== undefined) size.linksPerConnection = args.links;
  if (Object.keys(size).length > 0) {
    if (args.fleetFile !== undefined) throw new UsageError('Expected either --fleet-file or fleet sizes (--subscriptions, --resource-groups, --gateways, --connections, --links), got both');
    options.size = size;
  }
  if (args.withoutEmbeddedLinks !== undefined) {
    if (args.fleetFile !== undefined) throw new UsageError('Expected either --fleet-file or --without-embedded-links (a loaded fleet keeps the shape of its file), got both');
    options.withoutEmbeddedLinks = args.withoutEmbeddedLinks;
  }
  if (args.fleetFile !== undefined) options.fleetFile = args.fleetFile;
  if (args.pageSize !== undefined) options.pageSize = args.pageSize;
  if (args.http) options.protocol = 'http';
  if (args.certDir !== undefined) {
    if (args.http) throw new UsageError('Expected either --http or --cert-dir (plain HTTP needs no certificate), got both');
    options.certDir = certDirectory(args.certDir);
  }
  if (args.latencyMs !== undefined || args.jitterMs !== undefined) {
    options.latency = { fixedMs: args.latencyMs ?? 0, jitterMs: args.jitterMs ?? 0 };
  }
  const bucket = {
    readCapacity: args.readCapacity,
    readRefillPerSecond: args.readRefill,
    writeCapacity: args.writeCapacity,
    writeRefillPerSecond: args.writeRefill,
    networkReadsPer5Minutes: args.networkReadLimit,
    otherReadsPerSecond: args.otherReadsPerSecond,
  };
  const bucketSet = Object.entries(bucket).filter(([, v]) => v !== undefined);
  if (args.throttle === false) {
    if (bucketSet.length > 0) throw new UsageError('Expected either --no-throttle or bucket settings (--read-capacity, --read-refill, --write-capacity, --write-refill, --network-read-limit, --other-reads-per-second), got both');
    options.throttle = false;
  } else if (bucketSet.length > 0) {
    options.throttle = Object.fromEntries(bucketSet) as EmulatorOptions['throttle'];
  }
  if (args.retryAfterFormat !== undefined) options.retryAfterFormat = args.retryAfterFormat;
  const lro: NonNullable<EmulatorOptions['lro']> = {};
  if (args.lroPolls !== undefined) lro.polls = args.lroPolls;
  if (args.lroSeconds !== undefined) lro.seconds = args.lroSeconds;
  if (args.retryAfter !== undefined) lro.retryAfterSeconds = args.retryAfter;
  if (args.lroPolling !== undefined) lro.polling = args.lroPolling;
  if (args.ikeSasBody !== undefined) lro.ikeSasBody = args.ikeSasBody;
  if (Object.keys(lro).length > 0) options.lro = lro;
  if (args.mutateEvery !== undefined) options.mutateEveryMs = Math.round(args.mutateEvery * 1000);
  if (args.returnSharedKeys) options.returnSharedKeys = true;
  if (args.subscriptionState) options.subscriptionStates = args.subscriptionState;
  if (args.fault && args.fault.length > 0) options.faults = args.fault;
  // A long-running emulator must not grow without bound: keep the last 100k mutations.
  options.mutationLogLimit = 100_000;
  return options;
}

/** The lines `vpnsync emulator` prints on stdout: comments with the URL and CA, then `export` lines (so the output can be sourced). */
export function describeEmulator(emulator: Emulator): string {
  const lines = [
    `# vpnsync ARM emulator: ${emulator.url}`,
    `# Entra authority host: ${emulator.authorityHost} (tenant ${emulator.tenantId})`,
    emulator.caCertPath ? `# CA certificate: ${emulator.caCertPath}` : '# Plain HTTP: no CA certificate (the Azure SDK token credentials need https)',
    `# Test hooks: ${emulator.url}/_emulator/stats, /_emulator/tick, /_emulator/links, /_emulator/throttle (other principals)`,
    '# Point vpnsync (or any Azure SDK client) at it:',
    ...Object.entries(emulator.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

const DEFAULT_DEPS: EmulatorCommandDeps = {
  // Loaded when the command runs, not at start-up: other commands need no emulator.
  start: async (options) => (await import('../../emulator/index.js')).startEmulator(options),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  waitForStop: waitForSignal,
};

/** Builds the `vpnsync emulator` command; `deps` replace the server, streams and signal wait in tests. */
export function createEmulatorCommand(deps: Partial<EmulatorCommandDeps> = {}): CommandModule<object, EmulatorArgs> {
  const d = { ...DEFAULT_DEPS, ...deps };
  return {
    command: 'emulator',
    describe: 'Run the local ARM + Entra emulator (Virtual WAN link connections) until interrupted',
    builder: (y: Argv) =>
      y
        .usage('vpnsync emulator [options]\n\nServes a generated (or loaded) Virtual WAN fleet on 127.0.0.1 over HTTPS, with a token service,\npaging, throttling, long-running actions and injectable faults. Prints the environment lines to use it.')
        .option('port', { ...NUMERIC, describe: 'Port on 127.0.0.1 (0 = any free port)', default: 0, coerce: integerIn('--port', 0, 65535) })
        .option('seed', { ...NUMERIC, describe: 'Seed of the fleet, its mutations and fault rolls', default: 1, coerce: integerIn('--seed', 0, 2 ** 31 - 1) })
        .option('subscriptions', { ...NUMERIC, describe: 'Subscriptions in the generated fleet (default 2)', coerce: integerIn('--subscriptions', 1, 1000) })
        .option('resource-groups', { ...NUMERIC, describe: 'Resource groups per subscription (default 2)', coerce: integerIn('--resource-groups', 1, 1000) })
        .option('gateways', { ...NUMERIC, describe: 'VPN gateways per resource group (default 2)', coerce: integerIn('--gateways', 1, 1000) })
        .option('connections', { ...NUMERIC, describe: 'VPN connections per gateway (default 5)', coerce: integerIn('--connections', 1, 100000) })
        .option('links', { ...NUMERIC, describe: 'Link connections per connection, 1–4; a fraction is an average (default 2.5)', coerce: numberIn('--links', 1, 4) })
        .option('without-embedded-links', { ...NUMERIC, describe: `Share (0–1) of generated VPN connections that gateway listings show without their vpnLinkConnections, as real ARM does (default ${DEFAULT_WITHOUT_EMBEDDED_LINKS}, at least one; 0 = none)`, coerce: numberIn('--without-embedded-links', 0, 1) })
        .option('fleet-file', { type: 'string', describe: 'Serve this JSON fleet instead of generating one (Microsoft example files, {value:[...]} lists, GET /_emulator/fleet output)' })
        .option('page-size', { ...NUMERIC, describe: 'Items per page of every list (default 5)', coerce: integerIn('--page-size', 1, 1000) })
        .option('http', { type: 'boolean', describe: 'Plain HTTP instead of HTTPS (the Azure SDK token credentials refuse it)' })
        .option('cert-dir', { type: 'string', describe: 'Directory for the CA and server certificate; reused if it holds them (default: a new temp dir)' })
        .option('latency-ms', { ...NUMERIC, describe: 'Fixed latency added to every ARM response', coerce: integerIn('--latency-ms', 0, 600000) })
        .option('jitter-ms', { ...NUMERIC, describe: 'Random extra latency, 0 to this many ms', coerce: integerIn('--jitter-ms', 0, 600000) })
        .option('throttle', { type: 'boolean', describe: "ARM throttling (token buckets per principal and subscription, each subscription's global bucket, tenant reads, Microsoft.Network reads); --no-throttle turns it off", default: true })
        .option('read-capacity', { ...NUMERIC, describe: 'Read bucket size per principal and subscription (default 250; global and tenant buckets follow)', coerce: integerIn('--read-capacity', 1, 1000000) })
        .option('read-refill', { ...NUMERIC, describe: 'Read tokens added per second (default 25)', coerce: numberIn('--read-refill', 0.001, 1000000) })
        .option('write-capacity', { ...NUMERIC, describe: 'Action (POST) bucket size per subscription (default 200)', coerce: integerIn('--write-capacity', 1, 1000000) })
        .option('write-refill', { ...NUMERIC, describe: 'Action tokens added per second (default 10)', coerce: numberIn('--write-refill', 0.001, 1000000) })
        .option('network-read-limit', { ...NUMERIC, describe: 'Microsoft.Network reads per subscription and region per 5 minutes (default 10000)', coerce: integerIn('--network-read-limit', 1, 100000000) })
        .option('other-reads-per-second', { ...NUMERIC, describe: "Other principals' reads per second on each subscription's global read bucket (default 0; less than 15 x --read-refill)", coerce: numberIn('--other-reads-per-second', 0, 15000000) })
        .option('retry-after-format', { choices: ['seconds', 'http-date'] as const, describe: 'How 429 answers give Retry-After: seconds (default, as ARM does) or an HTTP date' })
        .option('lro-polls', { ...NUMERIC, describe: 'Polls answered 202 before an action finishes (default 2)', coerce: integerIn('--lro-polls', 0, 1000) })
        .option('lro-seconds', { ...NUMERIC, describe: 'Actions finish after this many seconds instead of a number of polls', coerce: numberIn('--lro-seconds', 0, 86400) })
        .option('retry-after', { ...NUMERIC, describe: 'Retry-After seconds on 202 responses and running operation statuses (default 10, as ARM)', coerce: integerIn('--retry-after', 0, 3600) })
        .option('mutate-every', { ...NUMERIC, describe: 'Apply one mutation step every this many seconds', coerce: numberIn('--mutate-every', 0.01, 86400) })
        .option('return-shared-keys', { type: 'boolean', describe: 'Serve plain sharedKey values, as older api-versions did' })
        .option('lro-polling', { type: 'string', choices: LRO_POLLING_MODES, describe: 'Polling headers on an action\'s 202: both (default, as Network RP), location, or azure-async-operation' })
        .option('ike-sas-body', { type: 'string', choices: ['json-string', 'bare'] as const, describe: 'GetIkeSas result as a JSON string (default) or bare text, as Microsoft\'s example shows it (not valid JSON)' })
        .option('subscription-state', { type: 'string', array: true, describe: 'Serve a subscription in another state: ID=Enabled|Warned|PastDue|Disabled (reads work; Warned and Disabled refuse actions with 409), repeatable', coerce: subscriptionStates })
        .option('fault', { type: 'string', array: true, describe: 'Inject a fault: KIND[=VALUE]:MATCH[:RATE[:COUNT]], repeatable (see docs)', coerce: faultSpecs })
        .option('verbose', { type: 'boolean', describe: 'Log every request on stderr' })
        .example('vpnsync emulator --connections 50 --mutate-every 30', 'A bigger fleet that changes every 30 s')
        .example("vpnsync emulator --fault '5xx=503:*:0.05' --fault 'hang:VpnLinkConnections_ListByVpnConnection:0.01'", '5% 503s, 1% hung link lists')
        .example('vpnsync emulator --port 8443 --cert-dir ~/.vpnsync-emulator', 'A stable address and CA across restarts') as unknown as Argv<EmulatorArgs>,
    handler: async (argv) => {
      const options = emulatorOptionsFromArgs(argv);
      if (argv.verbose) options.onRequest = (e) => d.stderr(`${e.status || 'dropped/hung'} ${e.method} ${e.url}\n`);
      let emulator: Emulator;
      try {
        emulator = await d.start(options);
      } catch (error) {
        if (error instanceof RangeError || /fleet file/i.test((error as Error).message)) throw new UsageError((error as Error).message, { cause: error });
        throw error;
      }
      try {
        // Listen for Ctrl-C before saying so: a signal that came in between would kill the process.
        const stopped = d.waitForStop();
        d.stdout(describeEmulator(emulator));
        const links = emulator.links().length;
        d.stderr(`vpnsync emulator: serving ${links} link connections on ${emulator.url}; Ctrl-C to stop\n`);
        const signal = await stopped;
        const stats = emulator.stats();
        d.stderr(`vpnsync emulator: ${signal} received; served ${stats.total} requests (${stats.throttled429} throttled), stopping\n`);
      } finally {
        await emulator.close();
      }
    },
  };
}

/** `vpnsync emulator`. */
export const emulatorCommand = createEmulatorCommand();
