import type { Argv, CommandModule } from 'yargs';
import { classifyArmJson, type ImportPlan } from '../../import/classify-arm-json.js';
import { importArmJson, type ImportResult } from '../../import/import-arm-json.js';
import { ImportInputError } from '../../import/import-input-error.js';
import { parseImportJson } from '../../import/parse-import-json.js';
import { MAX_IMPORT_BYTES, readImportInput } from '../../import/read-import-input.js';
import { openStore } from '../../store/open-store.js';
import { resolveDbPath } from '../database-path.js';
import { fingerprintKeyOf, locateFingerprintKey } from '../fingerprint-key-path.js';
import { lockLeaseMs } from '../lock-lease.js';
import { watchHeartbeatsAhead } from '../../store/process-lock.js';
import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { createLog } from '../output.js';
import { outputOf, printResult, withOutputOption, type OutputArgs } from '../output-option.js';

/** The options of `vpnsync import`, as yargs parses them. */
export interface ImportArgs extends GlobalArgs, OutputArgs {
  file: string;
  'dry-run': boolean;
  quiet: boolean;
}

/** `vpnsync import FILE|-`: record ARM JSON captured elsewhere as a pull with source `import`. */
export const importCommand: CommandModule<GlobalArgs, ImportArgs> = {
  command: 'import <file>',
  describe: 'Record ARM JSON captured elsewhere (az rest, the portal\'s JSON view) as a pull, without contacting Azure',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { defaultText: 'nothing on stdout, the summary line on stderr' })
      .positional('file', { type: 'string', demandOption: true, describe: `File of ARM JSON ("-" for stdin, at most ${MAX_IMPORT_BYTES / 1024 / 1024} MiB)` })
      .option('quiet', { type: 'boolean', default: false, describe: 'Only warnings and errors on stderr' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Check the file and say what the import would record (added, changed, removed); write nothing' })
      .example('$0 import links.json --dry-run', 'What importing the file would change, without recording it')
      .example('$0 import links.json', 'A ListByVpnConnection response saved by az rest')
      .example('az rest --method get --url "/subscriptions/$SUB/providers/Microsoft.Network/vpnGateways?api-version=2024-05-01" | $0 import -', 'Gateways with embedded connections, from stdin') as unknown as Argv<ImportArgs>,
  handler: async (argv) => {
    const format = outputOf(argv);
    const log = createLog({ quiet: argv.quiet });
    // Everything about the input is checked before the database is opened: bad input leaves
    // no trace, not even a new empty database.
    // yargs hands a lone "-" to a string positional as ''.
    const { plan, label } = await readPlan(argv.file === '' ? '-' : argv.file);
    const dryRun = argv['dry-run'];
    const file = resolveDbPath(argv.db);
    const leaseMs = lockLeaseMs();
    const keySource = locateFingerprintKey();
    const store = await openStore(file, { mode: dryRun ? 'rehearse' : 'write' });
    let result: ImportResult;
    try {
      const fingerprintKey = fingerprintKeyOf(store, (line) => log.info(line), keySource, dryRun);
      // A dry run takes no lock, so it has no other host's heartbeat to watch.
      const observedStale = dryRun ? new Map<number, string | null>() : await watchHeartbeatsAhead(store.sqlite, 'pulls', 'pull', { hostname: hostname() }, { leaseMs, log: (line) => log.info(line) });
      result = importArmJson({ store, fingerprintKey, locks: { leaseMs, observedStale } }, plan, label, { dryRun });
    } finally {
      await store.close();
    }
    for (const id of result.clearedStalePulls) log.info(`cleared the lock of pull #${id}: its process is no longer running; that pull is marked failed`);
    if (result.paged) log.warn(`note: ${label} is one page of a longer listing (it has a nextLink); links missing from it were not taken as deleted`);
    if (result.connectionsWithoutLinks > 0) {
      const n = result.connectionsWithoutLinks;
      log.warn(`note: ${n === 1 ? '1 connection has' : `${n} connections have`} no embedded vpnLinkConnections; ${n === 1 ? 'its' : 'their'} stored links were left as they were`);
    }
    if (format !== undefined) {
      printResult(format, dryRun ? { ...result, pullId: null, dryRun: true } : result, {
        columns: ['pullId', 'status', 'links', 'added', 'changed', 'removed', 'source'],
        rows: [[dryRun ? null : result.pullId, result.status, result.seen, result.added + result.restored, result.changed, result.removed, result.source]],
      });
    }
    log.info(importSummaryLine(result, dryRun));
  },
};

async function readPlan(file: string): Promise<{ plan: ImportPlan; label: string }> {
  try {
    const input = await readImportInput(file);
    return { plan: classifyArmJson(parseImportJson(input.text, input.label), input.label), label: input.label };
  } catch (e) {
    if (e instanceof ImportInputError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/** "import #5 complete: 2 links (2 added, 0 changed, 0 removed) from links.json, a VpnGateways_List example (…)". */
export function importSummaryLine(r: ImportResult, dryRun = false): string {
  const counts = `${r.seen} link${r.seen === 1 ? '' : 's'} (${r.added + r.restored} added, ${r.changed} changed, ${r.removed} removed) from ${r.source}, ${r.description}`;
  return dryRun ? `dry run: a ${r.status} import would record ${counts}; nothing written` : `import #${r.pullId} ${r.status}: ${counts}`;
}
