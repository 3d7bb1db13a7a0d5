/** Text helpers shared by the history renderers (table, Markdown, CSV, HTML). */
import { renderRows } from '../query/format/render-rows.js';

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes in decimal units with three significant digits: 1234567 → "1.23 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1000 && u < BYTE_UNITS.length - 1) {
    v /= 1000;
    u += 1;
  }
  const digits = u === 0 ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)} ${BYTE_UNITS[u]}`;
}

/** A rate in bytes per second, or an em dash when unknown. */
export function formatRate(bytesPerSecond: number | null): string {
  return bytesPerSecond === null ? '—' : `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * A time as every vpnsync output prints it: ISO 8601 in UTC with Z, to the second for tables
 * ("2026-05-01T12:00:00Z"), so that what a table shows can be pasted into --at or --since.
 */
export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** A duration in seconds as "2d 3h", "3h 20m", "5m 10s" or "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${r}s`;
  return `${r}s`;
}

/** A decoded field value as one line: null, booleans and numbers as text, arrays and objects as compact JSON. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * CSV text from a header and rows (the query command's CSV format: RFC 4180, LF line ends). In
 * reports an empty cell means "does not apply", so '' is written as an empty field, like NULL.
 */
export function renderCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return renderRows('csv', header, rows.map((r) => r.map((v) => (v === '' ? null : v))));
}

/** A Markdown table (the query command's md format). */
export function renderMdTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return renderRows('md', header, rows).replace(/\n$/, '');
}

/** Text safe in HTML element content and attribute values. */
export function escapeHtml(v: unknown): string {
  const text = typeof v === 'string' ? v : valueText(v);
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Shortens text to `max` characters by cutting its middle ("vpngw-weu-01/…/link-a"), keeping both ends readable. */
export function shortenMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = max - 1;
  const head = Math.ceil(keep * 0.4);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}
