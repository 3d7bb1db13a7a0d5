import type { Argv, CommandModule } from 'yargs';
import { ExecSyntaxError, parseExecStatement } from '../../queue/stackql-exec.js';
import { resolveTargets, targetFromParts, TargetError } from '../../queue/action-target.js';
import { openStore } from '../../store/open-store.js';
import { resolveDbPath } from '../database-path.js';

import { enqueueFromTargets } from '../enqueue-targets.js';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { withEnqueueOptions, type EnqueueArgs } from '../enqueue-targets.js';

interface ExecArgs extends EnqueueArgs {
  statement: string;
}

/** `vpnsync exec "<StackQL EXEC …>"`: queue the action a StackQL EXEC statement names. */
export const execCommand: CommandModule<GlobalArgs, ExecArgs> = {
  command: 'exec <statement>',
  describe: 'Queue the action of a StackQL EXEC statement (VpnLinkConnections_ResetConnection or _GetIkeSas); run it with `queue run`',
  builder: (y: Argv<GlobalArgs>) => withEnqueueOptions(y).positional('statement', { type: 'string', demandOption: true, describe: 'The StackQL EXEC statement' }) as unknown as Argv<ExecArgs>,
  handler: async (argv) => {
    let parsed;
    try {
      parsed = parseExecStatement(argv.statement);
    } catch (e) {
      if (e instanceof ExecSyntaxError) throw new UsageError(e.message);
      throw e;
    }
    const candidate = targetFromParts(parsed.parts, false);
    const file = resolveDbPath(argv.db);
    // Make sure the database is migrated before reading it (and, with --allow-unknown, exists);
    // a dry run writes nothing, so it reads the database as it is.
    if (!argv['dry-run']) await (await openStore(file, { mode: 'write', mustExist: !argv['allow-unknown'] })).close();
    const reader = await openStore(file, { mode: 'read' });
    let targets;
    try {
      targets = resolveTargets(reader.sqlite, { targets: [candidate.linkId], allowUnknown: argv['allow-unknown'] });
    } catch (e) {
      if (e instanceof TargetError) throw new UsageError(e.message);
      throw e;
    } finally {
      await reader.close();
    }
    await enqueueFromTargets(parsed.kind, targets, argv);
  },
};
