/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Environment variables whose whole value is a secret. */
const SECRET_VARIABLES = ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'AZURE_PASSWORD', 'IDENTITY_HEADER', 'MSI_SECRET'] as const;
/** Environment variables holding a URL, whose password part (user:password@) is a secret. */
const URL_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'AZURE_AUTHORITY_HOST', 'VPNSYNC_ARM_ENDPOINT'] as const;
// Shorter values are not searched for: replacing every "abc" in a log would garble it and hide
// nothing a pattern below does not already catch.
const MIN_LITERAL = 6;

/**
 * The secret values `env` holds, to be replaced wherever they appear, however they are framed:
 * the client secret and other whole-value secrets, and the password of every proxy (or other)
 * URL, as written and percent-decoded.
 */
export function secretsOfEnv(env: NodeJS.ProcessEnv): string[] {
  const found = new Set<string>();
  for (const name of SECRET_VARIABLES) {
    const value = env[name]?.trim();
    if (value) found.add(value);
  }
  for (const name of URL_VARIABLES) {
    const value = env[name]?.trim();
    if (!value) continue;
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*?:([^/?#@]*)@/i.exec(value)?.[1];
    if (!password) continue;
    found.add(password);
    try {
      found.add(decodeURIComponent(password));
    } catch {
      // A malformed escape: the password as written is searched for.
    }
  }
  return [...found].filter((s) => s.length >= MIN_LITERAL).sort((a, b) => b.length - a.length);
}

// A value after `name:` or `name=`: double-quoted (JSON, with escapes), single-quoted, or bare
// up to the end of the field.
const VALUE = `("(?:[^"\\\\\\n]|\\\\.)*"|'[^'\\n]*'|[^\\s&,;}\\]]+)`;
/** Header lines and JSON fields whose whole value is a credential. */
const AUTHORIZATION = /((?:proxy-)?authorization["']?\s*[:=]\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\r\n,}]+)/gi;
/** Form fields, query parameters and JSON properties that carry a secret. */
const SECRET_FIELDS = new RegExp(
  `((?:client_secret|client_assertion|access_token|refresh_token|id_token|assertion|password|passwd|sharedKey|shared_key|AZURE_CLIENT_SECRET)["']?\\s*[:=]\\s*)${VALUE}`,
  'gi',
);
/**
 * user:password@ (or a bare user@) in any URL, up to the URL's last '@': a password typed without
 * percent-encoding may hold '@' or '/', and hiding a little too much is harmless here.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi;

/** `text` with the credentials of every URL in it replaced by REDACTED (`postgres://[redacted]@host/db`). */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
}
/**
 * Bearer and Basic credentials wherever they stand: random-looking (a digit, `+`, `/`, `=` or a
 * lower-case letter followed by a capital), so that "a Basic SKU gateway" stays as it is.
 */
const SCHEME_TOKEN = /\b(Bearer|Basic)\s+(?=[A-Za-z0-9\-._~+/]*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9\-._~+/]{8,}=*/g;
/** A JSON Web Token (an access token) on its own. */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/** REDACTED, in the quotes the value had. */
function keepQuotes(value: string): string {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${REDACTED}${q}` : REDACTED;
}

/**
 * `text` with every credential replaced by REDACTED: the literal `secrets` (see secretsOfEnv),
 * URL credentials (`user:password@`), Authorization and Proxy-Authorization values, Bearer and
 * Basic credentials, JSON Web Tokens, and the values of client_secret, client_assertion, access,
 * refresh and id tokens, passwords and sharedKey (in JSON, form, query or `name: value` form).
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return redactUrlCredentials(out)
    .replace(AUTHORIZATION, (_, head: string, value: string) => `${head}${keepQuotes(value)}`)
    .replace(SECRET_FIELDS, (_, head: string, value: string) => `${head}${keepQuotes(value)}`)
    .replace(SCHEME_TOKEN, `$1 ${REDACTED}`)
    .replace(JWT, REDACTED);
}

const redacting = new WeakSet<NodeJS.WritableStream>();

/**
 * Routes every write to `stream` through redactSecrets, with the secrets of `env`: the one
 * redactor for everything vpnsync lets through to stderr, its own lines and the Azure SDK's log
 * (AZURE_LOG_LEVEL=verbose prints requests, proxy settings included, with process.stderr.write).
 * Each write is redacted whole; a secret split across two writes would escape, and none is:
 * vpnsync and the SDK write a line, or one log entry, at a time. Installed once per stream.
 */
export function redactWrites(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): void {
  if (redacting.has(stream)) return;
  redacting.add(stream);
  const secrets = secretsOfEnv(env);
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') return write(redactSecrets(chunk, secrets), ...rest);
    if (chunk instanceof Uint8Array) {
      // Written as text from here on: an encoding argument no longer applies (a callback does).
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      return write(redactSecrets(text, secrets), ...(typeof rest[0] === 'string' ? rest.slice(1) : rest));
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
