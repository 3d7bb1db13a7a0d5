/**
 * Long-running actions in the shapes real ARM answers in: both polling headers (Network RP),
 * the operation-status resource, Location answering the failure's own status, actions ARM
 * carried out before its answer went wrong, busy refusals, and subscriptions that are not Enabled.
 */
import { describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';
import { arm, getToken, useEmulators } from './helpers.js';

const started = useEmulators();
async function emulator(options: EmulatorOptions): Promise<{ emu: Emulator; token: string; link: string }> {
  const emu = await started({ seed: 61, ...options });
  const link = emu.links().find((l) => l.properties.connectionStatus === 'Connected')!.id;
  return { emu, token: await getToken(emu), link };
}

describe('a 202 as Network RP sends it', () => {
  it('carries Azure-AsyncOperation (operations/{id}) and Location (operationResults/{id}) with Retry-After 10 by default', async () => {
    const { emu, token, link } = await emulator({});
    const res = await arm(emu, token, `${link}/resetconnection`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expect(res.headers.get('azure-asyncoperation')).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/locations\/[a-z0-9]+\/operations\/[0-9a-f-]{36}\?api-version=/);
    expect(res.headers.get('location')).toMatch(/\/providers\/Microsoft\.Network\/locations\/[a-z0-9]+\/operationResults\/[0-9a-f-]{36}\?api-version=/);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(res.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the status URL always answers 200: InProgress with Retry-After, then Succeeded with start and end times; Location then gives the result', async () => {
    const { emu, token, link } = await emulator({ lro: { polls: 1, retryAfterSeconds: 3 } });
    const res = await arm(emu, token, `${link}/getikesas`, { method: 'POST' });
    const statusUrl = res.headers.get('azure-asyncoperation')!;
    const first = await arm(emu, token, statusUrl);
    expect(first.status).toBe(200);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(first.body).toMatchObject({ status: 'InProgress', name: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const second = await arm(emu, token, statusUrl);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'Succeeded', startTime: expect.any(String), endTime: expect.any(String) });
    expect((second.body as Record<string, unknown>)['error']).toBeUndefined();
    const result = await arm(emu, token, res.headers.get('location')!);
    expect(result.status).toBe(200);
    expect(typeof result.body).toBe('string');
  });

  it('a failed operation: the status URL says Failed with ARM\'s error (200); the Location URL answers the error\'s own status and body', async () => {
    const { emu, token, link } = await emulator({ lro: { polls: 0, retryAfterSeconds: 0 }, faults: [{ kind: 'lro-failure', match: '*', status: 400, code: 'VpnLinkConnectionResetFailed', message: 'The reset failed.' }] });
    const res = await arm(emu, token, `${link}/resetconnection`, { method: 'POST' });
    const status = await arm(emu, token, res.headers.get('azure-asyncoperation')!);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: 'Failed', error: { code: 'VpnLinkConnectionResetFailed', message: 'The reset failed.' } });
    const location = await arm(emu, token, res.headers.get('location')!);
    expect(location.status).toBe(400);
    expect(location.body).toMatchObject({ error: { code: 'VpnLinkConnectionResetFailed' } });
  });

  it('lro-failure with code Canceled ends the operation Canceled', async () => {
    const { emu, token, link } = await emulator({ lro: { polls: 0, retryAfterSeconds: 0 }, faults: [{ kind: 'lro-failure', match: '*', code: 'Canceled', message: 'Operation was canceled.' }] });
    const res = await arm(emu, token, `${link}/resetconnection`, { method: 'POST' });
    const status = await arm(emu, token, res.headers.get('azure-asyncoperation')!);
    expect(status.body).toMatchObject({ status: 'Canceled', error: { code: 'Canceled' } });
  });

  it.each([
    ['location', false, true],
    ['azure-async-operation', true, false],
  ] as const)('polling %s: only that header', async (polling, async, location) => {
    const { emu, token, link } = await emulator({ lro: { polling } });
    const res = await arm(emu, token, `${link}/resetconnection`, { method: 'POST' });
    expect(res.headers.has('azure-asyncoperation')).toBe(async);
    expect(res.headers.has('location')).toBe(location);
  });

  it('GetIkeSas in Microsoft\'s example shape (ikeSasBody: bare): quoted text that is not valid JSON', async () => {
    const { emu, token, link } = await emulator({ lro: { polls: 0, retryAfterSeconds: 0, ikeSasBody: 'bare' } });
    const res = await arm(emu, token, `${link}/getikesas`, { method: 'POST' });
    const result = await arm(emu, token, res.headers.get('location')!);
    expect(result.status).toBe(200);
    expect(result.text.startsWith('"{"Status"')).toBe(true);
    expect(() => JSON.parse(result.text)).toThrow();
  });
});

describe('actions ARM carried out before its answer went wrong', () => {
  it('acted-5xx: 503 with Retry-After, but the operation runs and counts as carried out', async () => {
    const { emu, token, link } = await emulator({ faults: [{ kind: 'acted-5xx', match: '/resetconnection', count: 1 }] });
    const res = await arm(emu, token, `${link}/resetconnection`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(emu.links().find((l) => l.id === link)!.properties.connectionStatus).toBe('Connecting');
    expect(emu.stats().actionsByLink[link.toLowerCase()]).toEqual({ resetconnection: 1, getikesas: 0 });
    // A client that re-sends it makes ARM act twice: the statistics show it.
    await arm(emu, token, `${link}/resetconnection`, { method: 'POST' });
    expect(emu.stats().actionsByLink[link.toLowerCase()]).toEqual({ resetconnection: 2, getikesas: 0 });
    expect(emu.stats().postsByLink[link.toLowerCase()]).toEqual({ resetconnection: 2, getikesas: 0 });
  });

  it('acted-drop: the connection is cut after ARM acted', async () => {
    const { emu, token, link } = await emulator({ faults: [{ kind: 'acted-drop', match: '*' }] });
    await expect(arm(emu, token, `${link}/resetconnection`, { method: 'POST' })).rejects.toThrow();
    expect(emu.stats().actionsByLink[link.toLowerCase()]?.resetconnection).toBe(1);
    expect(emu.stats().faultsInjected['acted-drop']).toBe(1);
  });

  it('bare-202: accepted with no polling URL', async () => {
    const { emu, token, link } = await emulator({ faults: [{ kind: 'bare-202', match: '*' }] });
    const res = await arm(emu, token, `${link}/getikesas`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(res.headers.has('location')).toBe(false);
    expect(res.headers.has('azure-asyncoperation')).toBe(false);
    expect(emu.stats().actionsByLink[link.toLowerCase()]?.getikesas).toBe(1);
  });
});

describe('refusals: ARM did not act', () => {
  it('busy (409): AnotherOperationInProgress with Retry-After; nothing carried out', async () => {
    const { emu, token, link } = await emulator({ faults: [{ kind: 'busy', match: '*', retryAfterSeconds: 30 }] });
    const res = await arm(emu, token, `${link}/resetconnection`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.body).toMatchObject({ error: { code: 'AnotherOperationInProgress' } });
    expect(emu.stats().actionsByLink[link.toLowerCase()]).toBeUndefined();
  });

  it('busy (429): RetryableError with details[0].code RetryableErrorDueToAnotherOperation', async () => {
    const { emu, token, link } = await emulator({ faults: [{ kind: 'busy', match: '*', status: 429, retryAfterSeconds: 14 }] });
    const res = await arm(emu, token, `${link}/resetconnection`, { method: 'POST' });
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: { code: 'RetryableError', details: [{ code: 'RetryableErrorDueToAnotherOperation', message: expect.stringMatching(/can be retried in 14 seconds/) }] } });
    expect(emu.stats().actionsByLink[link.toLowerCase()]).toBeUndefined();
  });

  it('a PastDue subscription is still active: its actions are carried out', async () => {
    const probe = await emulator({});
    const sub = probe.emu.links()[0]!.id.split('/')[2]!;
    const { emu, token } = await emulator({ subscriptionStates: { [sub]: 'PastDue' } });
    const target = emu.links().find((l) => l.id.split('/')[2] === sub)!.id;
    expect((await arm(emu, token, `${target}/resetconnection`, { method: 'POST' })).status).toBe(202);
  });

  it.each([
    ['Disabled', 'ReadOnlyDisabledSubscription'],
    ['Warned', 'SubscriptionNotEnabled'],
  ] as const)('a %s subscription: reads work, actions are refused with 409 %s', async (state, code) => {
    const probe = await emulator({});
    const sub = probe.emu.links()[0]!.id.split('/')[2]!;
    const { emu, token, link } = await emulator({ subscriptionStates: { [sub]: state } });
    const target = emu.links().find((l) => l.id.split('/')[2] === sub)!.id;
    const listed = await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' });
    expect((listed.body as { value: { subscriptionId: string; state: string }[] }).value.find((s) => s.subscriptionId === sub)?.state).toBe(state);
    expect((await arm(emu, token, target)).status).toBe(200);
    const res = await arm(emu, token, `${target}/resetconnection`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code } });
    expect(emu.stats().actionsByLink[target.toLowerCase()]).toBeUndefined();
    void link;
  });
});
