import { isLoopbackHost } from '../arm/endpoints.js';
import { UsageError } from './errors.js';

/**
 * A yargs `coerce` for integer options: "Expected --concurrency to be an integer from 1 to 256,
 * got 'x'". Throwing from coerce makes yargs fail the parse with this message.
 */
export function integerIn(flag: string, min: number, max: number): (value: unknown) => number | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    const text = String(last).trim();
    const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`Expected ${flag} to be an integer from ${min} to ${max}, got '${String(last)}'`);
    }
    return n;
  };
}

/** A yargs `coerce` for a decimal number in a range: "Expected --read-refill to be a number from 0.001 to 100000, got 'x'". */
export function numberIn(flag: string, min: number, max: number): (value: unknown) => number | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    const text = String(last).trim();
    const n = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`Expected ${flag} to be a number from ${min} to ${max}, got '${String(last)}'`);
    return n;
  };
}

/** A yargs `coerce` for a rate or size that only has to be positive: "Expected --read-refill to be a number greater than 0, got 'x'". */
export function positiveNumber(flag: string): (value: unknown) => number | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    const text = String(last).trim();
    const n = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`Expected ${flag} to be a number greater than 0, got '${String(last)}'`);
    return n;
  };
}

/** A yargs `coerce` for string options that must match a pattern. */
export function matching(flag: string, pattern: RegExp, expected: string): (value: unknown) => string | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const last = String(Array.isArray(value) ? value[value.length - 1] : value);
    if (!pattern.test(last)) throw new UsageError(`Expected ${flag} to be ${expected}, got '${last}'`);
    return last;
  };
}

/**
 * A yargs `coerce` for an ARM endpoint: an https URL, or plain http to a loopback address
 * (127.0.0.0/8, ::1, localhost), where a bearer token in clear never crosses a network.
 */
export function armEndpoint(flag: string): (value: unknown) => string | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const text = String(Array.isArray(value) ? value[value.length - 1] : value).trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`Expected ${flag} to be an https URL such as https://management.azure.com, got '${text}'`);
    }
    const loopbackHttp = url.protocol === 'http:' && isLoopbackHost(url.hostname);
    if (url.protocol !== 'https:' && !loopbackHttp) {
      throw new UsageError(`Expected ${flag} to be an https URL (bearer tokens are only sent over TLS; plain http only to 127.0.0.1, ::1 or localhost), got '${text}'`);
    }
    return url.origin;
  };
}

/**
 * The settings of a numeric option that one of the coerces above checks: --help labels it
 * [number], while the parser keeps the text as typed (an option that is also a string is never
 * passed through Number()), so that the coerce quotes it ("got 'x'", not "got 'NaN'") and
 * refuses 0x10 or 1e3 as typed rather than reading them as 16 or 1000.
 */
export const NUMERIC = { type: 'number', string: true } as const;
