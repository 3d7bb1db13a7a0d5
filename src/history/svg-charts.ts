/**
 * Inline SVG for the HTML report: plain strings, no scripts, no external resources, so the file
 * renders the same anywhere (mail attachment, offline laptop, a browser with JS disabled).
 * Colours are attributes, not CSS, so a chart survives being copied out of the page.
 */
import type { TimelineRun, TimelineState } from './status-timeline.js';
import { escapeHtml, formatBytes, formatTime, shortenMiddle } from './text-format.js';

/** Band colours, shared by the timelines, the fleet chart and their legends. */
export const STATUS_COLOURS: Record<Exclude<TimelineState, 'absent'>, string> = {
  connected: '#2f9e44',
  'not-connected': '#e03131',
  unknown: '#adb5bd',
};
/** Traffic colours. */
export const TRAFFIC_COLOURS = { ingress: '#1c7ed6', egress: '#f08c00' } as const;

/** Maps times (ms) onto an x range. */
export interface TimeScale {
  start: number;
  end: number;
  x(ms: number): number;
}

/** A linear time scale from `startIso` to `endIso` onto [x0, x1] (a zero-length period is widened to one second). */
export function timeScale(startIso: string, endIso: string, x0: number, x1: number): TimeScale {
  const start = Date.parse(startIso);
  const end = Math.max(Date.parse(endIso), start + 1000);
  return { start, end, x: (ms) => x0 + ((Math.min(Math.max(ms, start), end) - start) / (end - start)) * (x1 - x0) };
}

const n = (v: number) => (Math.round(v * 10) / 10).toString();

/** A tick's time, as precise as the span needs: seconds for a short span, else month-day and minutes (UTC). */
function tickLabel(ms: number, spanMs: number): string {
  const t = formatTime(new Date(ms).toISOString());
  return spanMs < 10 * 60_000 ? t.slice(11, 19) : t.slice(5, 16);
}

function timeTicks(scale: TimeScale, y: number, height: number, count = 6): string {
  const out: string[] = [];
  for (let i = 0; i <= count; i++) {
    const ms = scale.start + ((scale.end - scale.start) * i) / count;
    const x = scale.x(ms);
    const label = tickLabel(ms, scale.end - scale.start);
    const anchor = i === 0 ? 'start' : i === count ? 'end' : 'middle';
    out.push(`<line x1="${n(x)}" y1="${n(y - height)}" x2="${n(x)}" y2="${n(y)}" stroke="#e9ecef" stroke-width="1"/>`);
    out.push(`<text x="${n(x)}" y="${n(y + 14)}" font-size="11" fill="#495057" text-anchor="${anchor}">${escapeHtml(label)}</text>`);
  }
  return out.join('');
}

/**
 * One link's status timeline: a bar with a band per run (connected / not connected / unknown);
 * deleted stretches are left empty. Each band has a tooltip with its status and times.
 */
export function statusTimelineSvg(runs: readonly TimelineRun[], period: { from: string; to: string }, options: { width?: number; height?: number; label: string }): string {
  const width = options.width ?? 720;
  const height = options.height ?? 16;
  const scale = timeScale(period.from, period.to, 0, width);
  const bands = runs
    .filter((r) => r.state !== 'absent')
    .map((r) => {
      const x0 = scale.x(Date.parse(r.from));
      const x1 = Math.max(scale.x(Date.parse(r.to)), x0 + 2);
      const state = r.state as Exclude<TimelineState, 'absent'>;
      const what = r.unseen ? `unknown: not seen by the pull (last known ${r.status ?? 'null'})` : (r.status ?? 'no status');
      return `<rect class="band band-${state}" x="${n(x0)}" y="0" width="${n(x1 - x0)}" height="${height}" fill="${STATUS_COLOURS[state]}"><title>${escapeHtml(`${what}: ${formatTime(r.from)} → ${formatTime(r.to)} (pulls #${r.fromPull}–#${r.toPull})`)}</title></rect>`;
    });
  return (
    `<svg class="timeline" role="img" aria-label="${escapeHtml(`status timeline of ${options.label}`)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#f8f9fa"/>${bands.join('')}</svg>`
  );
}

/** The fleet's links per band over time, as stacked steps (a pull's counts hold until the next pull). */
export function fleetStatusChartSvg(points: readonly { at: string; connected: number; notConnected: number; unknown: number }[], period: { from: string; to: string }, options: { width?: number; height?: number } = {}): string {
  const width = options.width ?? 980;
  const height = options.height ?? 220;
  const left = 48;
  const right = width - 12;
  const top = 10;
  const bottom = height - 26;
  const scale = timeScale(period.from, period.to, left, right);
  const max = points.reduce((m, p) => Math.max(m, p.connected + p.notConnected + p.unknown), 1);
  const y = (v: number) => bottom - (v / max) * (bottom - top);
  const layers: { key: 'connected' | 'not-connected' | 'unknown'; value: (p: (typeof points)[number]) => number }[] = [
    { key: 'connected', value: (p) => p.connected },
    { key: 'not-connected', value: (p) => p.notConnected },
    { key: 'unknown', value: (p) => p.unknown },
  ];
  const shapes: string[] = [];
  points.forEach((p, i) => {
    const x0 = scale.x(Date.parse(p.at));
    const next = points[i + 1];
    const x1 = next ? scale.x(Date.parse(next.at)) : right;
    const w = Math.max(x1 - x0, 1.5);
    let base = 0;
    for (const layer of layers) {
      const v = layer.value(p);
      if (v > 0) {
        shapes.push(
          `<rect class="fleet fleet-${layer.key}" x="${n(x0)}" y="${n(y(base + v))}" width="${n(w)}" height="${n(y(base) - y(base + v))}" fill="${STATUS_COLOURS[layer.key]}"><title>${escapeHtml(`${formatTime(p.at)}: ${v} ${layer.key.replace('-', ' ')}`)}</title></rect>`,
        );
      }
      base += v;
    }
  });
  return (
    `<svg class="chart fleet-status" role="img" aria-label="links connected, not connected and unknown over time" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    timeTicks(scale, bottom, bottom - top) +
    shapes.join('') +
    yAxis(left, top, bottom, max, String) +
    `</svg>`
  );
}

function yAxis(left: number, top: number, bottom: number, max: number, format: (v: number) => string): string {
  return (
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#868e96"/>` +
    `<line x1="${left}" y1="${bottom}" x2="${left + 4}" y2="${bottom}" stroke="#868e96"/>` +
    `<text x="${left - 4}" y="${bottom}" font-size="11" fill="#495057" text-anchor="end">0</text>` +
    `<text x="${left - 4}" y="${top + 9}" font-size="11" fill="#495057" text-anchor="end">${escapeHtml(format(max))}</text>`
  );
}

/** The fleet's throughput between consecutive pulls, ingress and egress stacked (bytes per second). */
export function throughputChartSvg(
  intervals: readonly { at: string; seconds: number; ingressBytes: number; egressBytes: number }[],
  period: { from: string; to: string },
  options: { width?: number; height?: number } = {},
): string {
  const width = options.width ?? 980;
  const height = options.height ?? 200;
  const left = 64;
  const right = width - 12;
  const top = 10;
  const bottom = height - 26;
  const scale = timeScale(period.from, period.to, left, right);
  const rated = intervals.filter((i) => i.seconds > 0).map((i) => ({ ...i, inRate: i.ingressBytes / i.seconds, outRate: i.egressBytes / i.seconds }));
  const max = rated.reduce((m, i) => Math.max(m, i.inRate + i.outRate), 1);
  const y = (v: number) => bottom - (v / max) * (bottom - top);
  const bars = rated.map((i) => {
    const end = Date.parse(i.at);
    const x0 = scale.x(end - i.seconds * 1000);
    const w = Math.max(scale.x(end) - x0, 1.5);
    const title = escapeHtml(`${formatTime(i.at)}: ${formatBytes(i.inRate)}/s in, ${formatBytes(i.outRate)}/s out`);
    return (
      `<rect class="traffic traffic-ingress" x="${n(x0)}" y="${n(y(i.inRate))}" width="${n(w)}" height="${n(bottom - y(i.inRate))}" fill="${TRAFFIC_COLOURS.ingress}"><title>${title}</title></rect>` +
      `<rect class="traffic traffic-egress" x="${n(x0)}" y="${n(y(i.inRate + i.outRate))}" width="${n(w)}" height="${n(y(i.inRate) - y(i.inRate + i.outRate))}" fill="${TRAFFIC_COLOURS.egress}"><title>${title}</title></rect>`
    );
  });
  return (
    `<svg class="chart throughput" role="img" aria-label="fleet throughput over time" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    timeTicks(scale, bottom, bottom - top) +
    bars.join('') +
    yAxis(left, top, bottom, max, (v) => `${formatBytes(v)}/s`) +
    `</svg>`
  );
}

/** Horizontal bars, one per item, ingress and egress stacked, with the label on the left and the value on the right. */
export function trafficBarsSvg(items: readonly { label: string; ingressBytes: number; egressBytes: number; note: string }[], options: { width?: number } = {}): string {
  const width = options.width ?? 980;
  const labelWidth = 300;
  const valueWidth = 220;
  const barMax = width - labelWidth - valueWidth - 16;
  const row = 22;
  const height = Math.max(row, items.length * row) + 4;
  const max = items.reduce((m, i) => Math.max(m, i.ingressBytes + i.egressBytes), 1);
  const rows = items.map((item, idx) => {
    const y = idx * row + 3;
    const wIn = (item.ingressBytes / max) * barMax;
    const wOut = (item.egressBytes / max) * barMax;
    return (
      `<text x="${labelWidth - 8}" y="${y + 13}" font-size="12" fill="#212529" text-anchor="end">${escapeHtml(shortenMiddle(item.label, 44))}<title>${escapeHtml(item.label)}</title></text>` +
      `<rect class="bar bar-ingress" x="${labelWidth}" y="${y}" width="${n(Math.max(wIn, item.ingressBytes > 0 ? 1 : 0))}" height="16" fill="${TRAFFIC_COLOURS.ingress}"><title>${escapeHtml(`${formatBytes(item.ingressBytes)} in`)}</title></rect>` +
      `<rect class="bar bar-egress" x="${n(labelWidth + wIn)}" y="${y}" width="${n(Math.max(wOut, item.egressBytes > 0 ? 1 : 0))}" height="16" fill="${TRAFFIC_COLOURS.egress}"><title>${escapeHtml(`${formatBytes(item.egressBytes)} out`)}</title></rect>` +
      `<text x="${n(labelWidth + wIn + wOut + 6)}" y="${y + 13}" font-size="12" fill="#495057">${escapeHtml(item.note)}</text>`
    );
  });
  return `<svg class="chart top-links" role="img" aria-label="links with the most traffic" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows.join('')}</svg>`;
}

/** A small rate-over-time line for one link; counter resets are marked with a dot. */
export function rateSparklineSvg(series: readonly { at: string; seconds: number; bytesPerSecond: number | null; reset: boolean }[], period: { from: string; to: string }, options: { width?: number; height?: number } = {}): string {
  const width = options.width ?? 240;
  const height = options.height ?? 28;
  const scale = timeScale(period.from, period.to, 2, width - 2);
  const pts = series.filter((s) => s.bytesPerSecond !== null);
  const max = pts.reduce((m, p) => Math.max(m, p.bytesPerSecond!), 1);
  const y = (v: number) => height - 3 - (v / max) * (height - 6);
  const path = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(scale.x(Date.parse(p.at)))},${n(y(p.bytesPerSecond!))}`).join(' ');
  const resets = pts
    .filter((p) => p.reset)
    .map((p) => `<circle class="reset" cx="${n(scale.x(Date.parse(p.at)))}" cy="${n(y(p.bytesPerSecond!))}" r="3" fill="#e03131"><title>${escapeHtml(`counter reset before ${formatTime(p.at)}`)}</title></circle>`);
  return (
    `<svg class="sparkline" role="img" aria-label="rate over time" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#f8f9fa"/>` +
    (path ? `<path d="${path}" fill="none" stroke="${TRAFFIC_COLOURS.ingress}" stroke-width="1.5"/>` : '') +
    resets.join('') +
    `</svg>`
  );
}
