import { describe, expect, it } from 'vitest';
import type { TimelineRun } from '../../src/history/status-timeline.js';
import { currentState } from '../../src/history/status-timeline.js';
import { LATEST_COLUMN_WIDTH, STATUS_COLOURS, statusTimelineSvg, timeScale } from '../../src/history/svg-charts.js';
import { escapeHtml, formatBytes, formatDuration, formatTime, renderCsv, renderMdTable, shortenMiddle } from '../../src/history/text-format.js';

describe('text formatting', () => {
  it('formats bytes in decimal units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1234)).toBe('1.23 kB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(123_456_789_000)).toBe('123 GB');
  });

  it('formats times and durations', () => {
    expect(formatTime('2026-05-01T12:00:30.250Z')).toBe('2026-05-01T12:00:30Z');
    expect(formatTime(null)).toBe('—');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(310)).toBe('5m 10s');
    expect(formatDuration(3 * 3600 + 1200)).toBe('3h 20m');
    expect(formatDuration(2 * 86400 + 3 * 3600)).toBe('2d 3h');
  });

  it('renders CSV as the query command does: quoted only when needed, NULL empty, JSON for objects', () => {
    expect(renderCsv(['a', 'b', 'c', 'd', 'e'], [['plain', 'a,b', 'say "hi"', null, [{ id: 'x' }]], [1, 'x\ny', 2.5, true, '']])).toBe(
      'a,b,c,d,e\nplain,"a,b","say ""hi""",,"[{""id"":""x""}]"\n1,"x\ny",2.5,true,\n',
    );
  });

  it('escapes Markdown cells and HTML', () => {
    expect(renderMdTable(['x'], [['a|b\nc']])).toBe('| x |\n| --- |\n| a\\|b<br>c |');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('shortens long labels in the middle', () => {
    expect(shortenMiddle('short', 10)).toBe('short');
    const s = shortenMiddle('vpngw-westeurope-01/Connection-branch-0042/link-vodafone', 30);
    expect(s).toHaveLength(30);
    expect(s.startsWith('vpngw-westeu')).toBe(true);
    expect(s.endsWith('link-vodafone')).toBe(true);
  });
});

describe('statusTimelineSvg', () => {
  const run = (state: TimelineRun['state'], fromMin: number, toMin: number, unseen = false): TimelineRun => ({
    state,
    status: state === 'connected' ? 'Connected' : 'NotConnected',
    unseen,
    fromPull: fromMin,
    from: new Date(Date.UTC(2026, 4, 1, 0, fromMin)).toISOString(),
    toPull: toMin,
    to: new Date(Date.UTC(2026, 4, 1, 0, toMin)).toISOString(),
  });
  const period = { from: new Date(Date.UTC(2026, 4, 1, 0, 0)).toISOString(), to: new Date(Date.UTC(2026, 4, 1, 0, 100)).toISOString() };

  const end = { id: 100, at: period.to };
  const bandsOf = (svg: string) => [...svg.matchAll(/<rect class="band band-([a-z-]+)(?: latest)?" x="([\d.]+)" y="0" width="([\d.]+)" height="16" fill="(#[0-9a-f]+)">/g)].map((m) => [m[1], Number(m[2]), Number(m[3]), m[4]]);

  it('draws one band per run, placed on the time scale, nothing for absent stretches, then the state at the latest pull in a column of its own', () => {
    // 400 px: the time axis is 0–336, the latest pull's column 344–400.
    const svg = statusTimelineSvg([run('connected', 0, 25), run('not-connected', 25, 50), run('absent', 50, 75), run('unknown', 75, 100, true)], period, { width: 400, label: 'gw/c/l', end });
    expect(bandsOf(svg)).toEqual([
      ['connected', 0, 84, STATUS_COLOURS.connected],
      ['not-connected', 84, 84, STATUS_COLOURS['not-connected']],
      ['unknown', 252, 84, STATUS_COLOURS.unknown],
      ['unknown', 344, LATEST_COLUMN_WIDTH, STATUS_COLOURS.unknown],
    ]);
    expect(svg).toContain('<title>unknown: not seen by the pull (last known NotConnected)');
    expect(svg).toContain('aria-label="status timeline of gw/c/l"');
  });

  it('shows a state that begins at the latest pull in the latest column, not as a band of no width', () => {
    const svg = statusTimelineSvg([run('not-connected', 0, 100), run('connected', 100, 100)], period, { width: 400, label: 'gw/c/l', end });
    expect(bandsOf(svg)).toEqual([
      ['not-connected', 0, 336, STATUS_COLOURS['not-connected']],
      ['connected', 344, LATEST_COLUMN_WIDTH, STATUS_COLOURS.connected],
    ]);
    expect(currentState([run('not-connected', 0, 100), run('connected', 100, 100)], 0)).toEqual({ state: 'connected', status: 'Connected', since: 'since #100' });
    expect(currentState([run('connected', 0, 100)], 0)).toMatchObject({ status: 'Connected', since: 'throughout' });
    const removed = statusTimelineSvg([run('connected', 0, 50), run('absent', 50, 100)], period, { width: 400, label: 'gw/c/l', end });
    expect(removed).toMatch(/<rect class="band band-absent latest"[^>]*fill="none"[^>]*><title>removed at the latest pull #100/);
    expect(currentState([run('connected', 0, 50), run('absent', 50, 100)], 0)).toMatchObject({ state: 'absent', status: 'removed', since: 'at #50' });
  });

  it('widens a zero-length period instead of dividing by zero', () => {
    const s = timeScale('2026-05-01T00:00:00Z', '2026-05-01T00:00:00Z', 0, 100);
    expect(s.x(Date.parse('2026-05-01T00:00:00Z'))).toBe(0);
    expect(Number.isFinite(s.x(Date.parse('2026-05-01T00:00:01Z')))).toBe(true);
  });
});
