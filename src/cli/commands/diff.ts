import type { Argv, CommandModule } from 'yargs';
import { diffPulls } from '../../history/diff-pulls.js';
import { parsePullRef, resolvePullRef, type PullRef } from '../../history/pull-ref.js';
import { historyStart, recordedPullsNewestFirst } from '../../history/pulls.js';
import {
  DIFF_COLUMNS,
  DIFF_RECORD_COLUMNS,
  diffRecords,
  DIFF_TOP_TRAFFIC,
  DIFF_TRAFFIC_COLUMNS,
  diffChangeRows,
  diffHeadline,
  diffPartialNote,
  diffTrafficLine,
  diffTrafficRows,
  renderDiffCsv,
  renderDiffMarkdown,
  TABLE_VALUE_CHARS,
} from '../../history/render-diff.js';
import { TRACKED_FIELDS, type LinkField } from '../../sync/fields.js';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { out, renderTable } from '../output.js';
import { outputOf, printRecords, withOutputOption, type OutputArgs } from '../output-option.js';
import { coerceWith, withHistoryStore } from './snapshots.js';

/** Parsed options of `vpnsync diff`. */
export interface DiffArgs extends GlobalArgs, OutputArgs {
  from?: PullRef | undefined;
  to?: PullRef | undefined;
  field?: LinkField[] | undefined;
}

const TRACKED_NAMES = TRACKED_FIELDS.map((f) => f.name as LinkField);

/** Parses --field values (repeatable, or comma-separated) against the tracked fields. */
export function parseFields(value: unknown): LinkField[] | undefined {
  if (value === undefined) return undefined;
  const names = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const out: LinkField[] = [];
  for (const name of names) {
    const field = TRACKED_NAMES.find((f) => f.toLowerCase() === name.toLowerCase());
    if (!field) throw new UsageError(`Expected --field to be a tracked field (${TRACKED_NAMES.join(', ')}), got '${name}'`);
    if (!out.includes(field)) out.push(field);
  }
  if (out.length === 0) throw new UsageError(`Expected --field to name a tracked field, got ''`);
  return out;
}

/** `vpnsync diff [FROM] [TO]`: what changed between two pulls. */
export const diffCommand: CommandModule<GlobalArgs, DiffArgs> = {
  command: 'diff [from] [to]',
  describe: 'Show links added, removed and changed (field by field) between two pulls, and the traffic in between',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { defaultText: 'table', formatAlias: true })
      .positional('from', { type: 'string', describe: 'Earlier pull: id, latest, -N (N complete pulls before the latest) or ISO time (default -1)', coerce: coerceWith((t) => parsePullRef(t, 'FROM')) })
      .positional('to', { type: 'string', describe: 'Later pull, same forms (default latest)', coerce: coerceWith((t) => parsePullRef(t, 'TO')) })
      // Not `array: true`: an array option would swallow the FROM and TO after it.
      .option('field', { type: 'string', describe: 'Only changes of these fields (repeatable or comma-separated), e.g. connectionStatus', coerce: parseFields })
      .example('$0 diff', 'The last two complete pulls')
      .example('$0 diff 12 latest --field connectionStatus', 'Which links changed status since pull 12')
      .example('$0 diff 2026-05-01T00:00Z 2026-05-02T00:00Z -o json | jq .changed', 'One day, as JSON') as unknown as Argv<DiffArgs>,
  handler: async (argv) => {
    await withHistoryStore(argv.db, (store) => {
      const { sqlite } = store;
      if (argv.from === undefined) {
        const complete = recordedPullsNewestFirst(sqlite, ['complete'], historyStart(sqlite), 2);
        if (complete.length < 2) {
          throw new UsageError(`Expected two complete pulls to compare, found ${complete.length}; run vpnsync pull again, or give FROM and TO (see vpnsync snapshots)`);
        }
      }
      const from = resolvePullRef(sqlite, argv.from ?? parsePullRef('-1', 'FROM'), 'FROM');
      const to = resolvePullRef(sqlite, argv.to ?? parsePullRef('latest', 'TO'), 'TO');
      if (from.id > to.id) throw new UsageError(`Expected FROM to be an earlier pull than TO, got pull #${from.id} → pull #${to.id}`);
      // Table and Markdown show the busiest links only; JSON and CSV list every link's traffic.
      const format = outputOf(argv) ?? 'table';
      const everyLink = format !== 'table' && format !== 'md';
      const diff = diffPulls(sqlite, from, to, { fields: argv.field, busiestLinks: everyLink ? undefined : DIFF_TOP_TRAFFIC });
      switch (format) {
        case 'json':
          out(JSON.stringify(diff, null, 2));
          return;
        case 'md':
          out(renderDiffMarkdown(diff));
          return;
        case 'csv':
          process.stdout.write(renderDiffCsv(diff));
          return;
        case 'ndjson':
        case 'line':
          printRecords(format, { columns: DIFF_RECORD_COLUMNS, rows: diffRecords(diff) });
          return;
        default: {
          const rows = diffChangeRows(diff, TABLE_VALUE_CHARS);
          const note = diffPartialNote(diff);
          const parts = [diffHeadline(diff), ...(note ? [note] : []), '', rows.length > 0 ? renderTable(DIFF_COLUMNS, rows) : 'No added, removed or changed links.', '', diffTrafficLine(diff)];
          const traffic = diffTrafficRows(diff);
          if (traffic.length > 0) parts.push(renderTable(DIFF_TRAFFIC_COLUMNS, traffic));
          out(parts.join('\n'));
        }
      }
    });
  },
};
