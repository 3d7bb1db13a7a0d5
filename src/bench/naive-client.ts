/**
 * The naive client of the benchmark: walks the same ARM paths as `vpnsync pull --strategy links`
 * one request at a time, as a simple SDK script would (subscriptions → gateways → each
 * connection's link connections, following nextLink), sleeping on 429 for Retry-After. Prints
 * `{ links, requests, throttled }` as JSON, and its peak RSS as the last stderr line
 * (`maxrss-kib N`). Runs with the emulator's environment.
 */
const env = process.env;
const endpoint = env.VPNSYNC_ARM_ENDPOINT as string;
const API = '2026-07-01';
let requests = 0;
let throttled = 0;

async function token(): Promise<string> {
  const res = await fetch(`${env.AZURE_AUTHORITY_HOST}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: env.AZURE_CLIENT_ID as string, client_secret: env.AZURE_CLIENT_SECRET as string, scope: 'https://management.azure.com/.default' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function listAll(bearer: string, first: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let next: string | undefined = first;
  while (next) {
    requests += 1;
    const res: Response = await fetch(next, { headers: { authorization: `Bearer ${bearer}` } });
    if (res.status === 429 || res.status >= 500) {
      if (res.status === 429) throttled += 1;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? '1') * 1000));
      continue;
    }
    const body = (await res.json()) as { value: unknown[]; nextLink?: string };
    items.push(...body.value);
    next = body.nextLink || undefined;
  }
  return items;
}

const bearer = await token();
const subs = (await listAll(bearer, `${endpoint}/subscriptions?api-version=2022-12-01`)) as { subscriptionId: string }[];
let links = 0;
for (const s of subs) {
  const gateways = (await listAll(bearer, `${endpoint}/subscriptions/${s.subscriptionId}/providers/Microsoft.Network/vpnGateways?api-version=${API}`)) as { properties?: { connections?: { id: string }[] } }[];
  for (const gw of gateways) {
    for (const c of gw.properties?.connections ?? []) {
      links += (await listAll(bearer, `${endpoint}${c.id}/vpnLinkConnections?api-version=${API}`)).length;
    }
  }
}
process.stdout.write(`${JSON.stringify({ links, requests, throttled })}\n`);
process.stderr.write(`maxrss-kib ${process.resourceUsage().maxRSS}\n`);
