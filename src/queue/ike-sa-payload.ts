/** A GetIkeSas answer as stored: the raw string, and its JSON when it parses. */
export interface IkeSaPayload {
  raw: string;
  /** Canonical JSON text of the decoded payload, or null when it is not JSON. */
  parsed: string | null;
}

/**
 * GetIkeSas answers with a JSON *string* which may itself hold encoded JSON, sometimes with an
 * extra pair of quotes around unescaped JSON (as in Microsoft's own example:
 * `"{"Status":"Successful","Data":null}"`). Peels up to three layers of encoding.
 */
export function decodeIkeSaPayload(body: unknown): IkeSaPayload {
  const raw = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  let value: unknown = body;
  for (let depth = 0; depth < 3 && typeof value === 'string'; depth++) {
    const text = value.trim();
    try {
      value = JSON.parse(text);
    } catch {
      if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) value = text.slice(1, -1);
      else break;
    }
  }
  const parsed = value !== null && typeof value === 'object' ? JSON.stringify(value) : null;
  return { raw, parsed };
}
