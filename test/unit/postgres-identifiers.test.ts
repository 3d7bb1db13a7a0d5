import { describe, expect, it } from 'vitest';
import { columnNameRestorer, foldIdentifier } from '../../src/store/postgres-identifiers.js';
import { CAMEL_CASE_COLUMNS } from '../../src/sync/fields.js';

describe('column names on PostgreSQL', () => {
  it('folds as PostgreSQL folds unquoted names, and shows the canonical spelling again', () => {
    expect(foldIdentifier('connectionStatus')).toBe('connectionstatus');
    const canonical = columnNameRestorer(CAMEL_CASE_COLUMNS);
    expect(['connectionstatus', 'gatewayname', 'linkconnectionname', 'displayname', '_key', 'links_down'].map(canonical)).toEqual(['connectionStatus', 'gatewayName', 'linkConnectionName', 'displayName', '_key', 'links_down']);
  });

  it('refuses two names that would be one column on PostgreSQL', () => {
    expect(() => columnNameRestorer(['gatewayName', 'GatewayName'])).toThrow(/Columns gatewayName and GatewayName are one column on PostgreSQL \(gatewayname\)/);
  });
});
