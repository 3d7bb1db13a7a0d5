/** The local ARM + Entra emulator: start it with startEmulator(); the rest is for tests and tools. */
export { startEmulator, DEFAULT_PAGE_SIZE, DEFAULT_EMPTY_PAGE_EVERY, type Emulator, type EmulatorOptions, type RequestLogEntry } from './start-emulator.js';
export type { LinkConnectionTruth } from './emulator-core.js';
export { DEFAULT_FLEET_SIZE, DEFAULT_WITHOUT_EMBEDDED_LINKS, MAX_LINKS_PER_CONNECTION, generateFleet, type FleetSize, type GenerateOptions } from './fleet-generator.js';
export { loadFleet, loadFleetFile } from './fleet-loader.js';
export { DEFAULT_MUTATION_RATES, type Mutation, type MutationKind, type MutationRates } from './fleet-mutator.js';
export { FAULT_KINDS, parseFaultSpec, type FaultKind, type FaultRule } from './faults.js';
export type { EmulatorStats, ChainLevel } from './stats.js';
export { DEFAULT_READ_BUCKET, DEFAULT_WRITE_BUCKET, type BucketSettings } from './token-bucket.js';
export { GLOBAL_BUCKET_FACTOR, NETWORK_READ_LIMIT, RATE_LIMIT_HEADERS, type BucketState, type OtherPrincipalsLoad, type RetryAfterFormat } from './throttling.js';
export { DEFAULT_LRO_SETTINGS } from './lro.js';
export { NETWORK_API_VERSIONS, SUBSCRIPTIONS_API_VERSIONS } from './api-versions.js';
export { ensureCertificates, CERT_FILES, type TlsMaterial } from './certificates.js';
export { LINK_CONNECTION_TYPE, type LinkConnectionJson } from './arm-types.js';
export {
  ARM_SCOPE,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_TENANT_ID,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
} from './token-service.js';
