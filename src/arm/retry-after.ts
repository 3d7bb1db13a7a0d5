/**
 * Retry-After as ARM sends it: whole seconds (the RPC's form), or an HTTP date (which ARM's
 * front ends and proxies also send). Returns milliseconds from `now`, or undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfterMs(header: string | undefined | null, now: number = Date.now()): number | undefined {
  if (header === undefined || header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
