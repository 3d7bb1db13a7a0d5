/** TLS verification codes that mean "this machine does not trust the certificate's issuer". */
export const UNTRUSTED_CERT_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED']);

/** Node's codes for "no connection could be made": nothing was sent. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'the name does not resolve (DNS)',
  EAI_AGAIN: 'the name could not be resolved just now (DNS)',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
};

/**
 * Node's codes for a connection that failed or went silent once made: the request may have been
 * sent, and ARM may have acted on it (a POST), so these never say "cannot reach".
 */
const INTERRUPTED: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'no answer in time',
  EPIPE: 'the connection was closed',
};

/**
 * One line saying what is wrong with a connection to `where` (e.g. "the sign-in endpoint
 * login.example:443 (AZURE_AUTHORITY_HOST)") and what to check, for a transport failure with
 * Node code `code`; undefined when the code is not a transport failure. `setting` names what
 * chooses the address. The sign-in (credential.ts) and ARM (arm-client.ts) paths share it, so
 * the same failure reads the same on both.
 */
export function networkFailureLine(code: string, where: string, setting: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (UNTRUSTED_CERT_CODES.has(code)) {
    return `${where} presented a certificate this machine does not trust (${code}): set NODE_EXTRA_CA_CERTS to the CA file that signed it${env.NODE_EXTRA_CA_CERTS ? ` (now ${env.NODE_EXTRA_CA_CERTS}, which does not)` : ''}`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${where} presented a certificate that ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is for another name'} (${code}): check ${setting}, and any TLS-inspecting proxy`;
  }
  const proxy = env.HTTPS_PROXY ?? env.https_proxy;
  const check = `check ${setting}, that it is up, and the network${proxy ? ' and HTTPS_PROXY' : ' (or set HTTPS_PROXY if it is only reachable through a proxy)'}`;
  const unreachable = UNREACHABLE[code];
  if (unreachable !== undefined) return `cannot reach ${where}: ${unreachable} (${code}); ${check}`;
  const interrupted = INTERRUPTED[code];
  if (interrupted !== undefined) return `the connection to ${where} failed during the request: ${interrupted} (${code}), so it may have been received; ${check}`;
  return undefined;
}

/** Whether `code` is a failure to connect (or to trust the peer), with no answer from ARM at all. */
export function isNetworkFailureCode(code: string | undefined): boolean {
  return code !== undefined && (UNTRUSTED_CERT_CODES.has(code) || code === 'CERT_HAS_EXPIRED' || code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code in UNREACHABLE || code in INTERRUPTED);
}

/** "host:port" of a URL, the port filled in (443 for https, 80 for http). */
export function hostPortOf(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'http:' ? 80 : 443)}`;
}
