import type { Argv, CommandModule } from 'yargs';
import { findLink, linkHistory } from '../../history/link-history.js';
import { HISTORY_COLUMNS, historyHeadline, historyPrunedNote, historyRows, renderHistoryMarkdown, TIMELINE_COLUMNS, timelineRows } from '../../history/render-history.js';
import { TABLE_VALUE_CHARS } from '../../history/render-diff.js';
import type { GlobalArgs } from '../global-options.js';
import { out, renderTable } from '../output.js';
import { withHistoryStore } from './snapshots.js';

/** Output formats of `vpnsync history`. */
export const HISTORY_FORMATS = ['table', 'json', 'md'] as const;

/** Parsed options of `vpnsync history`. */
export interface HistoryArgs extends GlobalArgs {
  link: string;
  format: (typeof HISTORY_FORMATS)[number];
}

/** `vpnsync history <link>`: every version of one link and its status timeline. */
export const historyCommand: CommandModule<GlobalArgs, HistoryArgs> = {
  command: 'history <link>',
  describe: 'Show every version of one link connection (what changed, when) and its status timeline',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('link', { type: 'string', demandOption: true, describe: 'The link: its ARM id, gateway/connection/link, or its name when unique' })
      .option('format', { choices: HISTORY_FORMATS, default: 'table' as const, describe: 'table | json | md' })
      .example('$0 history vpngw-weu-01/branch-0042/link-1', 'By gateway/connection/link')
      .example('$0 history branch-0042-link-1 --format json | jq .timeline', 'By name, as JSON') as unknown as Argv<HistoryArgs>,
  handler: async (argv) => {
    await withHistoryStore(argv.db, (store) => {
      const h = linkHistory(store.sqlite, findLink(store.sqlite, argv.link));
      if (argv.format === 'json') {
        out(JSON.stringify(h, null, 2));
        return;
      }
      if (argv.format === 'md') {
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
