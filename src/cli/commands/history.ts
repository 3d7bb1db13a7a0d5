import type { Argv, CommandModule } from 'yargs';
import { findLink, linkHistory } from '../../history/link-history.js';
import { HISTORY_COLUMNS, historyHeadline, historyPrunedNote, historyRows, renderHistoryMarkdown, TIMELINE_COLUMNS, timelineRows } from '../../history/render-history.js';
import { TABLE_VALUE_CHARS } from '../../history/render-diff.js';
import type { GlobalArgs } from '../global-options.js';
import { out, renderTable } from '../output.js';
import { outputOf, printRecords, withOutputOption, type OutputArgs } from '../output-option.js';
import { withHistoryStore } from './snapshots.js';

/** Parsed options of `vpnsync history`. */
export interface HistoryArgs extends GlobalArgs, OutputArgs {
  link: string;
}

/** `vpnsync history <link>`: every version of one link and its status timeline. */
export const historyCommand: CommandModule<GlobalArgs, HistoryArgs> = {
  command: 'history <link>',
  describe: 'Show every version of one link connection (what changed, when) and its status timeline',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { defaultText: 'table; csv, ndjson and line list the versions, one record per changed field', formatAlias: true })
      .positional('link', { type: 'string', demandOption: true, describe: 'The link: its ARM id, gateway/connection/link, or its name when unique' })
      .example('$0 history vpngw-weu-01/branch-0042/link-1', 'By gateway/connection/link')
      .example('$0 history branch-0042-link-1 -o json | jq .timeline', 'By name, as JSON') as unknown as Argv<HistoryArgs>,
  handler: async (argv) => {
    await withHistoryStore(argv.db, (store) => {
      const h = linkHistory(store.sqlite, findLink(store.sqlite, argv.link));
      const format = outputOf(argv) ?? 'table';
      if (format === 'csv' || format === 'ndjson' || format === 'line') {
        printRecords(format, { columns: HISTORY_COLUMNS, rows: historyRows(h) });
        return;
      }
      if (format === 'json') {
        out(JSON.stringify(h, null, 2));
        return;
      }
      if (format === 'md') {
        out(renderHistoryMarkdown(h));
        return;
      }
      const note = historyPrunedNote(h);
      out(
        [
          historyHeadline(h),
          ...(note ? [note] : []),
          '',
          renderTable(HISTORY_COLUMNS, historyRows(h, TABLE_VALUE_CHARS)),
          '',
          'Status timeline:',
          h.timeline.length > 0 ? renderTable(TIMELINE_COLUMNS, timelineRows(h.timeline)) : 'No recorded pull covers this link.',
        ].join('\n'),
      );
    });
  },
};
