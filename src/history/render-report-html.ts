import { FLAPPING_TRANSITIONS, type ChangeReport } from './build-report.js';
import { reportPeriodLine } from './render-report-text.js';
import { fleetStatusChartSvg, LATEST_COLUMN_WIDTH, rateSparklineSvg, STATUS_COLOURS, statusTimelineSvg, throughputChartSvg, TRAFFIC_COLOURS, trafficBarsSvg } from './svg-charts.js';
import { currentState } from './status-timeline.js';
import { escapeHtml, formatBytes, formatDuration, formatRate, formatTime, valueText } from './text-format.js';

/** At most this many per-link timelines are drawn (the most eventful first); JSON has them all. */
export const MAX_HTML_TIMELINES = 300;
/** At most this many rows in each HTML table. */
const MAX_TABLE_ROWS = 500;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:#212529;margin:24px auto;max-width:1120px;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #dee2e6;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.muted{color:#6c757d}.tiles{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.tile{border:1px solid #dee2e6;border-left:6px solid #868e96;border-radius:6px;padding:8px 14px;min-width:130px}
.tile b{display:block;font-size:26px;line-height:1.1}.tile span{color:#495057;font-size:12px}
.legend{display:flex;gap:16px;font-size:12px;margin:4px 0 8px}.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 12px}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e9ecef;vertical-align:top}
th{background:#f1f3f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.tl{display:grid;grid-template-columns:minmax(240px,1fr) 520px max-content;align-items:center;gap:3px 10px;font-size:12px}
.tl .name span{white-space:nowrap}.tl .now{white-space:nowrap}.tl .now small{color:#6c757d}.tl .axis{display:flex;color:#6c757d}.tl .axis .latest{width:${LATEST_COLUMN_WIDTH}px;margin-left:8px;text-align:center}
.tl .head{color:#6c757d}.tl .now b{font-weight:600}
code{font-size:12px;word-break:break-all}
`;

function tile(value: string | number, label: string, colour: string): string {
  return `<div class="tile" style="border-left-color:${colour}"><b>${escapeHtml(String(value))}</b><span>${escapeHtml(label)}</span></div>`;
}

function legend(items: readonly [string, string][]): string {
  return `<div class="legend">${items.map(([label, colour]) => `<span><i style="background:${colour}"></i>${escapeHtml(label)}</span>`).join('')}</div>`;
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], numeric: readonly number[] = []): string {
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  const more = rows.length > shown.length ? `<p class="muted">${rows.length - shown.length} more rows are in the JSON and CSV formats.</p>` : '';
  return (
    `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
    shown.map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('') +
    `</tbody></table>${more}`
  );
}

/** The fleet at the latest pull, in words, under its chart. */
function fleetNow(r: ChangeReport): string {
  const last = r.fleetStatus[r.fleetStatus.length - 1];
  if (!last) return '';
  return `<p>At the latest pull, #${last.pullId} (${escapeHtml(formatTime(last.at))}): <b style="color:${STATUS_COLOURS.connected}">${last.connected} connected</b>, <b style="color:${STATUS_COLOURS['not-connected']}">${last.notConnected} not connected</b>, <b style="color:#495057">${last.unknown} unknown</b>. One band per pull; the latest pull's is the column on the right.</p>`;
}

/**
 * The report as one self-contained HTML file: inline CSS and SVG only (no scripts, fonts or
 * images to fetch), so it can be mailed or archived and read offline. The pictures carry the
 * story: summary tiles, the fleet's status over time, a status timeline per link, throughput and
 * the busiest links; the tables below them hold the details.
 */
export function renderReportHtml(r: ChangeReport): string {
  const period = { from: r.period.base.finishedAt, to: r.period.end.finishedAt };
  const s = r.summary;
  const statusLegend = legend([
    ['connected', STATUS_COLOURS.connected],
    ['not connected (NotConnected, Connecting)', STATUS_COLOURS['not-connected']],
    ['unknown (status Unknown, or the pull could not see the link)', STATUS_COLOURS.unknown],
  ]);
  const trafficLegend = legend([
    ['ingress', TRAFFIC_COLOURS.ingress],
    ['egress', TRAFFIC_COLOURS.egress],
  ]);
  const drawn = r.timelines.slice(0, MAX_HTML_TIMELINES);
  const steadyNotDrawn = r.timelines.length - drawn.length;
  const axisLabels =
    `<div class="head">link</div><div class="axis"><span>${escapeHtml(formatTime(period.from))}</span><span style="margin-left:auto">${escapeHtml(formatTime(period.to))}</span>` +
    `<span class="latest">#${r.period.end.id}</span></div><div class="head">at the latest pull, #${r.period.end.id}</div>`;

  const parts: string[] = [
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>vpnsync change report ${escapeHtml(formatTime(period.from))} → ${escapeHtml(formatTime(period.to))}</title><style>${CSS}</style></head><body>`,
    `<h1>VPN link changes</h1><p class="muted">${escapeHtml(reportPeriodLine(r))}. Generated ${escapeHtml(formatTime(r.generatedAt))} by vpnsync.</p>`,
    `<div class="tiles">`,
    tile(s.linksAtEnd, `links now (${s.linksAtStart} at start)`, '#495057'),
    tile(s.linksWithStatusChanges, `links changed status (${s.statusChanges} changes)`, STATUS_COLOURS['not-connected']),
    tile(s.flappingLinks, `flapping links (≥${FLAPPING_TRANSITIONS} changes)`, '#c2255c'),
    tile(s.linksWithConfigChanges, `links with config changes (${s.configChanges})`, '#7048e8'),
    tile(`+${s.added} / −${s.removed}`, 'links added / removed', '#1098ad'),
    tile(formatBytes(s.ingressBytes + s.egressBytes), 'traffic in the period', TRAFFIC_COLOURS.ingress),
    tile(r.period.partialPulls, 'partial pulls', STATUS_COLOURS.unknown),
    `</div>`,
    `<h2>Fleet status over time</h2>`,
    statusLegend,
    fleetStatusChartSvg(r.fleetStatus, period),
    fleetNow(r),
    `<h2>Status timeline per link</h2>`,
    `<p class="muted">One bar per link across the period, most eventful first, then the link's state at the latest pull: in its own column on the right of the bar, and in words. Hover a band for its status and times.</p>`,
    statusLegend,
    `<div class="tl">${axisLabels}`,
    ...drawn.map((t) => {
      const flaps = t.transitions > 0 ? ` ${t.transitions} change${t.transitions === 1 ? '' : 's'}` : '';
      const now = currentState(t.runs, r.period.base.id);
      const colour = now.state === 'absent' ? '#495057' : STATUS_COLOURS[now.state];
      // The full label, breakable only after a slash: a name is never cut inside a part.
      const parts = t.link.label.split('/');
      const name = parts.map((part, i) => `<span>${escapeHtml(part)}${i < parts.length - 1 ? '/' : ''}</span>`).join('<wbr>');
      return (
        `<div class="name" title="${escapeHtml(t.link.id)}">${name}</div>` +
        statusTimelineSvg(t.runs, period, { label: t.link.label, end: { id: r.period.end.id, at: r.period.end.finishedAt } }) +
        `<div class="now now-${now.state}"><b style="color:${colour}">${escapeHtml(now.status)}</b> ${escapeHtml(now.since)}${flaps ? `<small> ·${escapeHtml(flaps)}</small>` : ''}</div>`
      );
    }),
    `</div>`,
    steadyNotDrawn > 0 ? `<p class="muted">${steadyNotDrawn} more links are not drawn (the JSON format has every timeline).</p>` : '',
    `<h2>Traffic</h2>`,
    `<h3>Fleet throughput between pulls</h3>`,
    trafficLegend,
    r.traffic.perPull.length > 0 ? throughputChartSvg(r.traffic.perPull, period) : `<p class="muted">No traffic samples in the period.</p>`,
    `<h3>Links with the most traffic</h3>`,
    r.traffic.top.length > 0
      ? trafficBarsSvg(r.traffic.top.map((t) => ({ label: t.link.label, ingressBytes: t.ingressBytes, egressBytes: t.egressBytes, note: `${formatBytes(t.totalBytes)}, avg ${formatRate(t.averageBytesPerSecond)}` })))
      : `<p class="muted">No traffic samples in the period.</p>`,
    r.traffic.top.length > 0
      ? `<table><thead><tr><th>link</th><th>rate between pulls (red dot: counter reset)</th><th>average</th><th>peak</th><th>resets</th></tr></thead><tbody>` +
        r.traffic.top
          .map(
            (t) =>
              `<tr><td>${escapeHtml(t.link.label)}</td><td>${rateSparklineSvg(t.series, period)}</td><td class="num">${escapeHtml(formatRate(t.averageBytesPerSecond))}</td><td class="num">${escapeHtml(formatRate(t.peakBytesPerSecond))}</td><td class="num">${t.resets}</td></tr>`,
          )
          .join('') +
        `</tbody></table>`
      : '',
    `<h2>Status changes</h2>`,
    r.statusChanges.length > 0
      ? table(
          ['link', 'changes', 'flapping', 'at start', 'at end', 'when'],
          r.statusChanges.map((e) => [e.link.label, e.transitions, e.flapping ? 'yes' : '', e.statusAtStart ?? '', e.statusAtEnd ?? '', e.changes.map((c) => `#${c.pullId} ${valueText(c.old)} → ${valueText(c.new)}`).join('; ')]),
          [1],
        )
      : `<p class="muted">No link changed status.</p>`,
    `<h2>Configuration drift</h2>`,
    r.drift.length > 0
      ? r.drift
          .map(
            (g) =>
              `<h3>${escapeHtml(g.field)} — ${g.changes} change${g.changes === 1 ? '' : 's'} on ${g.links.length} link${g.links.length === 1 ? '' : 's'}</h3>` +
              table(['link', 'from', 'to', 'pulls'], g.links.map((l) => [l.link.label, valueText(l.first), valueText(l.last), l.changes.map((c) => `#${c.pullId}`).join(', ')])),
          )
          .join('')
      : `<p class="muted">No configuration changed.</p>`,
    `<h2>Links added and removed</h2>`,
    r.added.length + r.removed.length > 0
      ? table(['pull', 'time', 'link', 'event'], [...r.added, ...r.removed].sort((a, b) => a.pullId - b.pullId).map((m) => [`#${m.pullId}`, formatTime(m.at), m.link.label, m.kind === 'deleted' ? 'removed' : m.kind]))
      : `<p class="muted">No link was added or removed.</p>`,
    `<h2>Partial pulls</h2>`,
    r.partialPulls.length > 0
      ? `<p>Links a partial pull could not see keep their last known state (grey in the timelines); none of them is counted as removed.</p>` +
        table(
          ['pull', 'time', 'could not list', 'error', 'links not seen'],
          r.partialPulls.flatMap((p) =>
            p.failedScopes.map((f) => [`#${p.pullId}`, formatTime(p.at), `${f.kind} of ${f.label}`, [f.httpStatus ? `HTTP ${f.httpStatus}` : '', f.errorCode ?? '', f.errorMessage ?? ''].filter(Boolean).join(' '), f.linksNotSeen]),
          ),
          [4],
        )
      : `<p class="muted">Every pull in the period saw everything in its scope.</p>`,
    `<p class="muted">Unknown stretches last ${escapeHtml(formatDuration(r.timelines.reduce((n, t) => n + t.unknownSeconds, 0)))} in total across links.</p>`,
    `</body></html>`,
  ];
  return parts.join('\n');
}
