/**
 * Inline SVG for the HTML report: plain strings, no scripts, no external resources, so the file
 * renders the same anywhere (mail attachment, offline laptop, a browser with JS disabled).
 * Colours are attributes, not CSS, so a chart survives being copied out of the page.
 */
import type { TimelineRun, TimelineState } from './status-timeline.js';
import { escapeHtml, formatBytes, formatTime } from './text-format.js';

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
 * Width of the column at the right end of each timeline and of the fleet chart that shows the
 * state at the latest pull. A pull's state holds from its time on, so the latest pull's state
 * starts where the time axis ends and would be drawn with no width at all: the link that came
 * back at the last pull would look down. It gets a column of its own, after a gap, instead.
 */
export const LATEST_COLUMN_WIDTH = 56;
const LATEST_GAP = 8;

/** The latest pull's column on the right of a chart `width` wide: its x and the end of the time axis before it. */
function latestColumn(right: number): { x: number; axisEnd: number } {
  const x = right - LATEST_COLUMN_WIDTH;
  return { x, axisEnd: x - LATEST_GAP };
}

/**
 * One link's status timeline: a bar with a band per run (connected / not connected / unknown)
 * over the period, deleted stretches left empty, then the column of its state at the latest pull
 * (`end`): filled in that state's colour, or outlined and empty when the link was removed. Each
 * band has a tooltip with its status and times.
 */
export function statusTimelineSvg(runs: readonly TimelineRun[], period: { from: string; to: string }, options: { width?: number; height?: number; label: string; end: { id: number; at: string } }): string {
  const width = options.width ?? 520;
  const height = options.height ?? 16;
  const latest = latestColumn(width);
  const scale = timeScale(period.from, period.to, 0, latest.axisEnd);
  const describe = (r: TimelineRun) => (r.unseen ? `unknown: not seen by the pull (last known ${r.status ?? 'null'})` : (r.status ?? 'no status'));
  const bands = runs
    // A run that starts at the end of the period has no time in it: the latest column shows it.
    .filter((r) => r.state !== 'absent' && Date.parse(r.to) > Date.parse(r.from))
    .map((r) => {
      const x0 = scale.x(Date.parse(r.from));
      const x1 = Math.max(scale.x(Date.parse(r.to)), x0 + 1);
      const state = r.state as Exclude<TimelineState, 'absent'>;
      return `<rect class="band band-${state}" x="${n(x0)}" y="0" width="${n(x1 - x0)}" height="${height}" fill="${STATUS_COLOURS[state]}"><title>${escapeHtml(`${describe(r)}: ${formatTime(r.from)} → ${formatTime(r.to)} (pulls #${r.fromPull}–#${r.toPull})`)}</title></rect>`;
    });
  const last = runs[runs.length - 1];
  const at = `at the latest pull #${options.end.id} (${formatTime(options.end.at)})`;
  const now =
    !last || last.state === 'absent'
      ? `<rect class="band band-absent latest" x="${n(latest.x + 0.5)}" y="0.5" width="${LATEST_COLUMN_WIDTH - 1}" height="${height - 1}" fill="none" stroke="#868e96" stroke-dasharray="3 2"><title>${escapeHtml(`removed ${at}`)}</title></rect>`
      : `<rect class="band band-${last.state} latest" x="${n(latest.x)}" y="0" width="${LATEST_COLUMN_WIDTH}" height="${height}" fill="${STATUS_COLOURS[last.state]}"><title>${escapeHtml(`${describe(last)} ${at}, since ${formatTime(last.from)} (#${last.fromPull})`)}</title></rect>`;
  return (
    `<svg class="timeline" role="img" aria-label="${escapeHtml(`status timeline of ${options.label}`)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect x="0" y="0" width="${n(latest.axisEnd)}" height="${height}" fill="#f8f9fa"/>${bands.join('')}${now}</svg>`
  );
}

/**
 * The fleet's links per band over time, as stacked steps: one band per pull, holding until the
 * next pull; the latest pull's band is the column on the right (see LATEST_COLUMN_WIDTH).
 */
export function fleetStatusChartSvg(points: readonly { pullId: number; at: string; connected: number; notConnected: number; unknown: number }[], period: { from: string; to: string }, options: { width?: number; height?: number } = {}): string {
  const width = options.width ?? 980;
  const height = options.height ?? 220;
  const left = 48;
  const right = width - 12;
  const top = 10;
  const bottom = height - 26;
  const latest = latestColumn(right);
  const scale = timeScale(period.from, period.to, left, latest.axisEnd);
  const max = points.reduce((m, p) => Math.max(m, p.connected + p.notConnected + p.unknown), 1);
  const y = (v: number) => bottom - (v / max) * (bottom - top);
  const layers: { key: 'connected' | 'not-connected' | 'unknown'; value: (p: (typeof points)[number]) => number }[] = [
    { key: 'connected', value: (p) => p.connected },
    { key: 'not-connected', value: (p) => p.notConnected },
    { key: 'unknown', value: (p) => p.unknown },
  ];
  const shapes: string[] = [];
  points.forEach((p, i) => {
    const next = points[i + 1];
    const x0 = next ? scale.x(Date.parse(p.at)) : latest.x;
    const w = next ? Math.max(scale.x(Date.parse(next.at)) - x0, 1) : LATEST_COLUMN_WIDTH;
    const when = `#${p.pullId} ${formatTime(p.at)}${next ? ` until #${next.pullId}` : ' (the latest pull)'}`;
    let base = 0;
    for (const layer of layers) {
      const v = layer.value(p);
      if (v > 0) {
        shapes.push(
          `<rect class="fleet fleet-${layer.key}" data-pull="${p.pullId}" x="${n(x0)}" y="${n(y(base + v))}" width="${n(w)}" height="${n(y(base) - y(base + v))}" fill="${STATUS_COLOURS[layer.key]}"><title>${escapeHtml(`${when}: ${v} ${layer.key.replace('-', ' ')}`)}</title></rect>`,
        );
      }
      base += v;
    }
  });
  const last = points[points.length - 1];
  const latestLabel = last
    ? `<text x="${n(latest.x + LATEST_COLUMN_WIDTH / 2)}" y="${n(bottom + 14)}" font-size="11" fill="#495057" text-anchor="middle">latest #${last.pullId}</text>`
    : '';
  return (
    `<svg class="chart fleet-status" role="img" aria-label="links connected, not connected and unknown over time" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    timeTicks(scale, bottom, bottom - top) +
    shapes.join('') +
    latestLabel +
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

/**
 * Horizontal bars, one per item, ingress and egress stacked: the item's full label on a line of
 * its own above its bar (a label beside the bar would have to be cut or would run off the left
 * edge), the value right of the bar.
 */
export function trafficBarsSvg(items: readonly { label: string; ingressBytes: number; egressBytes: number; note: string }[], options: { width?: number } = {}): string {
  const width = options.width ?? 980;
  const valueWidth = 240;
  const barMax = width - valueWidth;
  const row = 38;
  const height = Math.max(row, items.length * row) + 4;
  const max = items.reduce((m, i) => Math.max(m, i.ingressBytes + i.egressBytes), 1);
  const rows = items.map((item, idx) => {
    const y = idx * row + 2;
    const bar = y + 17;
    const wIn = (item.ingressBytes / max) * barMax;
    const wOut = (item.egressBytes / max) * barMax;
    return (
      `<text class="bar-label" x="0" y="${y + 12}" font-size="12" fill="#212529">${escapeHtml(item.label)}</text>` +
      `<rect class="bar bar-ingress" x="0" y="${bar}" width="${n(Math.max(wIn, item.ingressBytes > 0 ? 1 : 0))}" height="16" fill="${TRAFFIC_COLOURS.ingress}"><title>${escapeHtml(`${item.label}: ${formatBytes(item.ingressBytes)} in`)}</title></rect>` +
      `<rect class="bar bar-egress" x="${n(wIn)}" y="${bar}" width="${n(Math.max(wOut, item.egressBytes > 0 ? 1 : 0))}" height="16" fill="${TRAFFIC_COLOURS.egress}"><title>${escapeHtml(`${item.label}: ${formatBytes(item.egressBytes)} out`)}</title></rect>` +
      `<text x="${n(wIn + wOut + 6)}" y="${bar + 13}" font-size="12" fill="#495057">${escapeHtml(item.note)}</text>`
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
