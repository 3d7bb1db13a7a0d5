/** Public ARM endpoint (Azure global cloud). A module of its own so that --help loads no Azure SDK. */
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
