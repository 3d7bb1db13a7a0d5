import type { Argv, CommandModule } from 'yargs';
import { buildReport, DEFAULT_TOP_LINKS } from '../../history/build-report.js';
import { DURATION_FORMS, parseDuration } from '../../history/duration.js';
import { parsePullRef, type PullRef } from '../../history/pull-ref.js';
import { renderReportHtml } from '../../history/render-report-html.js';
import { renderReportCsv, renderReportMarkdown, REPORT_CSV_HEADER, reportRecords } from '../../history/render-report-text.js';
import { DEFAULT_REPORT_DAYS, resolveReportPeriod } from '../../history/report-period.js';
import type { GlobalArgs } from '../global-options.js';
import { out, renderTable } from '../output.js';
import { outputOf, printRecords, withOutputOption, type OutputArgs } from '../output-option.js';
import { integerIn, NUMERIC } from '../validate.js';
import { coerceWith, withHistoryStore } from './snapshots.js';

/** Parsed options of `vpnsync report`. */
export interface ReportArgs extends GlobalArgs, OutputArgs {
  since?: number | undefined;
  from?: PullRef | undefined;
  to?: PullRef | undefined;
  top: number;
}

/** `vpnsync report`: the change report for a period. */
export const reportCommand: CommandModule<GlobalArgs, ReportArgs> = {
  command: 'report',
  describe: 'Change report for a period: status changes and flapping, configuration drift, links added and removed, traffic, partial pulls',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { extra: ['html'], defaultText: 'md; html is one self-contained page with charts', formatAlias: true })
      .option('since', { type: 'string', describe: `The period ending now (or at --to): ${DURATION_FORMS} (default ${DEFAULT_REPORT_DAYS}d)`, coerce: coerceWith((t) => parseDuration(t, '--since')) })
      .option('from', { type: 'string', describe: 'Start of the period: an ISO time, or a pull (id, latest, -N)', coerce: coerceWith((t) => parsePullRef(t, '--from')) })
      .option('to', { type: 'string', describe: 'End of the period, same forms (default: now)', coerce: coerceWith((t) => parsePullRef(t, '--to')) })
      .conflicts('since', 'from')
      .option('top', { ...NUMERIC, default: DEFAULT_TOP_LINKS, describe: 'How many links the traffic ranking shows', coerce: integerIn('--top', 0, 10_000) })
      .example('$0 report', 'The last 7 days, as Markdown')
      .example('$0 report --since 24h -o html > report.html', 'The last day, as a page with timelines and charts')
      .example('$0 report --from 2026-05-01 --to 2026-05-08 -o csv > week.csv', 'A given week, as CSV') as unknown as Argv<ReportArgs>,
  handler: async (argv) => {
    await withHistoryStore(argv.db, (store) => {
      const now = Date.now();
      const period = resolveReportPeriod(store.sqlite, { sinceMs: argv.since, from: argv.from, to: argv.to, now });
      const report = buildReport(store.sqlite, period, { generatedAt: new Date(now).toISOString(), top: argv.top });
      const format = outputOf<'html'>(argv) ?? 'md';
      switch (format) {
        case 'json':
          out(JSON.stringify(report, null, 2));
          return;
        case 'csv':
          process.stdout.write(renderReportCsv(report));
          return;
        case 'ndjson':
        case 'line':
          printRecords(format, { columns: REPORT_CSV_HEADER, rows: reportRecords(report) });
          return;
        case 'html':
          out(renderReportHtml(report));
          return;
        case 'table':
          out(renderReportMarkdown(report, (header, rows) => renderTable(header, rows)));
          return;
        default:
          out(renderReportMarkdown(report));
      }
    });
  },
};
