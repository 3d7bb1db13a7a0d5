/** Shared helpers for the emulator tests: tokens, raw ARM calls, paging, schema validation. */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterEach } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { AZURE_SPEC_DIR } from '../support/azure-spec.js';

/** Microsoft's spec excerpt and examples, in test/fixtures/azure-spec/ (ends with a slash). */
export const SPEC_DIR = AZURE_SPEC_DIR;
/** Microsoft's example payloads. */
export const EXAMPLES_DIR = `${SPEC_DIR}examples/`;
/** The api-version vpnsync's spec excerpt documents. */
export const API = '2026-07-01';

/** Starts an emulator on the test run's shared CA. */
export function start(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ certDir: process.env.VPNSYNC_TEST_CERT_DIR, ...options });
}

/**
 * For test files that start several emulators: `const emulator = useEmulators()`, then
 * `await emulator({...})` in a test; each is closed after its test.
 */
export function useEmulators(): (options?: EmulatorOptions) => Promise<Emulator> {
  let open: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(open.map((e) => e.close()));
    open = [];
  });
  return async (options = {}) => {
    const e = await start(options);
    open.push(e);
    return e;
  };
}

/** A fake clock the tests move by hand. */
export function fakeClock(start = Date.parse('2026-01-01T00:00:00Z')): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Gets an ARM token from the emulator's token endpoint with a plain POST. */
export async function getToken(emu: Emulator, form: Record<string, string> = {}): Promise<string> {
  const res = await tokenRequest(emu, form);
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** POSTs to the token endpoint (defaults: the emulator's principal and the ARM scope). */
export function tokenRequest(emu: Emulator, form: Record<string, string> = {}, tenant = emu.tenantId): Promise<Response> {
  return fetch(`${emu.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
      scope: 'https://management.azure.com/.default',
      ...form,
    }),
  });
}

/** A raw ARM response. */
export interface Raw {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

/** Calls ARM with a bearer token; `pathOrUrl` is a path (api-version appended unless present) or a full URL. */
export async function arm(emu: Emulator, token: string | undefined, pathOrUrl: string, init: { method?: string; apiVersion?: string | null } = {}): Promise<Raw> {
  let url = pathOrUrl.startsWith('http') ? pathOrUrl : `${emu.url}${pathOrUrl}`;
  if (!pathOrUrl.startsWith('http') && init.apiVersion !== null && !/[?&]api-version=/.test(url)) {
    url += `${url.includes('?') ? '&' : '?'}api-version=${init.apiVersion ?? API}`;
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** Follows nextLink from a list path; returns every page's raw response. */
export async function allPages(emu: Emulator, token: string, path: string, apiVersion = API, maxPages = 1000): Promise<Raw[]> {
  const pages: Raw[] = [];
  let next: string | undefined = path;
  while (next !== undefined) {
    const page = await arm(emu, token, next, { apiVersion });
    if (page.status !== 200) throw new Error(`${next}: ${page.status} ${page.text}`);
    pages.push(page);
    next = (page.body as { nextLink?: string }).nextLink;
    if (pages.length > maxPages) throw new Error('too many pages');
  }
  return pages;
}

/** Every item of a paged list. */
export async function listAll<T = Record<string, unknown>>(emu: Emulator, token: string, path: string, apiVersion = API): Promise<T[]> {
  return (await allPages(emu, token, path, apiVersion)).flatMap((p) => (p.body as { value: T[] }).value);
}

/** ARM path prefix of a gateway. */
export function gatewayPath(sub: string, rg: string, gw: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/vpnGateways/${gw}`;
}

let ajvCache: { ajv: Ajv; validators: Map<string, ValidateFunction> } | undefined;

/**
 * Validates a body against a definition of the swagger excerpt, e.g.
 * `schemaFor('definitions_virtualWan.json', 'ListVpnSiteLinkConnectionsResult')`. The excerpt's
 * `./common.json#/definitions/X` refs point at its `definitions_common.json` section (see its
 * `_source.notes`); `#/definitions/X` refs at the section they are in. VpnGatewayNatRule and
 * RoutingConfiguration are "referenced but not reproduced", so they accept anything.
 */
export function schemaFor(section: string, name: string): ValidateFunction {
  if (!ajvCache) {
    const spec = JSON.parse(readFileSync(`${SPEC_DIR}vpnLinkConnections.swagger-excerpt.json`, 'utf8')) as Record<string, unknown>;
    const sections = Object.fromEntries(Object.entries(spec).filter(([k]) => k.startsWith('definitions_'))) as Record<string, Record<string, unknown>>;
    sections['definitions_virtualWan.json'] = { ...sections['definitions_virtualWan.json'], VpnGatewayNatRule: {}, RoutingConfiguration: {} };
    const rewritten = rewriteRefs(sections, '') as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
    ajv.addFormat('uri', { type: 'string', validate: (s: string) => URL.canParse(s) });
    ajv.addFormat('password', { type: 'string', validate: () => true });
    ajv.addSchema({ $id: 'spec', ...rewritten });
    ajvCache = { ajv, validators: new Map() };
  }
  const key = `${section}/${name}`;
  let validator = ajvCache.validators.get(key);
  if (!validator) {
    validator = ajvCache.ajv.compile({ $ref: `spec#/${section}/${name}` });
    ajvCache.validators.set(key, validator);
  }
  return validator;
}

function rewriteRefs(node: unknown, section: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, section));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const here = section || key;
    if (key === '$ref' && typeof value === 'string') {
      const external = /^\.\/([A-Za-z]+\.json)#\/definitions\/(.+)$/.exec(value);
      const local = /^#\/definitions\/(.+)$/.exec(value);
      if (external) out[key] = `spec#/definitions_${external[1]}/${external[2]}`;
      else if (local) out[key] = `spec#/${section}/${local[1]}`;
      else throw new Error(`unexpected $ref ${value}`);
    } else {
      out[key] = rewriteRefs(value, here);
    }
  }
  return out;
}

/** Asserts a body validates, with ajv's errors in the message. */
export function expectValid(validator: ValidateFunction, body: unknown, label = ''): void {
  if (!validator(body)) {
    throw new Error(`${label} does not match the spec: ${JSON.stringify(validator.errors?.slice(0, 5), null, 1)}`);
  }
}
