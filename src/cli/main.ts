import { readFileSync } from 'node:fs';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ArmError } from '../arm/arm-error.js';
import { LockedError } from '../store/process-lock.js';
import { sqliteErrorIn, StoreError, translateSqliteError } from '../store/store-error.js';
import { FingerprintKeyError } from '../store/fingerprint-key.js';
import { NormaliseError } from '../sync/normalise.js';
import { NoMatchError } from '../sync/no-match-error.js';
import { ensureDefaultDirectory, locateDb, refuseDatabaseUrl, resolveDbPath } from './database-path.js';
import { CliError, UsageError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { GlobalArgs } from './global-options.js';
import { isNetworkFailureCode } from '../arm/network-failure.js';
import { endQuietlyOnEpipe } from './output.js';
import { redactUrlCredentials, redactWrites } from './redact-secrets.js';

/**
 * The commands, in --help order, each loaded only when needed: a command line naming one
 * loads that command's modules alone (a quarter of vpnsync's), which shortens the start-up
 * every cron run and every query pays. --help, or no or an unknown command, loads them all.
 * The keys are the first word of each module's `command` (test/unit/cli-commands.test.ts).
 */
export const COMMANDS: Record<string, () => Promise<CommandModule<GlobalArgs, never>>> = {
  pull: async () => (await import('./commands/pull.js')).pullCommand as never,
  query: async () => (await import('./commands/query.js')).queryCommand as never,
  snapshots: async () => (await import('./commands/snapshots.js')).snapshotsCommand as never,
  diff: async () => (await import('./commands/diff.js')).diffCommand as never,
  history: async () => (await import('./commands/history.js')).historyCommand as never,
  report: async () => (await import('./commands/report.js')).reportCommand as never,
  prune: async () => (await import('./commands/prune.js')).pruneCommand as never,
  import: async () => (await import('./commands/import.js')).importCommand as never,
  queue: async () => (await import('./commands/queue.js')).queueCommand as never,
  exec: async () => (await import('./commands/exec.js')).execCommand as never,
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand as never,
  demo: async () => (await import('./commands/demo.js')).demoCommand as never,
  emulator: async () => (await import('./commands/emulator.js')).emulatorCommand as never,
};

/** Commands that open no database, and so take no --db (each command lists only its own options). */
const WITHOUT_DATABASE: ReadonlySet<string> = new Set(['emulator']);

/** The command modules a command line needs: the one it names, none for --version alone, or all of them. */
async function commandsFor(argv: readonly string[]): Promise<CommandModule<GlobalArgs, never>[]> {
  const word = commandWords(argv)[0];
  if (word === undefined && argv.includes('--version')) return [];
  const names = word !== undefined && word in COMMANDS ? [word] : Object.keys(COMMANDS);
  return Promise.all(
    names.map(async (name) => {
      const command = await (COMMANDS[name] as () => Promise<CommandModule<GlobalArgs, never>>)();
      return WITHOUT_DATABASE.has(name) ? command : withDbOption(command);
    }),
  );
}

/**
 * `command` with --db added ahead of its own options. `global` carries it down to subcommands
 * (queue list, queue run, …) and no further up: the top level and `emulator` do not list it.
 */
function withDbOption(command: CommandModule<GlobalArgs, never>): CommandModule<GlobalArgs, never> {
  const own = command.builder;
  return {
    ...command,
    builder: (y: Argv<GlobalArgs>) => {
      const withDb = y.option('db', { type: 'string', global: true, describe: 'Database file (else env VPNSYNC_DB, else the default that vpnsync --help names)' });
      if (typeof own === 'function') return own(withDb) as never;
      return (own ? withDb.options(own) : withDb) as never;
    },
  };
}

/**
 * `vpnsync help [command…]` is `vpnsync [command…] --help`: yargs only knows a trailing `help`
 * word, and `help` first would otherwise be an unknown command. Throws a UsageError for `help nope`.
 */
export function helpAsOption(argv: readonly string[]): string[] {
  const [i, next] = commandWordIndexes(argv);
  if (i === undefined || argv[i] !== 'help') return [...argv];
  const named = next === undefined ? undefined : (argv[next] as string);
  // `nope --help` would show the top-level help; `help nope` asks about a command, so it is told there is none.
  if (named !== undefined && !(named in COMMANDS) && !BUILT_IN_COMMANDS.includes(named)) {
    throw new UsageError(`Unknown command '${named}'; run vpnsync --help to see the commands`);
  }
  return [...argv.slice(0, i), ...argv.slice(i + 1), '--help'];
}

/**
 * `--since -2h` as `--since=-2h`: yargs takes a value starting with '-' for flags (only a plain
 * negative number such as `--limit -1` is a value), so the option got '' and `-2h` became the
 * short options `-2 -h`, and `-h` printed the help on stdout with exit 0 in answer to a mistyped
 * duration. Joined, the option's own check names the value ("Expected --since to be a duration …,
 * got '-2h'"). No vpnsync option starts with a digit, so such a token anywhere else is refused
 * here rather than read as `-h`. Throws a UsageError for that.
 */
export function dashValuesJoined(argv: readonly string[]): string[] {
  const out: string[] = [];
  const dashValue = (a: string | undefined) => a !== undefined && /^-\d/.test(a) && !/^-\d+(\.\d+)?$/.test(a);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return [...out, ...argv.slice(i)];
    if (/^--[^=]+$/.test(a) && dashValue(argv[i + 1])) {
      out.push(`${a}=${argv[i + 1]}`);
      i += 1;
    } else if (dashValue(a)) {
      throw new UsageError(`Unknown argument: ${a} (no vpnsync option starts with a digit; a value that starts with '-' goes right after its option)`);
    } else out.push(a);
  }
  return out;
}

/**
 * A switch (a boolean option) given a value that starts with '-' (`--dry-run -2h`, joined by
 * dashValuesJoined, or typed as `--dry-run=-2h`): yargs would quietly read it as false, and a
 * dry run would then queue. Throws a UsageError naming it.
 */
function refuseDashValueOfSwitch(argv: readonly string[], args: Record<string, unknown>): void {
  for (const a of argv) {
    if (a === '--') return;
    const m = /^--([^=]+)=(-.*)$/.exec(a);
    if (m && typeof args[m[1] as string] === 'boolean') throw new UsageError(`Expected --${m[1]} alone (it takes no value), got '${m[2]}'`);
  }
}

/** `vpnsync help`, listed in --help; never run, since `helpAsOption` rewrites the command line first. */
const HELP_COMMAND: CommandModule<GlobalArgs, never> = {
  command: 'help [command..]',
  describe: 'Show the help of a command: vpnsync help queue run is vpnsync queue run --help',
  handler: () => undefined,
};

/** Commands main.ts itself provides rather than a module of COMMANDS: `help` and yargs' completion script. */
export const BUILT_IN_COMMANDS: readonly string[] = ['help', 'completion'];

/** What `vpnsync completion` is described as in --help. */
const COMPLETION_DESCRIPTION = 'Print the bash/zsh completion script: vpnsync completion >> ~/.bashrc (or ~/.zshrc)';

/** The words of a command line that are neither options nor an option's value: the command and its positionals. */
function commandWords(argv: readonly string[]): string[] {
  return commandWordIndexes(argv).map((i) => argv[i] as string);
}

/** Where `commandWords` are in `argv`. */
function commandWordIndexes(argv: readonly string[]): number[] {
  const indexes: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--db') i += 1;
    else if (!a.startsWith('-')) indexes.push(i);
  }
  return indexes;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Runs the CLI and returns the exit code. The one place errors become messages (one line on
 * stderr; the stack only with --debug) and exit codes; commands only throw or set process.exitCode.
 */
export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  // Everything vpnsync writes (database, WAL, reports, certificates) is private to its user.
  process.umask(0o077);
  // A pipe closed early (`| head`) ends the output quietly, in every command; stderr too, for `2>&1 | head`.
  endQuietlyOnEpipe(process.stdout);
  endQuietlyOnEpipe(process.stderr);
  // One redactor for every line on stderr, the Azure SDK's log included (stdout is data, as asked for).
  redactWrites(process.stderr);
  const debug = argv.includes('--debug');
  process.exitCode = EXIT.OK;
  try {
    const line = dashValuesJoined(helpAsOption(argv));
    refuseDatabaseUrl(dbFlagOf(line));
    ensureDefaultDirectory(dbFileOf(argv));
    await buildParser(line, await commandsFor(line)).parseAsync();
  } catch (e) {
    const [code, message] = describeError(e, dbFileOf(argv));
    process.stderr.write(`vpnsync: ${message}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = code;
  }
  return Number(process.exitCode ?? EXIT.OK);
}

/** The CLI's parser over `commands`: global options, strict parsing, and our usage messages. */
function buildParser(argv: readonly string[], commands: readonly CommandModule<GlobalArgs, never>[]): Argv<GlobalArgs> {
  const parser = yargs([...argv])
    .scriptName('vpnsync')
    .usage('vpnsync <command> [options]\n\nAn offline SQLite copy of your Azure Virtual WAN VPN site link connections.')
    // Every command can fail, so every command can show the stack: --debug stays global.
    .option('debug', { type: 'boolean', global: true, default: false, describe: 'Show stack traces on errors' });
  for (const c of commands) parser.command(c);
  parser.command(HELP_COMMAND).completion('completion', COMPLETION_DESCRIPTION);
  return parser
    .epilogue(databaseInUse(locateDb(dbFlagOf(argv))))
    .demandCommand(1, 'Expected a command; run vpnsync --help to see them')
    .recommendCommands()
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .middleware((args) => refuseDashValueOfSwitch(argv, args), true)
    .fail((message: string | undefined, error: Error | undefined) => {
      // yargs wraps errors thrown by `coerce` (our validation messages) in its own YError.
      if (error && error.name !== 'YError') throw error;
      throw new UsageError(usageMessage(error?.message ?? message ?? 'Invalid arguments; run vpnsync --help', argv));
    }) as Argv<GlobalArgs>;
}

/** The end of `vpnsync --help`: the database in use, and where that choice came from. */
function databaseInUse(db: ReturnType<typeof locateDb>): string {
  const how = db.source === '--db' ? 'from --db' : db.source === 'VPNSYNC_DB' ? 'from VPNSYNC_DB; --db FILE to use another' : `${db.source}; --db FILE or VPNSYNC_DB to use another`;
  return `Database: ${redactUrlCredentials(db.file)}\n  (${how})`;
}

/** What the CLI makes of a command line it only parsed: the command and arguments, or the usage error it would exit 2 with. */
export type ParsedCommandLine = { ok: true; command: string[]; args: Record<string, unknown> } | { ok: false; message: string };

/** Thrown after validation, in place of the command's handler. */
class ParsedOnly {
  constructor(readonly args: Record<string, unknown>) {}
}

/**
 * Parses and validates a command line exactly as `main` would (same commands, options, coerce
 * checks and messages) but runs nothing: no handler, no database, no network, no output. For
 * the docs test, which keeps every `vpnsync …` example in README.md and docs/ true.
 */
export async function parseCommandLine(commandLine: readonly string[]): Promise<ParsedCommandLine> {
  let argv: string[];
  try {
    argv = dashValuesJoined(helpAsOption(commandLine));
  } catch (e) {
    return { ok: false, message: describeError(e)[1] };
  }
  const parser = buildParser(argv, await commandsFor(argv)).middleware((args) => {
    throw new ParsedOnly(args as Record<string, unknown>);
  }, false);
  try {
    // A parse callback keeps --help and --version from printing (they run no handler either).
    await parser.parseAsync([...argv], {}, () => undefined);
    return { ok: true, command: [], args: {} };
  } catch (e) {
    if (e instanceof ParsedOnly) return { ok: true, command: (e.args._ as unknown[]).map(String), args: e.args };
    return { ok: false, message: describeError(e)[1] };
  }
}

const QUEUE_COMMANDS = 'reset, ike-sas, list, show, cancel or run';

/**
 * yargs' messages about commands, made to name what was typed: "Unknown command 'queue frob'.
 * Did you mean show?" rather than "Unknown command 'queue'", and an unknown command word rather
 * than an "Unknown argument".
 */
export function usageMessage(text: string, argv: readonly string[]): string {
  const words = commandWords(argv);
  const nested = words[0] === 'queue';
  const typed = nested ? `queue ${words[1] ?? ''}`.trim() : (words[0] ?? '');
  const unknownWord = nested ? words[1] : words[0];
  if (/^Did you mean/.test(text)) return `Unknown command '${typed}'. ${text}`;
  const unknown = /^Unknown arguments?: (.+)$/.exec(text)?.[1]?.split(', ');
  if (unknownWord !== undefined && unknown?.includes(unknownWord)) {
    return nested ? `Unknown command '${typed}'; expected a queue command: ${QUEUE_COMMANDS}` : `Unknown command '${typed}'; run vpnsync --help to see the commands`;
  }
  if (nested && (/^Not enough non-option arguments/.test(text) || /^Expected a queue command/.test(text))) {
    return words[1] === undefined ? `Expected a queue command: ${QUEUE_COMMANDS}` : `Unknown command '${typed}'; expected a queue command: ${QUEUE_COMMANDS}`;
  }
  return text;
}

/** The database a command line names (--db, else VPNSYNC_DB or the default), for error messages. */
function dbFileOf(argv: readonly string[]): string {
  return resolveDbPath(dbFlagOf(argv));
}

/** The value of --db on a command line, if any. */
function dbFlagOf(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--db' || a.startsWith('--db='));
  return i < 0 ? undefined : argv[i]?.startsWith('--db=') ? argv[i]?.slice('--db='.length) : argv[i + 1];
}

/**
 * Maps any error to an exit code and a one-line message. SQLite's own errors (a database locked
 * by another process, a full disk, a read-only file) are named with the database file `dbFile`.
 */
export function describeError(e: unknown, dbFile = 'the database'): [ExitCode, string] {
  if (e instanceof CliError) return [e.exitCode, oneLine(e.message)];
  if (e instanceof LockedError) return [EXIT.LOCKED, oneLine(e.message)];
  if (e instanceof StoreError) {
    const code = e.reason === 'missing' ? EXIT.USAGE : e.reason === 'busy' ? EXIT.LOCKED : EXIT.FAILURE;
    return [code, oneLine(e.message)];
  }
  // The credential's failures are already one line saying what to do (arm/credential.ts).
  if (e instanceof ArmError && e.code === 'CredentialError') return [EXIT.FAILURE, oneLine(e.message)];
  // No answer at all: the message already says where and what to check (arm/network-failure.ts).
  if (e instanceof ArmError && e.status === undefined && isNetworkFailureCode(e.code)) return [EXIT.FAILURE, oneLine(e.message)];
  if (e instanceof ArmError) return [EXIT.FAILURE, oneLine(`Azure Resource Manager call failed: ${e.describe()}${e.status === 403 ? `; ${ROLE_ADVICE}` : ''}`)];
  if (e instanceof NormaliseError) return [EXIT.USAGE, oneLine(e.message)];
  if (e instanceof NoMatchError) return [EXIT.NO_MATCH, oneLine(e.message)];
  // The key cannot be read or does not fit the database: nothing was written (see docs/database.md).
  if (e instanceof FingerprintKeyError) return [EXIT.FAILURE, oneLine(e.message)];
  if (sqliteErrorIn(e)) {
    const translated = translateSqliteError(e, dbFile);
    if (translated instanceof StoreError) return describeError(translated);
  }
  const message = e instanceof Error ? e.message : String(e);
  return [EXIT.FAILURE, oneLine(`unexpected error: ${message} (run with --debug for details)`)];
}

/** What a 403 from ARM asks of the operator. */
const ROLE_ADVICE = 'the identity needs a role assignment on the subscription or resource group: Reader for pull, Network Contributor for queue run and exec';

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Entry point for bin/vpnsync.js. */
export async function run(): Promise<void> {
  process.exitCode = await main();
}
