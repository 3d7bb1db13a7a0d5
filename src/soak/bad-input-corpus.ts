import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startEmulator, type Emulator, type LinkConnectionTruth } from '../emulator/index.js';
import { integrityOf, pullsOf, readDb } from './soak-db.js';
import { runVpnsync, type VpnsyncRun } from './vpnsync-process.js';

/** The kinds of bad input the corpus covers (the results table has one row each). */
export const CORPUS_GROUPS = {
  flags: 'Bad flags and values, every command',
  commands: 'Unknown commands and subcommands',
  sql: 'Malformed SQL and write SQL (query, --where)',
  'db-files': 'Missing, corrupt, non-SQLite, foreign and newer-schema database files',
  'db-access': 'Locked, read-only and unwritable databases, an unwritable data directory, a full disk',
  ids: 'Invalid ids, names and pull references',
  import: 'Bad import files',
  emulator: 'Bad emulator options',
  credentials: 'Expired, invalid and missing credentials',
} as const;
export type CorpusGroup = keyof typeof CORPUS_GROUPS;

/** The database a case runs against. */
type Fixture =
  | 'populated'
  | 'missing'
  | 'text'
  | 'random'
  | 'empty-sqlite'
  | 'truncated'
  | 'corrupt'
  | 'foreign'
  | 'newer'
  | 'directory'
  | 'fifo'
  | 'locked'
  | 'read-only-file'
  | 'read-only-dir'
  | 'unwritable-data-dir'
  | 'disk-full'
  | 'disk-fills';

/**
 * What "unchanged" means for a case: `bytes` — the database and its -wal byte for byte, no new
 * files but an empty -wal and a -shm; `absent` — no database file (nor directory) appeared;
 * `content` — every table's rows as before, except rows the listed tables gained (a failed
 * pull's own row, a queue run's audit events).
 */
type Unchanged = 'bytes' | 'absent' | { content: ('pulls' | 'queue_runs' | 'action_events')[] };

/** One bad input: the command line, what it runs against, and what must come of it. */
export interface CorpusCase {
  group: CorpusGroup;
  name: string;
  /** Arguments; `--db <fixture file>` is appended unless `noDb`. */
  args: string[];
  fixture?: Fixture;
  noDb?: boolean;
  env?: Record<string, string>;
  input?: string;
  /** Exit code and the one error line's text. */
  code: number;
  message: RegExp;
  /** Lines before the error line are allowed (retry diagnostics of commands that call ARM). */
  diagnostics?: boolean;
  unchanged?: Unchanged;
  /** With --debug the stack trace must follow the error line. */
  debug?: boolean;
  /** An emulator of its own (the expired-token case moves its clock). */
  emulator?: 'expired-token';
  /** A secret in the input that must appear nowhere on stdout or stderr (not even 4 characters of it in a row). */
  secret?: string;
}

/** How one case went. */
export interface CorpusResult {
  group: CorpusGroup;
  name: string;
  /** Set when the case could not run here (e.g. no tmpfs), with the reason. */
  skipped?: string;
  violations: string[];
}

const NOBODY = { uid: 65534, gid: 65534 };
/** A pre-shared key (or proxy password) the corpus's inputs carry; no 4 characters of it in a row may be printed. */
const CORPUS_KEY = 'HGoNgS46eQvX9zKpW3tRyB7m';
const DB = 'vpnsync.db';

/** Every case, built from what the fixtures hold (a link id, a second pull, files to import). */
function corpusCases(f: { linkId: string; linkLabel: string; importDir: string; subscriptionId: string }): CorpusCase[] {
  const c: CorpusCase[] = [];
  const add = (group: CorpusGroup, name: string, args: string[], code: number, message: RegExp, extra: Partial<CorpusCase> = {}) => c.push({ group, name, args, code, message, ...extra });

  // Flags and values, every command.
  const usage = (name: string, args: string[], message: RegExp, extra: Partial<CorpusCase> = {}) => add('flags', name, args, 2, message, extra);
  usage('pull --concurrency x', ['pull', '--concurrency', 'x'], /^Expected --concurrency to be an integer from 1 to 256, got 'x'$/);
  usage('pull --concurrency 0', ['pull', '--concurrency', '0'], /^Expected --concurrency to be an integer from 1 to 256, got '0'$/);
  usage('pull --strategy fast', ['pull', '--strategy', 'fast'], /^Invalid values: Argument: strategy, Given: "fast", Choices: "links", "gateways"$/);
  usage('pull --subscription nope', ['pull', '--subscription', 'nope'], /^Expected --subscription to be a subscription id \(a GUID\), got 'nope'$/);
  usage('pull --api-version latest', ['pull', '--api-version', 'latest'], /^Expected --api-version to be a date-like api-version/);
  usage('pull --request-timeout 0', ['pull', '--request-timeout', '0'], /^Expected --request-timeout to be a number from 1 to 3600, got '0'$/);
  usage('pull --arm-endpoint http://example.com', ['pull', '--arm-endpoint', 'http://example.com'], /^Expected --arm-endpoint to be an https URL/);
  usage('pull VPNSYNC_ARM_ENDPOINT=nonsense', ['pull'], /^Expected VPNSYNC_ARM_ENDPOINT to be an https URL/, { env: { VPNSYNC_ARM_ENDPOINT: 'nonsense' } });
  usage('pull --arm-endpoint http://localhost. (a DNS name, not loopback)', ['pull', '--arm-endpoint', 'http://localhost.:8080'], /^Expected --arm-endpoint to be an https URL/);
  usage('pull --bogus', ['pull', '--bogus'], /^Unknown argument: bogus$/);
  usage('pull --json=maybe extra word', ['pull', 'extra'], /^Unknown argument: extra$/);
  usage('query without SQL', ['query'], /^Expected an SQL statement on stdin, got nothing$/);
  usage('query --format xml', ['query', '--format', 'xml', 'SELECT 1'], /^Invalid values: Argument: output/);
  usage('query --param without =', ['query', '--param', 'novalue', 'SELECT :novalue'], /^Expected --param/);
  usage('query --param unused', ['query', '--param', 'a=1', 'SELECT 1'], /--param a/);
  usage('query a parameter without --param', ['query', 'SELECT :x'], /:x/);
  usage('query -f missing file', ['query', '-f', '/nonexistent/q.sql'], /^Cannot read the SQL from \/nonexistent\/q\.sql: no such file$/);
  usage('query SQL and -f both', ['query', '-f', '/nonexistent/q.sql', 'SELECT 1'], /^Expected the SQL either as an argument or with --file, not both$/);
  // Once read until memory ran out: the 4 MiB limit was checked after the whole read.
  usage('query -f /dev/zero', ['query', '-f', '/dev/zero'], /^Expected at most 4 MiB of SQL from \/dev\/zero, got more than that$/);
  usage('query --timeout x', ['query', '--timeout', 'x', 'SELECT 1'], /^Expected --timeout to be a number from 0 to 86400, got 'x'$/);
  usage('query --at nonsense', ['query', '--at', 'yesterday-ish', 'SELECT 1'], /^Expected --at to be/);
  usage('snapshots --limit -1', ['snapshots', '--limit', '-1'], /^Expected --limit to be an integer from 0 to/);
  usage('snapshots --format xml', ['snapshots', '--format', 'xml'], /^Invalid values: Argument: output/);
  usage('diff FROM after TO', ['diff', 'latest', '1'], /FROM must not be later than TO|Expected FROM/);
  usage('diff --field nosuch', ['diff', '--field', 'nosuchfield'], /nosuchfield/);
  usage('diff --format pdf', ['diff', '--format', 'pdf'], /^Invalid values: Argument: output/);
  usage('history without LINK', ['history'], /^Not enough non-option arguments|^Expected/);
  usage('history --format pdf', ['history', f.linkId, '--format', 'pdf'], /^Invalid values: Argument: output/);
  usage('report --since a week', ['report', '--since', 'a week'], /^Expected --since to be a duration/);
  usage('report --top x', ['report', '--top', 'x'], /^Expected --top to be an integer/);
  usage('report --format pdf', ['report', '--format', 'pdf'], /^Invalid values: Argument: output/);
  usage('report --since and --from', ['report', '--since', '1d', '--from', '1'], /since.*from|from.*since/i);
  usage('prune without a retention', ['prune'], /^Expected --keep <duration> \(e\.g\. 90d\) or --keep-pulls <N>, got neither$/);
  usage('prune --keep abc', ['prune', '--keep', 'abc'], /^Expected --keep to be a duration/);
  usage('prune --keep and --keep-pulls', ['prune', '--keep', '1d', '--keep-pulls', '3'], /keep/);
  usage('prune --keep-pulls 0', ['prune', '--keep-pulls', '0'], /^Expected --keep-pulls to be an integer from 1/);
  usage('import without FILE', ['import'], /^Not enough non-option arguments/);
  usage('import --bogus', ['import', path.join(f.importDir, 'link.json'), '--bogus'], /^Unknown argument: bogus$/);
  usage('queue reset without targets', ['queue', 'reset'], /Expected at least one target/);
  usage('queue reset --not-before tomorrow', ['queue', 'reset', f.linkLabel, '--not-before', 'tomorrow'], /^Expected --not-before to be an ISO time/);
  // A value starting with '-' once printed the help on stdout with exit 0 ('-2h' read as '-2 -h').
  usage('queue reset --not-before -2h', ['queue', 'reset', f.linkLabel, '--not-before', '-2h'], /^Expected --not-before to be an ISO time .*got '-2h' \(a time to wait for cannot be in the past; \+2h is 2h from now\)$/);
  usage('report --since -2h', ['report', '--since', '-2h'], /^Expected --since to be a duration .*, got '-2h'$/);
  usage('prune --keep -2h', ['prune', '--keep', '-2h'], /^Expected --keep to be a duration .*, got '-2h'$/);
  usage('queue reset --dry-run -2h', ['queue', 'reset', f.linkLabel, '--dry-run', '-2h'], /^Expected --dry-run alone \(it takes no value\), got '-2h'$/);
  usage('diff -2h', ['diff', '-2h'], /^Unknown argument: -2h \(no vpnsync option starts with a digit/);
  usage('queue list --status weird', ['queue', 'list', '--status', 'weird'], /^Invalid values: Argument: status/);
  usage('queue list --format xml', ['queue', 'list', '--format', 'xml'], /^Invalid values: Argument: output/);
  usage('snapshots -o xml', ['snapshots', '-o', 'xml'], /^Invalid values: Argument: output, Given: "xml"/);
  usage('pull --json -o csv', ['pull', '--json', '-o', 'csv'], /^Expected either --json or -o csv, not both$/);
  usage('queue list --json --format md', ['queue', 'list', '--json', '--format', 'md'], /^Expected either --json or -o md, not both$/);
  usage('queue run --concurrency 0', ['queue', 'run', '--concurrency', '0'], /^Expected --concurrency to be an integer from 1 to 64, got '0'$/);
  usage('queue run --max-resets -1', ['queue', 'run', '--max-resets', '-1'], /^Expected --max-resets to be an integer from 0/);
  usage('queue run --id x', ['queue', 'run', '--id', 'x'], /^Expected --id to be an integer from 1/);
  usage('queue run --operation-deadline soon', ['queue', 'run', '--operation-deadline', 'soon'], /^Expected --operation-deadline to be a duration/);
  usage('pull VPNSYNC_LOCK_LEASE=soon', ['pull'], /^Expected VPNSYNC_LOCK_LEASE to be a duration/, { env: { VPNSYNC_LOCK_LEASE: 'soon' } });
  usage('pull VPNSYNC_FINGERPRINT_KEY=not a key', ['pull'], /^Expected VPNSYNC_FINGERPRINT_KEY to be a key of 64 lowercase hex digits/, { env: { VPNSYNC_FINGERPRINT_KEY: 'hunter2' } });
  usage('queue run --request-timeout x', ['queue', 'run', '--request-timeout', 'x'], /^Expected --request-timeout to be a number from 1 to 3600, got 'x'$/);
  usage('exec a SELECT', ['exec', 'SELECT * FROM azure.network.vpn_link_connections'], /EXEC/);
  usage('exec an unknown method', ['exec', "EXEC azure.network.vpn_link_connections.VpnLinkConnections_Delete @connectionName='c', @gatewayName='g', @linkConnectionName='l', @resourceGroupName='r', @subscriptionId='s'"], /VpnLinkConnections_Delete|method/);
  usage('exec missing parameters', ['exec', "EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection @connectionName='c'"], /gatewayName|parameter/i);
  usage('migrate --bogus', ['migrate', '--bogus'], /^Unknown argument: bogus$/);
  usage('demo --seed x', ['demo', '--seed', 'x'], /^Expected --seed to be an integer from 0 to 2147483647, got 'x'$/, { noDb: true });
  usage('demo --db over an existing file', ['demo'], /already exists/);

  // Unknown commands.
  const unknown = (name: string, args: string[], message: RegExp) => add('commands', name, args, 2, message);
  unknown('no command', [], /^Expected a command; run vpnsync --help to see them$/);
  unknown('frobnicate', ['frobnicate'], /^Unknown command 'frobnicate'; run vpnsync --help to see the commands$/);
  unknown('pul (typo)', ['pul'], /^Unknown command 'pul'\. Did you mean pull\?$/);
  unknown('queue alone', ['queue'], /^Expected a queue command: reset, ike-sas, list, show, cancel or run$/);
  unknown('queue frob (typo)', ['queue', 'frob'], /^Unknown command 'queue frob'\. Did you mean show\?$/);
  unknown('queue frobnicate', ['queue', 'frobnicate'], /^Unknown command 'queue frobnicate'; expected a queue command: reset, ike-sas, list, show, cancel or run$/);
  unknown('queue list extra', ['queue', 'list', 'extra'], /^Unknown argument: extra$/);

  // SQL.
  const sql = (name: string, args: string[], message: RegExp) => add('sql', name, args, 2, message);
  sql('syntax error', ['query', 'SELEC 1'], /^SQL error: near "SELEC": syntax error$/);
  sql('no such table', ['query', 'SELECT * FROM links'], /^SQL error: no such table: links/);
  sql('unterminated string', ['query', "SELECT 'abc"], /^SQL error: unrecognized token/);
  sql('DELETE', ['query', 'DELETE FROM pulls'], /DELETE statements are not allowed/);
  sql('DROP', ['query', 'DROP TABLE vpn_link_connections'], /DROP statements are not allowed/);
  sql('UPDATE in a CTE', ['query', "WITH x AS (SELECT 1) UPDATE pulls SET status = 'failed'"], /UPDATE statements|would change the database/);
  sql('ATTACH', ['query', "ATTACH '/tmp/vpnsync-never.db' AS x"], /ATTACH statements are not allowed/);
  sql('VACUUM INTO', ['query', "VACUUM INTO '/tmp/vpnsync-never.db'"], /VACUUM statements are not allowed/);
  sql('PRAGMA with a value', ['query', 'PRAGMA journal_mode = DELETE'], /PRAGMA journal_mode = /);
  sql('two statements', ['query', 'SELECT 1; DELETE FROM pulls'], /DELETE statements are not allowed/);
  sql('write SQL from stdin', ['query', '-'], /INSERT statements are not allowed/, );
  (c[c.length - 1] as CorpusCase).input = "INSERT INTO meta VALUES ('x', 'y')";
  sql('--where injection', ['queue', 'reset', '--where', '1); DELETE FROM actions; --'], /^Expected --where to be an SQL condition/);
  sql('--where with a write in a subquery', ['queue', 'ike-sas', '--where', "name IN (SELECT 1 FROM (DELETE FROM actions RETURNING 1))"], /^Expected --where to be an SQL condition/);
  sql('--where unknown column', ['queue', 'reset', '--where', 'nosuchcolumn = 1'], /^Expected --where to be an SQL condition over vpn_link_connections columns: no such column: nosuchcolumn$/);
  sql('--where matching nothing', ['queue', 'reset', '--where', "connectionStatus = 'Exploded'"], /matched no links/);
  const evil = `/subscriptions/${f.subscriptionId}/resourceGroups/rg-evil/providers/Microsoft.Network/vpnGateways/gw-evil/vpnConnections/c-evil/vpnLinkConnections/l-evil`;
  sql('--where UNION of a link not in the inventory', ['queue', 'ike-sas', '--yes', '--where', `0) UNION SELECT '${evil}','${f.subscriptionId}','rg-evil' --`], /^Expected --where to be an SQL condition over vpn_link_connections columns: Expected one SQL condition, got a '\)' that closes more than it opened$/);
  sql('--where UNION of a row that is no link id', ['queue', 'ike-sas', '--yes', '--where', "0) UNION SELECT 'x','y','z' --"], /closes more than it opened$/);
  sql('--where compound SELECT outside parentheses', ['queue', 'reset', '--yes', '--where', '0 UNION SELECT id, subscriptionId, resourceGroupName FROM vpn_link_connections'], /got UNION outside parentheses/);
  sql('--where hiding the rest behind a comment', ['queue', 'reset', '--yes', '--where', '1 /* never closed'], /got a \/\* comment that is never closed$/);
  sql('--where with unbalanced parentheses', ['queue', 'reset', '--yes', '--where', '((1)'], /got 1 '\(' never closed$/);
  add('sql', 'a query that never ends, stopped by --timeout 1', ['query', '--timeout', '1', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'], 124, /^query stopped after 1 s \(--timeout\); nothing was changed/);
  sql('table-valued pragma_optimize', ['query', 'SELECT * FROM pragma_optimize'], /pragma_optimize runs PRAGMA optimize, which is not one of the reporting PRAGMAs/);
  sql('table-valued pragma_wal_checkpoint', ['query', 'SELECT * FROM pragma_wal_checkpoint'], /pragma_wal_checkpoint runs PRAGMA wal_checkpoint/);
  sql('table-valued pragma_incremental_vacuum', ['query', 'SELECT * FROM pragma_incremental_vacuum(1)'], /pragma_incremental_vacuum runs/);

  // Database files.
  const readers: [string, string[]][] = [
    ['query', ['query', 'SELECT count(*) FROM vpn_link_connections']],
    ['snapshots', ['snapshots']],
    ['diff', ['diff']],
    ['history', ['history', f.linkId]],
    ['report', ['report']],
    ['queue list', ['queue', 'list']],
    ['queue show', ['queue', 'show', '1']],
  ];
  const needData: [string, string[]][] = [
    ['prune', ['prune', '--keep-pulls', '1']],
    ['queue cancel', ['queue', 'cancel', '1']],
    ['queue run', ['queue', 'run']],
    ['queue reset', ['queue', 'reset', f.linkLabel]],
    ['exec', ['exec', `EXEC azure.network.vpn_link_connections.VpnLinkConnections_GetIkeSas ${execParams(f.linkId)}`]],
  ];
  const creators: [string, string[]][] = [
    ['pull', ['pull']],
    ['import', ['import', path.join(f.importDir, 'link.json')]],
    ['migrate', ['migrate']],
  ];
  const all = [...readers, ...needData, ...creators];
  for (const [name, args] of [...readers, ...needData]) add('db-files', `missing database: ${name}`, args, 2, /^No database at .*vpnsync\.db\. Run `vpnsync pull` first \(or pass --db\)\.$/, { fixture: 'missing', unchanged: 'absent' });
  for (const [name, args] of all) add('db-files', `text file: ${name}`, args, 1, /^.*vpnsync\.db is not an SQLite database\.$/, { fixture: 'text' });
  for (const [name, args] of [...readers.slice(0, 2), ...needData.slice(0, 2), ...creators]) add('db-files', `random bytes: ${name}`, args, 1, /is not an SQLite database\.$/, { fixture: 'random' });
  for (const [name, args] of [...readers.slice(0, 3), ...needData.slice(0, 2), ...creators]) add('db-files', `truncated database: ${name}`, args, 1, /vpnsync\.db is corrupt \(database disk image is malformed\)\.$/, { fixture: 'truncated' });
  for (const [name, args] of [...readers.slice(0, 3), ...needData.slice(0, 2), ...creators]) add('db-files', `corrupt pages: ${name}`, args, 1, /vpnsync\.db is corrupt \(database disk image is malformed\)\.$/, { fixture: 'corrupt' });
  for (const [name, args] of all) add('db-files', `newer schema: ${name}`, args, 1, /vpnsync\.db was written by a newer vpnsync \(schema 9999_from_the_future\); upgrade vpnsync to use it\.$/, { fixture: 'newer' });
  for (const [name, args] of [...readers.slice(0, 2), ...needData]) add('db-files', `another application's SQLite file: ${name}`, args, 1, /vpnsync\.db is not a vpnsync database \(no vpn_link_connections table\)/, { fixture: 'foreign' });
  for (const [name, args] of creators) add('db-files', `another application's SQLite file: ${name}`, args, 1, /vpnsync\.db is an SQLite database of something else \(tables photos\); vpnsync will not add its tables to it\. Choose another --db\.$/, { fixture: 'foreign' });
  for (const [name, args] of [...readers.slice(0, 2), ...needData.slice(0, 2)]) add('db-files', `empty SQLite file: ${name}`, args, 1, /vpnsync\.db is not a vpnsync database/, { fixture: 'empty-sqlite' });
  for (const [name, args] of [...readers.slice(0, 2), ...needData.slice(0, 2), ...creators]) add('db-files', `a directory as --db: ${name}`, args, 1, /^Cannot open .*vpnsync\.db: it is a directory\.$/, { fixture: 'directory' });
  // Not a regular file: a FIFO once made query hang, /dev/null left a /dev/null-journal behind.
  for (const [name, args] of all) add('db-files', `a FIFO as --db: ${name}`, args, 1, /^Cannot open .*vpnsync\.db: it is a named pipe \(FIFO\), not a regular file; give the path of an SQLite database file\.$/, { fixture: 'fifo' });
  for (const [name, args] of [...readers.slice(0, 2), ...needData.slice(0, 2), ...creators]) add('db-files', `/dev/null as --db: ${name}`, [...args, '--db', '/dev/null'], 1, /^Cannot open \/dev\/null: it is a device, not a regular file/, { noDb: true, fixture: 'missing', unchanged: 'absent' });
  // A URL once became a local file named postgres:/user:pw@…, password included.
  for (const [name, args] of [...readers.slice(0, 2), ...needData.slice(0, 1), ...creators]) add('db-files', `a URL as --db: ${name}`, [...args, '--db', 'postgres://ops:s3cret@db.example:5432/vpnsync'], 2, /^--db postgres:\/\/\[redacted\]@db\.example:5432\/vpnsync: URLs are not supported yet; give a SQLite file path$/, { noDb: true, fixture: 'missing', unchanged: 'absent' });

  // Access: locked, read-only, unwritable, full.
  const locked = /vpnsync\.db is locked by another process; try again when it has finished\.$/;
  for (const [name, args] of [...needData, ...creators.slice(0, 2)]) add('db-access', `write-locked by another connection: ${name}`, args, 75, locked, { fixture: 'locked' });
  const readOnly = /^Cannot (write|open) .*vpnsync\.db: (it|its directory) is read-only\.$|^Cannot open .*: unable to open database file\.$/;
  // (migrate with nothing to apply writes nothing, so it succeeds on these.)
  for (const [name, args] of [...needData.slice(0, 2), ...creators.slice(0, 2)]) add('db-access', `read-only file: ${name}`, args, 1, readOnly, { fixture: 'read-only-file' });
  for (const [name, args] of [...needData.slice(0, 2), ...creators.slice(0, 2)]) add('db-access', `read-only directory: ${name}`, args, 1, readOnly, { fixture: 'read-only-dir' });
  for (const [name, args] of creators) add('db-access', `unwritable data directory: ${name}`, args, 2, /^Expected the directory of database .*vpnsync\.db to exist, got no directory .*data; create it first/, { fixture: 'unwritable-data-dir', unchanged: 'absent' });
  for (const [name, args] of [creators[0], creators[1], needData[3]] as [string, string[]][]) add('db-access', `full disk: ${name}`, args, 1, /vpnsync\.db: the disk is full\.$/, { fixture: 'disk-full', unchanged: { content: ['pulls'] }, diagnostics: true });
  add('db-access', 'disk fills up during a pull', ['pull'], 1, /vpnsync\.db: the disk is full\.$/, { fixture: 'disk-fills', unchanged: { content: ['pulls'] }, diagnostics: true });

  // Ids, names, references.
  const id = (name: string, args: string[], message: RegExp, extra: Partial<CorpusCase> = {}) => add('ids', name, args, 2, message, extra);
  id('queue show abc', ['queue', 'show', 'abc'], /^Expected action id to be an integer from 1 to \d+, got 'abc'$/);
  id('queue show 0', ['queue', 'show', '0'], /^Expected action id to be an integer from 1 to \d+, got '0'$/);
  id('queue show 99', ['queue', 'show', '99'], /^No action #99$/);
  id('queue cancel 99', ['queue', 'cancel', '99'], /^No action #99$/);
  id('queue cancel -1', ['queue', 'cancel', '-1'], /^Expected action id|^Unknown argument/);
  id('queue reset gw/conn/nope', ['queue', 'reset', 'gw/conn/nope'], /^No link 'gw\/conn\/nope' in the local inventory/);
  id('queue reset just-a-name', ['queue', 'reset', 'just-a-name'], /^Expected a link id \(\/subscriptions\/…\) or gateway\/connection\/link names, got 'just-a-name'$/);
  id('queue ike-sas an id ending in /..', ['queue', 'ike-sas', f.linkId.replace(/[^/]+$/, '..'), '--allow-unknown'], /^Expected a link connection id/);
  id('queue ike-sas an id with %2F', ['queue', 'ike-sas', f.linkId.replace(/[^/]+$/, 'x%2F..%2Fgetikesas'), '--allow-unknown'], /^Expected a link connection id/);
  id('queue reset a gateway id', ['queue', 'reset', `/subscriptions/${f.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/vpnGateways/gw`], /^Expected a link connection id/);
  id('exec a link not in the inventory', ['exec', `EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection ${execParams(f.linkId.replace(/[^/]+$/, 'ghost'))}`], /is not in the local inventory/);
  id('history no-such-link', ['history', 'no-such-link'], /no link matches/);
  id('diff 999', ['diff', '999'], /^Expected FROM to be the id of a pull in this database \(see vpnsync snapshots\), got '999'$/);
  id('diff -99', ['diff', '-99'], /^Expected FROM/);
  id('diff before any pull', ['diff', '2001-01-01', 'latest'], /^Expected FROM/);
  id('query --at 999', ['query', '--at', '999', 'SELECT 1'], /^Expected --at to be the id of a pull in this database/);
  id('report --from 999', ['report', '--from', '999'], /^Expected --from to be the id of a pull in this database/);
  id('report --to before --from', ['report', '--from', 'latest', '--to', '1'], /^Expected the period's start to come before its end/);
  add('ids', 'pull --subscription of an unknown subscription', ['pull', '--subscription', '99999999-9999-4999-8999-999999999999'], 1, /^Azure Resource Manager call failed: SubscriptionNotFound \(HTTP 404\): nothing could be listed/, { unchanged: { content: ['pulls'] }, diagnostics: true });

  // Import files.
  const imp = (name: string, file: string, message: RegExp, extra: Partial<CorpusCase> = {}) => add('import', name, ['import', file], 2, message, extra);
  const at = (n: string) => path.join(f.importDir, n);
  imp('missing file', at('nope.json'), /^Cannot read .*nope\.json: no such file$/);
  imp('a directory', f.importDir, /^Expected a file of ARM JSON, got the directory/);
  imp('empty file', at('empty.json'), /^Expected ARM JSON in .*empty\.json, got nothing$/);
  imp('whitespace only', at('blank.json'), /got only whitespace$/);
  imp('not JSON', at('not-json.json'), /^Expected .*not-json\.json to be JSON, but it is not valid JSON at line 1, column 2: expected a value, found an unquoted word \(JSON strings take double quotes\)$/);
  imp('a sharedKey in single quotes', at('sharedkey-single-quoted.json'), /not valid JSON at line \d+, column \d+: expected a value, found a single quote \(JSON strings take double quotes\)$/, { secret: CORPUS_KEY });
  imp('a sharedKey without quotes', at('sharedkey-unquoted.json'), /not valid JSON at line \d+, column \d+: expected a value, found an unquoted word \(JSON strings take double quotes\)$/, { secret: CORPUS_KEY });
  imp('a link id ending in /..', at('dotdot-id.json'), /^Expected the "id" of value\[0\] in .*dotdot-id\.json to be an ARM resource id, got '.*\/\.\.': the segment after 'vpnLinkConnections' is '\.\.', a path step rather than a name$/);
  imp('a link id with a percent-encoded slash', at('encoded-slash-id.json'), /^Expected the "id" of value\[0\] in .* to be an ARM resource id, got '.*': the segment after 'vpnLinkConnections' '.*' holds '%', which ARM names never do \(no percent-encoding\)$/);
  imp('the same link twice with different data', at('conflicting-duplicates.json'), /^Expected each link connection once in .*, got \S+ twice with different data, at value\[0\] and value\[2\] \(ids compare case-insensitively, as ARM's do\); keep the right copy and import again$/, { secret: CORPUS_KEY });
  imp('truncated JSON', at('truncated.json'), /to be JSON, but it is not valid JSON at line 1, column \d+: /);
  imp('binary', at('binary.bin'), /is not valid text|not valid JSON/);
  imp('an empty list', at('empty-list.json'), /empty|no link/i);
  imp('an empty object', at('empty-object.json'), /^Expected ARM JSON of VPN site link connections/);
  imp('a subscription list', at('subscriptions.json'), /^Expected ARM JSON of VPN site link connections/);
  imp('az network output (flattened)', at('az-network.json'), /az network|flattened|az rest/);
  imp('a link with wrong field types', at('wrong-types.json'), /^Expected properties\.routingWeight of .* to be an integer, got 'ten'$/);
  imp('a link with a bad id', at('bad-id.json'), /^Expected "id" to be a vpnLinkConnections resource id|Expected ARM JSON/);
  imp('JSON nested 100 levels', at('deep.json'), /nested at most 64 levels|Expected ARM JSON/);
  imp('garbage on stdin', '-', /^Expected stdin to be JSON, but it is not valid JSON/, { input: 'this is not json' });

  // Emulator options.
  const emu = (name: string, args: string[], message: RegExp) => add('emulator', name, ['emulator', ...args], 2, message, { noDb: true });
  emu('--port 99999', ['--port', '99999'], /^Expected --port to be an integer from 0 to 65535, got '99999'$/);
  emu('--seed x', ['--seed', 'x'], /^Expected --seed to be an integer/);
  emu('--links 5', ['--links', '5'], /^Expected --links to be a number from 1 to 4, got '5'$/);
  emu('--page-size 0', ['--page-size', '0'], /^Expected --page-size to be an integer from 1 to 1000, got '0'$/);
  emu('--fault bogus', ['--fault', 'bogus'], /^Expected --fault to look like KIND\[=VALUE\]:MATCH\[:RATE\[:COUNT\]\]/);
  emu('--fault with a rate above 1', ['--fault', '5xx:*:1.5'], /RATE is a probability from 0 to 1/);
  emu('--fault with a negative RATE', ['--fault', '429:*:-1'], /\(RATE is a probability from 0 to 1\), got '429:\*:-1'$/);
  emu('--fault 5xx answering 200', ['--fault', '5xx=200:*'], /VALUE of 5xx is an HTTP status from 500 to 599/);
  emu('--fault lro-failure=99', ['--fault', 'lro-failure=99:*'], /VALUE of lro-failure is an HTTP status from 400 to 599/);
  emu('--cert-dir naming a file', ['--cert-dir', at('link.json')], /^Expected --cert-dir to be a directory \(created if missing\), got the file /);
  emu('--fault with a bad regular expression', ['--fault', '403:re:(['], /Invalid regular expression/);
  emu('--fleet-file missing', ['--fleet-file', '/nonexistent/fleet.json'], /fleet file/i);
  emu('--fleet-file not a fleet', ['--fleet-file', at('not-json.json')], /fleet|JSON/i);
  emu('--http with --cert-dir', ['--http', '--cert-dir', '/tmp'], /^Expected either --http or --cert-dir/);
  emu('--no-throttle with bucket settings', ['--no-throttle', '--read-capacity', '5'], /^Expected either --no-throttle or bucket settings/);
  emu('--mutate-every 0', ['--mutate-every', '0'], /^Expected --mutate-every to be a number from 0\.01/);
  emu('sizes with --fleet-file', ['--connections', '3', '--fleet-file', at('link.json')], /^Expected either --fleet-file or fleet sizes/);

  // Credentials.
  const cred = (name: string, args: string[], env: Record<string, string>, code: number, message: RegExp, extra: Partial<CorpusCase> = {}) =>
    add('credentials', name, args, code, message, { env, diagnostics: true, unchanged: code === 2 ? 'bytes' : { content: ['pulls', 'queue_runs', 'action_events'] }, ...extra });
  cred('wrong client secret (pull)', ['pull'], { AZURE_CLIENT_SECRET: 'not-the-secret' }, 1, /^Entra ID refused the credential of client [0-9a-f-]{36}: AADSTS7000215: Invalid client secret provided\. Check AZURE_CLIENT_SECRET/);
  cred('wrong client secret (queue run)', ['queue', 'run'], { AZURE_CLIENT_SECRET: 'not-the-secret' }, 1, /^Entra ID refused the credential of client .*AADSTS7000215/);
  cred('unknown tenant', ['pull'], { AZURE_TENANT_ID: '00000000-0000-4000-8000-000000000099' }, 1, /^the sign-in endpoint \S+ does not know tenant 00000000-0000-4000-8000-000000000099 \(endpoints_resolution_error\): check AZURE_TENANT_ID/);
  cred('unknown client id', ['pull'], { AZURE_CLIENT_ID: '00000000-0000-4000-8000-000000000098' }, 1, /^Entra ID refused the credential of client 00000000-0000-4000-8000-000000000098: AADSTS700016: .* Check AZURE_CLIENT_ID and AZURE_TENANT_ID$/);
  cred('no credential configured', ['pull'], { AZURE_CLIENT_ID: '', AZURE_CLIENT_SECRET: '', AZURE_TENANT_ID: '' }, 1, /^no Azure credential found: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, use a managed identity, or run `az login`$/);
  cred('certificate file missing', ['pull'], { AZURE_CLIENT_SECRET: '', AZURE_CLIENT_CERTIFICATE_PATH: '/nonexistent/cert.pem' }, 1, /authentication failed\..*ENOENT/);
  cred('http authority', ['pull'], { AZURE_AUTHORITY_HOST: 'http://127.0.0.1:9' }, 2, /^Expected AZURE_AUTHORITY_HOST to be an https URL \(the client secret is sent to it, so only over TLS\), got 'http:\/\/127\.0\.0\.1:9'$/, { diagnostics: false });
  cred('http authority (queue run)', ['queue', 'run'], { AZURE_AUTHORITY_HOST: 'http://user:pw-in-authority@127.0.0.1:9' }, 2, /^Expected AZURE_AUTHORITY_HOST to be an https URL .*, got 'http:\/\/127\.0\.0\.1:9'$/, { diagnostics: false, secret: 'pw-in-authority' });
  cred('proxy password, AZURE_LOG_LEVEL=verbose', ['pull'], { HTTPS_PROXY: `http://user:${CORPUS_KEY}@127.0.0.1:9/`, NO_PROXY: '', AZURE_LOG_LEVEL: 'verbose' }, 1, /endpoints_resolution_error|cannot reach/, { secret: CORPUS_KEY });
  cred('malformed AZURE_AUTHORITY_HOST', ['pull'], { AZURE_AUTHORITY_HOST: 'not a url' }, 2, /^Expected AZURE_AUTHORITY_HOST to be a URL such as https:\/\/login\.microsoftonline\.com, got 'not a url'$/, { diagnostics: false });
  cred('unknown AZURE_TOKEN_CREDENTIALS', ['pull'], { AZURE_TOKEN_CREDENTIALS: 'Bogus' }, 2, /^Invalid value for AZURE_TOKEN_CREDENTIALS = Bogus\./, { diagnostics: false });
  cred('expired token (ARM answers 401 ExpiredAuthenticationToken)', ['pull'], {}, 1, /^Azure Resource Manager call failed: ExpiredAuthenticationToken \(HTTP 401\)/, { emulator: 'expired-token' });

  // --debug shows the stack; without it, none anywhere above.
  add('flags', 'with --debug the stack trace follows the line', ['query', 'SELEC 1', '--debug'], 2, /^SQL error: near "SELEC": syntax error$/, { debug: true });
  return c;
}

function execParams(linkId: string): string {
  const [, , sub, , rg, , , , gw, , conn, , link] = linkId.split('/');
  return `@connectionName='${conn}', @gatewayName='${gw}', @linkConnectionName='${link}', @resourceGroupName='${rg}', @subscriptionId='${sub}'`;
}

/** Options of runBadInputCorpus. */
export interface CorpusOptions {
  certDir?: string;
  log?: (line: string) => void;
  /** Only cases whose group is listed (default: all). */
  groups?: readonly CorpusGroup[];
}

/**
 * Runs every case of the corpus through the real CLI: each must print exactly one error line
 * (`vpnsync: …`, matching its expected text; ARM-calling commands may print retry diagnostics
 * before it), exit with its documented code, show no stack trace (unless --debug, which must),
 * print nothing on stdout, and leave the database as it was (see Unchanged). Cases that need root
 * (another user, a tmpfs) are skipped with the reason when that is not available.
 */
export async function runBadInputCorpus(options: CorpusOptions = {}): Promise<CorpusResult[]> {
  const log = options.log ?? (() => undefined);
  const root = mkdtempSync(path.join(tmpdir(), 'vpnsync-corpus-'));
  chmodSync(root, 0o755);
  const emulator = await startEmulator({ seed: 91, certDir: options.certDir, lro: { polls: 1, retryAfterSeconds: 0 } });
  const results: CorpusResult[] = [];
  try {
    const template = path.join(root, 'template.db');
    const must = async (args: string[]) => {
      const r = await runVpnsync([...args, '--db', template], emulator.env);
      if (r.code !== 0) throw new Error(`corpus fixture: vpnsync ${args.join(' ')} exited ${String(r.code)}: ${r.stderr}`);
    };
    await must(['pull']);
    emulator.tick(3);
    await must(['pull']);
    const link = emulator.links()[0] as LinkConnectionTruth;
    const linkLabel = `${link.gatewayName}/${link.connectionName}/${link.id.split('/').pop() ?? ''}`;
    await must(['queue', 'ike-sas', link.id]);
    // The template is copied as one file: fold its -wal into it.
    const settle = new BetterSqlite3(template);
    settle.pragma('wal_checkpoint(TRUNCATE)');
    settle.close();
    const importDir = path.join(root, 'import');
    writeImportFiles(importDir, emulator);
    const root0 = { root, template, emulator };
    const cases = corpusCases({ linkId: link.id, linkLabel, importDir, subscriptionId: link.subscriptionId }).filter((k) => !options.groups || options.groups.includes(k.group));
    const canRoot = process.getuid?.() === 0;
    // Locked cases wait out SQLite's busy timeout (5 s): run them side by side.
    const batches = [cases.filter((k) => k.fixture === 'locked'), cases.filter((k) => k.fixture !== 'locked')];
    for (const batch of batches) {
      for (let i = 0; i < batch.length; i += batch[0]?.fixture === 'locked' ? batch.length : 4) {
        const slice = batch.slice(i, i + (batch[0]?.fixture === 'locked' ? batch.length : 4));
        results.push(...(await Promise.all(slice.map((k) => runCase(k, root0, canRoot, options.certDir)))));
      }
    }
    for (const r of results) if (r.violations.length > 0) log(`corpus: ${r.group} / ${r.name}:\n  - ${r.violations.join('\n  - ')}`);
    return results;
  } finally {
    await emulator.close();
    rmSync(root, { recursive: true, force: true });
  }
}

interface CorpusContext {
  root: string;
  template: string;
  emulator: Emulator;
}

async function runCase(k: CorpusCase, ctx: CorpusContext, canRoot: boolean, certDir: string | undefined): Promise<CorpusResult> {
  const result: CorpusResult = { group: k.group, name: k.name, violations: [] };
  const fixture = k.fixture ?? 'populated';
  const needsRoot = ['read-only-file', 'read-only-dir', 'unwritable-data-dir', 'disk-full', 'disk-fills'].includes(fixture);
  if (needsRoot && !canRoot) return { ...result, skipped: 'needs root (to run as another user, or to mount a tmpfs)' };
  const dir = mkdtempSync(path.join(ctx.root, 'case-'));
  chmodSync(dir, 0o755);
  let db = path.join(dir, DB);
  const cleanups: (() => void)[] = [];
  let user: { uid: number; gid: number } | undefined;
  let emulator = ctx.emulator;
  try {
    switch (fixture) {
      case 'populated':
        copyFileSync(ctx.template, db);
        break;
      case 'missing':
        break;
      case 'text':
        writeFileSync(db, 'this is a text file, not a database\n'.repeat(200));
        break;
      case 'random':
        writeFileSync(db, Buffer.from(Array.from({ length: 16384 }, (_, i) => (i * 7919 + 13) & 255)));
        break;
      case 'empty-sqlite':
        new BetterSqlite3(db).close();
        break;
      case 'truncated':
        copyFileSync(ctx.template, db);
        truncateSync(db, 4096 * 3);
        break;
      case 'corrupt': {
        copyFileSync(ctx.template, db);
        const bytes = readFileSync(db);
        for (let i = 4096 * 2; i < Math.min(bytes.length, 4096 * 8); i++) bytes[i] = (i * 31) & 255;
        writeFileSync(db, bytes);
        break;
      }
      case 'foreign': {
        const other = new BetterSqlite3(db);
        other.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, taken_at TEXT); INSERT INTO photos (taken_at) VALUES (\'2026-01-01\');');
        other.close();
        break;
      }
      case 'newer': {
        copyFileSync(ctx.template, db);
        const d = new BetterSqlite3(db);
        d.prepare(`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_the_future', '2030-01-01T00:00:00.000Z')`).run();
        d.close();
        break;
      }
      case 'directory':
        mkdirSync(db);
        break;
      case 'fifo': {
        const made = spawnSync('mkfifo', [db], { encoding: 'utf8' });
        if (made.status !== 0) return { ...result, skipped: `cannot make a FIFO here (${(made.stderr || made.error?.message || '').trim()})` };
        break;
      }
      case 'locked': {
        copyFileSync(ctx.template, db);
        const holder = new BetterSqlite3(db);
        holder.pragma('journal_mode = WAL');
        holder.prepare('BEGIN IMMEDIATE').run();
        holder.prepare(`INSERT INTO meta (key, value) VALUES ('corpus-lock-holder', 'x')`).run();
        cleanups.push(() => {
          holder.prepare('ROLLBACK').run();
          holder.close();
        });
        break;
      }
      case 'read-only-file':
        // The directory is theirs (SQLite may make its -wal and -shm), the file is not.
        copyFileSync(ctx.template, db);
        chmodSync(db, 0o444);
        chownSync(dir, NOBODY.uid, NOBODY.gid);
        user = NOBODY;
        break;
      case 'read-only-dir':
        copyFileSync(ctx.template, db);
        chownSync(db, NOBODY.uid, NOBODY.gid);
        chmodSync(dir, 0o555);
        user = NOBODY;
        break;
      case 'unwritable-data-dir': {
        const ro = path.join(dir, 'readonly');
        mkdirSync(ro, { mode: 0o555 });
        chmodSync(ro, 0o555);
        db = path.join(ro, 'data', DB);
        user = NOBODY;
        break;
      }
      case 'disk-full':
      case 'disk-fills': {
        const disk = path.join(dir, 'disk');
        mkdirSync(disk);
        const size = statSync(ctx.template).size + 4 * 1024 * 1024;
        const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk], { encoding: 'utf8' });
        if (mounted.status !== 0) return { ...result, skipped: `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim()})` };
        cleanups.push(() => void spawnSync('umount', ['-l', disk]));
        db = path.join(disk, DB);
        copyFileSync(ctx.template, db);
        fill(path.join(disk, 'filler'), fixture === 'disk-fills' ? 24 * 1024 : 0);
        // Something to write: the fleet moved, so the pull has versions to record.
        ctx.emulator.tick(2);
        break;
      }
    }
    if (k.emulator === 'expired-token') emulator = await expiredTokenEmulator(certDir, cleanups);

    // Reading the tables would create a -wal and -shm (SQLite gives them the database's owner):
    // only where the case compares contents, so that nothing else about the fixture changes.
    const policy = k.unchanged ?? 'bytes';
    const withTables = typeof policy === 'object';
    const before = snapshot(db, withTables);
    const args = [...k.args, ...(k.noDb ? [] : ['--db', db])];
    // Another user cannot read the test run's CA (and these cases fail before any request).
    const env = { ...emulator.env, ...k.env, ...(user ? { NODE_EXTRA_CA_CERTS: '' } : {}) };
    const r = await runVpnsync(args, env, { ...(k.input !== undefined ? { input: k.input } : {}), ...(user ? { user } : {}), timeoutMs: 120_000 });
    result.violations.push(...outputViolations(k, r));
    result.violations.push(...unchangedViolations(policy, before, snapshot(db, withTables), db));
    if (fixture === 'disk-fills' || fixture === 'disk-full') {
      // Space again: the next pull completes and clears any lock the failed one left.
      rmSync(path.join(path.dirname(db), 'filler'), { force: true });
      const stale = readDb(db, (d) => pullsOf(d).filter((p) => p.status === 'running'));
      const next = await runVpnsync(['pull', '--db', db], emulator.env);
      if (next.code !== 0) result.violations.push(`the pull after space was freed exited ${String(next.code)}: ${next.stderr.trim().split('\n').pop() ?? ''}`);
      for (const p of stale ?? []) if (!next.stderr.includes(`cleared the lock of pull #${p.id}`)) result.violations.push(`pull #${p.id} was left running and the next pull did not clear it`);
      const integrity = integrityOf(db);
      if (integrity !== 'ok') result.violations.push(`integrity_check: ${integrity}`);
    }
  } catch (e) {
    result.violations.push(`case aborted: ${(e as Error).message}`);
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        c();
      } catch {
        // best effort
      }
    }
  }
  return result;
}

/** Fills the file system of `file` with it until `leave` bytes (about) are left. */
function fill(file: string, leave: number): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 0x5a);
  try {
    for (;;) writeSync(fd, chunk);
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(fd);
  }
  if (leave > 0) truncateSync(file, Math.max(0, statSync(file).size - leave));
}

/** An emulator whose clock jumps two hours once it has issued a token: ARM then finds the token expired. */
async function expiredTokenEmulator(certDir: string | undefined, cleanups: (() => void)[]): Promise<Emulator> {
  let skew = 0;
  const e = await startEmulator({
    seed: 92,
    certDir,
    now: () => Date.now() + skew,
    onRequest: (r) => {
      if (/oauth2\/v2\.0\/token/.test(r.url) && r.status === 200) skew = 2 * 3600_000;
    },
  });
  cleanups.push(() => void e.close());
  return e;
}

interface Snapshot {
  exists: boolean;
  files: string[];
  db: string;
  wal: string;
  walSize: number;
  tables: Record<string, string[]> | undefined;
}

function snapshot(db: string, withTables: boolean): Snapshot {
  const dir = path.dirname(db);
  const hash = (f: string) => (existsSync(f) && statSync(f).isFile() ? createHash('sha256').update(readFileSync(f)).digest('hex') : 'absent');
  let tables: Record<string, string[]> | undefined;
  if (withTables) {
    try {
      tables = readDb(db, (d) => {
        const names = d.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
        return Object.fromEntries(names.map((n) => [n, (d.prepare(`SELECT * FROM "${n}"`).all() as unknown[]).map((row) => JSON.stringify(row))]));
      });
    } catch {
      tables = undefined;
    }
  }
  return {
    exists: existsSync(db),
    files: existsSync(dir) ? readdirSync(dir).filter((f) => f !== 'filler').sort() : [],
    db: hash(db),
    wal: hash(`${db}-wal`),
    walSize: existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0,
    tables,
  };
}

function unchangedViolations(policy: Unchanged, before: Snapshot, after: Snapshot, db: string): string[] {
  const v: string[] = [];
  if (policy === 'absent') {
    if (after.exists) v.push(`${path.basename(db)} was created`);
    if (after.files.length > before.files.length) v.push(`files appeared: ${after.files.filter((f) => !before.files.includes(f)).join(', ')}`);
    return v;
  }
  if (policy === 'bytes') {
    if (after.db !== before.db) v.push('the database file changed');
    if (after.wal !== before.wal && !(before.wal === 'absent' && after.walSize === 0)) v.push('the -wal changed');
    const added = after.files.filter((f) => !before.files.includes(f) && !f.endsWith('-wal') && !f.endsWith('-shm'));
    if (added.length) v.push(`files appeared: ${added.join(', ')}`);
    return v;
  }
  if (!before.tables || !after.tables) return before.tables === after.tables ? v : ['the database cannot be read after the command'];
  for (const [table, rows] of Object.entries(before.tables)) {
    const now = after.tables[table] ?? [];
    const kept = rows.every((r) => now.includes(r));
    const gained = now.filter((r) => !rows.includes(r));
    const allowed = (policy.content as string[]).includes(table);
    if (!kept && !(allowed && table === 'pulls')) v.push(`rows of ${table} changed`);
    if (gained.length > 0 && !allowed) v.push(`${table} gained ${gained.length} rows`);
    if (allowed && table === 'pulls') {
      // Only the failed pull's own row: earlier rows as they were, no data recorded.
      for (const g of gained) {
        const row = JSON.parse(g) as { status: string; id: number };
        if (row.status !== 'failed' && row.status !== 'running' && !rows.some((r) => (JSON.parse(r) as { id: number }).id === row.id)) v.push(`pull #${row.id} is ${row.status}`);
      }
    }
  }
  for (const t of Object.keys(after.tables)) if (!(t in before.tables)) v.push(`table ${t} appeared`);
  const linksBefore = before.tables.vpn_link_connections ?? [];
  const linksAfter = after.tables.vpn_link_connections ?? [];
  if (JSON.stringify(linksBefore) !== JSON.stringify(linksAfter)) v.push('vpn_link_connections changed');
  return v;
}

function outputViolations(k: CorpusCase, r: VpnsyncRun): string[] {
  const v: string[] = [];
  if (r.timedOut) return ['did not finish within two minutes'];
  if (k.secret !== undefined) {
    const output = r.stdout + r.stderr;
    for (let i = 0; i + 4 <= k.secret.length; i++) {
      if (output.includes(k.secret.slice(i, i + 4))) {
        v.push(`part of the secret in the input (${k.secret.slice(i, i + 4)}) is in the output`);
        break;
      }
    }
  }
  if (r.code !== k.code) v.push(`exit ${String(r.code)}, expected ${k.code}`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  const errorLines = lines.filter((l) => l.startsWith('vpnsync: '));
  const stack = lines.filter((l) => /^\s+at /.test(l));
  if (k.debug) {
    if (stack.length === 0) v.push('--debug printed no stack trace');
  } else if (stack.length > 0) v.push('a stack trace on stderr');
  if (errorLines.length !== 1) v.push(`${errorLines.length} error lines: ${JSON.stringify(lines.slice(-3))}`);
  const last = k.debug ? errorLines[0] : lines[lines.length - 1];
  if (!k.debug && !k.diagnostics && lines.length !== 1) v.push(`${lines.length} lines on stderr: ${JSON.stringify(lines.slice(0, 3))}`);
  if (!last?.startsWith('vpnsync: ')) v.push(`the last line is not the error: ${JSON.stringify(last)}`);
  else if (!k.message.test(last.slice('vpnsync: '.length))) v.push(`message ${JSON.stringify(last)} does not match ${String(k.message)}`);
  if (r.stdout !== '') v.push(`stdout: ${JSON.stringify(r.stdout.slice(0, 120))}`);
  return v;
}

/** Files to import: each wrong in its own way. */
function writeImportFiles(dir: string, emulator: Emulator): void {
  mkdirSync(dir, { recursive: true });
  const [first, second] = emulator.links() as [LinkConnectionTruth, LinkConnectionTruth];
  const strip = (l: LinkConnectionTruth) => {
    const { subscriptionId: _s, resourceGroupName: _r, gatewayName: _g, connectionName: _c, ...json } = l;
    return json as { id: string; properties: Record<string, unknown> };
  };
  const link = strip(first);
  const w = (name: string, text: string | Buffer) => writeFileSync(path.join(dir, name), text);
  w('link.json', JSON.stringify(link));
  w('empty.json', '');
  w('blank.json', '  \n\t\n');
  w('not-json.json', 'this is not JSON\n');
  w('truncated.json', JSON.stringify({ value: [link, strip(second)] }).slice(0, 300));
  w('binary.bin', Buffer.from([0xff, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]));
  w('empty-list.json', JSON.stringify({ value: [] }));
  w('empty-object.json', '{}');
  w('subscriptions.json', JSON.stringify({ value: [{ id: '/subscriptions/00000000-0000-0000-0000-000000000001', subscriptionId: '00000000-0000-0000-0000-000000000001', displayName: 'x', state: 'Enabled' }] }));
  const { properties, ...top } = link;
  w('az-network.json', JSON.stringify([{ ...top, ...properties }]));
  w('wrong-types.json', JSON.stringify({ ...link, properties: { ...link.properties, routingWeight: 'ten' } }));
  w('bad-id.json', JSON.stringify({ ...link, id: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/vpnGateways/g' }));
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = { nested: deep };
  w('deep.json', JSON.stringify({ ...link, properties: { ...link.properties, ipsecPolicies: [deep] } }));
  const keyed = JSON.stringify({ value: [{ ...link, properties: { ...link.properties, sharedKey: '__KEY__' } }] }, null, 2);
  w('sharedkey-single-quoted.json', keyed.replace('"__KEY__"', `'${CORPUS_KEY}'`));
  w('sharedkey-unquoted.json', keyed.replace('"__KEY__"', CORPUS_KEY));
  w('dotdot-id.json', JSON.stringify({ value: [{ ...link, id: link.id.replace(/[^/]+$/, '..') }] }));
  w('encoded-slash-id.json', JSON.stringify({ value: [{ ...link, id: link.id.replace(/[^/]+$/, 'x%2F..%2F..') }] }));
  const other = strip(second);
  w('conflicting-duplicates.json', JSON.stringify({ value: [
    { ...link, properties: { ...link.properties, sharedKey: `${CORPUS_KEY}-1` } },
    other,
    { ...link, id: link.id.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), properties: { ...link.properties, sharedKey: `${CORPUS_KEY}-2` } },
  ] }));
  for (const f of readdirSync(dir)) chmodSync(path.join(dir, f), 0o644);
}
