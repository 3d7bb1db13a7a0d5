import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { ChangeReport } from '../../src/history/build-report.js';
import { STATUS_COLOURS, TRAFFIC_COLOURS } from '../../src/history/svg-charts.js';
import { useE2e } from '../support/e2e.js';
import { requireTool } from '../support/require-tool.js';
import { countColour, decodePng } from './history-png.js';

// Chromium or Chrome: CHROME_PATH if set, else the first of these names on PATH. Where none is
// found the test is skipped with a notice (under CI=true it fails instead).
const CHROMIUM = requireTool('Chromium or Chrome', [process.env.CHROME_PATH, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'], 'chromium');
const run = promisify(execFile);
const start = useE2e();

/** Headless Chromium with nothing that reaches the network; a fresh profile per run. */
async function chromium(args: string[]): Promise<string> {
  const profile = mkdtempSync(path.join(tmpdir(), 'vpnsync-chromium-'));
  try {
    const { stdout } = await run(
      CHROMIUM as string,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe.skipIf(CHROMIUM === undefined)('the HTML report in headless Chromium', () => {
  it('draws a status timeline per link and the traffic charts', async () => {
    const ctx = await start({ seed: 31, mutationRates: { statusFlap: 0.3, counterReset: 0.1 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    for (let i = 0; i < 4; i++) {
      ctx.emulator.tick();
      // One partial pull, so that unknown (grey) bands exist.
      ctx.emulator.setFaults(i === 2 ? [{ match: ctx.emulator.links()[0]!.gatewayName, kind: '403' }] : []);
      await ctx.vpnsync(['pull']);
    }
    const html = await ctx.vpnsync(['report', '--from', '1', '--format', 'html']);
    expect(html.code, html.stderr).toBe(EXIT.OK);
    const report = JSON.parse((await ctx.vpnsync(['report', '--from', '1', '--format', 'json'])).stdout) as ChangeReport;
    // Self-contained: nothing to fetch, nothing to run.
    expect(html.stdout).not.toMatch(/<script|<link\b|<img\b|<iframe|src=|url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    const file = path.join(ctx.dir, 'report.html');
    writeFileSync(file, html.stdout);

    // The DOM Chromium built: one timeline SVG per link, with bands of every kind, and the charts.
    const dom = await chromium(['--dump-dom', `file://${file}`]);
    const timelines = dom.match(/<svg class="timeline"[^>]*>[\s\S]*?<\/svg>/g) ?? [];
    expect(timelines).toHaveLength(report.timelines.length);
    expect(timelines.every((svg) => /<rect class="band band-/.test(svg))).toBe(true);
    for (const kind of ['connected', 'not-connected', 'unknown']) expect(dom, kind).toContain(`class="band band-${kind}"`);
    expect((dom.match(/<rect class="fleet fleet-/g) ?? []).length).toBeGreaterThanOrEqual(report.fleetStatus.length);
    expect((dom.match(/<rect class="traffic traffic-ingress"/g) ?? []).length).toBe(report.traffic.perPull.filter((p) => p.seconds > 0).length);
    expect((dom.match(/<rect class="bar bar-ingress"/g) ?? []).length).toBe(report.traffic.top.length);
    expect(dom).toContain('<circle class="reset"');

    // The pixels: the bands and charts are really painted, in their colours.
    const shot = path.join(ctx.dir, 'report.png');
    await chromium(['--window-size=1100,4000', `--screenshot=${shot}`, `file://${file}`]);
    const img = decodePng(readFileSync(shot));
    expect([img.width, img.height]).toEqual([1100, 4000]);
    const area = img.width * img.height;
    // Legend swatches and tile borders are a few hundred pixels each: these need bands and bars.
    expect(countColour(img, STATUS_COLOURS.connected) / area).toBeGreaterThan(0.05);
    expect(countColour(img, STATUS_COLOURS['not-connected']) / area).toBeGreaterThan(0.01);
    expect(countColour(img, STATUS_COLOURS.unknown)).toBeGreaterThan(10_000);
    expect(countColour(img, TRAFFIC_COLOURS.ingress)).toBeGreaterThan(20_000);
    expect(countColour(img, TRAFFIC_COLOURS.egress)).toBeGreaterThan(10_000);
  });
});
