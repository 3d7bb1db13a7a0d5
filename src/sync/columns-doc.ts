import { LINK_FIELDS, PARAMETER_COLUMNS } from './fields.js';

const SQL_TYPE = { text: 'TEXT', integer: 'INTEGER', boolean: 'INTEGER 0/1', json: 'TEXT (JSON)' } as const;

const PARAMETER_DOC: Record<(typeof PARAMETER_COLUMNS)[number], string> = {
  subscriptionId: 'SELECT parameter, from the id',
  resourceGroupName: 'SELECT parameter, from the id',
  gatewayName: 'SELECT parameter, from the id',
  connectionName: 'SELECT parameter, from the id',
};

const BOOKKEEPING: [string, string, string][] = [
  ['_key', 'TEXT', 'Lower-cased id (the primary key; ARM ids are case-insensitive)'],
  ['_first_seen_pull', 'INTEGER', 'Pull that first saw the link'],
  ['_last_seen_pull', 'INTEGER', 'Last pull that saw the link'],
  ['_hash', 'TEXT', 'Digest of the tracked fields (change detection)'],
  ['_raw', 'TEXT (JSON)', 'The ARM JSON as received (sharedKey replaced by its fingerprint), so properties outside the 22 fields, such as dpdTimeoutSeconds, are kept'],
];

/** The column table of vpn_link_connections in docs/database.md, rendered from the field list. */
export function renderColumnsTable(): string {
  const rows: [string, string, string][] = [
    ...LINK_FIELDS.map((f): [string, string, string] => [f.name, SQL_TYPE[f.kind], f.doc]),
    ...PARAMETER_COLUMNS.map((p): [string, string, string] => [p, 'TEXT', PARAMETER_DOC[p]]),
    ...BOOKKEEPING,
  ];
  return ['| Column | Type | Meaning |', '|---|---|---|', ...rows.map((r) => `| \`${r[0]}\` | ${r[1]} | ${r[2]} |`)].join('\n');
}
