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
    await chromium(['--window-size=1100,6000', `--screenshot=${shot}`, `file://${file}`]);
    const img = decodePng(readFileSync(shot));
    expect([img.width, img.height]).toEqual([1100, 6000]);
    const area = img.width * img.height;
    // Legend swatches and tile borders are a few hundred pixels each: these need bands and bars.
    expect(countColour(img, STATUS_COLOURS.connected) / area).toBeGreaterThan(0.05);
    expect(countColour(img, STATUS_COLOURS['not-connected']) / area).toBeGreaterThan(0.01);
    expect(countColour(img, STATUS_COLOURS.unknown)).toBeGreaterThan(10_000);
    expect(countColour(img, TRAFFIC_COLOURS.ingress)).toBeGreaterThan(20_000);
    expect(countColour(img, TRAFFIC_COLOURS.egress)).toBeGreaterThan(10_000);
  });

  it("shows each link's state at the latest pull: a link that came back at the last pull is drawn and named Connected, one fleet band per pull, full labels", async () => {
    const ctx = await start({ seed: 14 });
    const down = ctx.emulator.links().find((l) => l.properties?.connectionStatus === 'NotConnected')!;
    const label = `${down.gatewayName}/${down.connectionName}/${down.name}`;
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
    // Reset the link: the emulator's reset ends with the link Connected, seen by pull #3 only.
    expect((await ctx.vpnsync(['queue', 'reset', down.id!, '--reason', 'html test'])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['queue', 'run'])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
    const html = await ctx.vpnsync(['report', '--from', '1', '--format', 'html']);
    expect(html.code, html.stderr).toBe(EXIT.OK);
    const report = JSON.parse((await ctx.vpnsync(['report', '--from', '1', '--format', 'json'])).stdout) as ChangeReport;
    expect(report.fleetStatus.map((p) => p.pullId)).toEqual([1, 2, 3]);
    const file = path.join(ctx.dir, 'report.html');
    writeFileSync(file, html.stdout);
    const dom = await chromium(['--dump-dom', `file://${file}`]);

    // The link's timeline: its last segment is inside the picture, wide enough to see, and green.
    const svg = new RegExp(`<svg class="timeline"[^>]*aria-label="status timeline of ${label}"[^>]*>([\\s\\S]*?)</svg>`).exec(dom);
    expect(svg, label).not.toBeNull();
    const svgWidth = Number(/width="([\d.]+)"/.exec(svg![0])![1]);
    const bands = [...svg![1]!.matchAll(/<rect class="band ([^"]+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill="([^"]+)"/g)].map((m) => ({ cls: m[1]!, x: Number(m[2]), width: Number(m[3]), fill: m[4]! }));
    const last = bands[bands.length - 1]!;
    expect(last.cls).toContain('band-connected');
    expect(last.fill).toBe(STATUS_COLOURS.connected);
    expect(last.width).toBeGreaterThanOrEqual(20);
    expect(last.x + last.width).toBeLessThanOrEqual(svgWidth);
    // Before it, the link was down for the whole period.
    expect(bands.slice(0, -1).every((b) => b.cls.includes('band-not-connected'))).toBe(true);
    // And in words, beside the timeline.
    const words = new RegExp(`status timeline of ${label}"[\\s\\S]*?</svg><div class="now[^"]*">([\\s\\S]*?)</div>`).exec(dom)![1]!.replace(/<[^>]+>/g, '');
    expect(words).toMatch(/^Connected since #3\b/);
    // Every drawn link's state is stated in words.
    expect((dom.match(/<div class="now /g) ?? []).length).toBe(report.timelines.length);

    // The fleet chart: one band per pull, each with a width.
    const fleet = [...dom.matchAll(/<rect class="fleet fleet-[a-z-]+" data-pull="(\d+)" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({ pull: Number(m[1]), width: Number(m[2]) }));
    expect([...new Set(fleet.map((f) => f.pull))]).toEqual([1, 2, 3]);
    expect(fleet.every((f) => f.width >= 1)).toBe(true);
    expect(dom).toMatch(/At the latest pull, #3 \([^)]*\): <b[^>]*>\d+ connected<\/b>/);

    // Labels in full: every timeline's name and every traffic bar's label, uncut.
    const names = [...dom.matchAll(/<div class="name"[^>]*>([\s\S]*?)<\/div>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
    expect(names).toEqual(report.timelines.map((t) => t.link.label));
    const barLabels = [...dom.matchAll(/<text class="bar-label" x="0"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(barLabels).toEqual(report.traffic.top.map((t) => t.link.label));
    expect(dom).not.toContain('…');
  });
});
