import { describe, expect, it } from 'vitest';
import { hostPortOf, isNetworkFailureCode, networkFailureLine } from '../../src/arm/network-failure.js';

const ARM = 'Azure Resource Manager at arm.example:443';
const SETTING = 'VPNSYNC_ARM_ENDPOINT (or --arm-endpoint)';

describe('networkFailureLine: a transport failure in an operator’s words', () => {
  it('names where, what happened, the code and what to check, for each way a connection fails', () => {
    expect(networkFailureLine('ENOTFOUND', ARM, SETTING, {})).toBe(
      'cannot reach Azure Resource Manager at arm.example:443: the name does not resolve (DNS) (ENOTFOUND); check VPNSYNC_ARM_ENDPOINT (or --arm-endpoint), that it is up, and the network (or set HTTPS_PROXY if it is only reachable through a proxy)',
    );
    expect(networkFailureLine('EHOSTUNREACH', ARM, SETTING, {})).toMatch(/^cannot reach .*: no route to the host \(EHOSTUNREACH\)/);
  });

  it('a connection that failed once made never says "cannot reach": the request may have arrived (a POST may have been acted on)', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE']) {
      const line = networkFailureLine(code, ARM, SETTING, {});
      expect(line).toMatch(new RegExp(`^the connection to Azure Resource Manager at arm\\.example:443 failed during the request: .* \\(${code}\\), so it may have been received; check `));
      expect(line).not.toMatch(/cannot reach/);
    }
  });

  it('with a proxy configured, says to check it rather than to set one', () => {
    expect(networkFailureLine('ECONNREFUSED', ARM, SETTING, { HTTPS_PROXY: 'http://proxy:3128' })).toMatch(/that it is up, and the network and HTTPS_PROXY$/);
  });

  it('an untrusted certificate says to set NODE_EXTRA_CA_CERTS, and which file is set now', () => {
    expect(networkFailureLine('SELF_SIGNED_CERT_IN_CHAIN', ARM, SETTING, {})).toBe(
      'Azure Resource Manager at arm.example:443 presented a certificate this machine does not trust (SELF_SIGNED_CERT_IN_CHAIN): set NODE_EXTRA_CA_CERTS to the CA file that signed it',
    );
    expect(networkFailureLine('UNABLE_TO_VERIFY_LEAF_SIGNATURE', ARM, SETTING, { NODE_EXTRA_CA_CERTS: '/etc/ca.pem' })).toMatch(/\(now \/etc\/ca\.pem, which does not\)$/);
    expect(networkFailureLine('CERT_HAS_EXPIRED', ARM, SETTING, {})).toMatch(/a certificate that has expired \(CERT_HAS_EXPIRED\)/);
  });

  it('is undefined for codes that are not transport failures, which keep ARM’s own words', () => {
    expect(networkFailureLine('AuthorizationFailed', ARM, SETTING, {})).toBeUndefined();
    expect(isNetworkFailureCode('AuthorizationFailed')).toBe(false);
    expect(isNetworkFailureCode(undefined)).toBe(false);
    expect(isNetworkFailureCode('ECONNRESET')).toBe(true);
    expect(isNetworkFailureCode('DEPTH_ZERO_SELF_SIGNED_CERT')).toBe(true);
  });

  it('fills in the default port', () => {
    expect(hostPortOf(new URL('https://management.azure.com'))).toBe('management.azure.com:443');
    expect(hostPortOf(new URL('http://127.0.0.1'))).toBe('127.0.0.1:80');
    expect(hostPortOf(new URL('https://127.0.0.1:8443/x'))).toBe('127.0.0.1:8443');
  });
});
