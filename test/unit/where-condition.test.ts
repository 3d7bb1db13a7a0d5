import { describe, expect, it } from 'vitest';
import { checkWhereCondition } from '../../src/query/where-condition.js';

describe('checkWhereCondition (a --where condition is one expression)', () => {
  it.each([
    "connectionStatus = 'NotConnected' AND gatewayName = 'vpngw-weu-01'",
    "id IN (SELECT id FROM vpn_link_connections WHERE connectionStatus = 'Connected' UNION SELECT id FROM vpn_link_connections WHERE enableBgp)",
    "CASE WHEN connectionStatus = 'Connected' THEN 1 ELSE 0 END = 0",
    "replace(name, 'link', 'l') = 'l-1'",
    "name <> 'it''s' /* a closed comment */ AND \"name\" IS NOT NULL AND [gatewayName] <> ''",
    "name = ';--'",
  ])('accepts %s', (condition) => {
    expect(() => checkWhereCondition(condition)).not.toThrow();
  });

  it.each([
    ["0) UNION SELECT 'x','y','z' --", /a '\)' that closes more than it opened/],
    ['1) OR (1', /a '\)' that closes more than it opened/],
    ['0 UNION SELECT id FROM vpn_link_connections', /UNION outside parentheses/],
    ['SELECT 1', /SELECT outside parentheses/],
    ['1 -- rest', /a -- comment/],
    ['1 /* rest', /a \/\* comment that is never closed/],
    ["name = 'x", /an unterminated string/],
    ['"name = 1', /an unterminated quoted name/],
    ['[name = 1', /an unterminated quoted name/],
    ['1; DELETE FROM actions', /a ';'/],
    ['(1', /1 '\(' never closed/],
  ])('refuses %s', (condition, message) => {
    expect(() => checkWhereCondition(condition)).toThrow(message);
  });
});
