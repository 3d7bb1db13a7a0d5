import { describe, expect, it } from 'vitest';
import { diffStates } from '../../src/history/diff-pulls.js';
import type { RecordedPull } from '../../src/history/pulls.js';
import type { ReplayStep } from '../../src/history/replay-history.js';
import type { LinkState } from '../../src/history/state-as-of.js';
import { classifyStatus, TimelineBuilder } from '../../src/history/status-timeline.js';
import { counterDelta } from '../../src/history/traffic.js';
import { fingerprintWith, normaliseLink } from '../../src/sync/normalise.js';
import { armLink } from '../support/link-fixture.js';

const fp = fingerprintWith('salt');
const state = (link: string, properties: Record<string, unknown> = {}, pullId = 1): LinkState => ({
  ...normaliseLink(armLink({ link, properties }), fp),
  _pull_id: pullId,
  _kind: 'added',
  _changed_columns: '[]',
  _hash: '',
});

describe('counterDelta', () => {
  it('is the difference, or the new value after a reset', () => {
    expect(counterDelta(100, 250)).toEqual({ bytes: 150, reset: false });
    expect(counterDelta(100, 100)).toEqual({ bytes: 0, reset: false });
    expect(counterDelta(5000, 300)).toEqual({ bytes: 300, reset: true });
    expect(counterDelta(5000, 0)).toEqual({ bytes: 0, reset: true });
    expect(counterDelta(null, 300)).toEqual({ bytes: 0, reset: false });
    expect(counterDelta(300, null)).toEqual({ bytes: 0, reset: false });
  });
});

describe('classifyStatus', () => {
  it('maps connectionStatus to the three bands', () => {
    expect(classifyStatus('Connected')).toBe('connected');
    expect(classifyStatus('NotConnected')).toBe('not-connected');
    expect(classifyStatus('Connecting')).toBe('not-connected');
    expect(classifyStatus('Unknown')).toBe('unknown');
    expect(classifyStatus(null)).toBe('unknown');
    expect(classifyStatus('SomethingNew')).toBe('unknown');
  });
});

describe('diffStates', () => {
  it('uses changedFields: counters, etag and id casing are not changes', () => {
    const a = state('a');
    const b = state('b');
    const before = new Map([
      [a._key, a],
      [b._key, b],
    ]);
    const a2 = { ...state('a', { ingressBytesTransferred: 9, connectionStatus: 'NotConnected' }), etag: 'W/"7"', id: a.id.toUpperCase() };
    const c = state('c');
    const after = new Map([
      [a._key, a2],
      [c._key, c],
    ]);
    const d = diffStates(before, after);
    expect(d.added.map((x) => x.link.linkName)).toEqual(['c']);
    expect(d.removed.map((x) => x.link.linkName)).toEqual(['b']);
    expect(d.changed).toEqual([{ link: expect.objectContaining({ key: a._key }), changes: [{ field: 'connectionStatus', old: 'Connected', new: 'NotConnected' }] }]);
    expect(d.same).toBe(0);
  });
});

describe('TimelineBuilder', () => {
  const pull = (id: number): RecordedPull =>
    ({ id, status: 'complete', finishedAt: new Date(Date.UTC(2026, 4, 1, 0, id)).toISOString() }) as RecordedPull;
  const step = (id: number, index: number, links: LinkState[], unseen: string[] = [], changed: LinkState[] = []): ReplayStep => ({
    pull: pull(id),
    index,
    events: changed.map((version) => ({ version, previous: undefined })),
    unseen: new Map(unseen.map((k) => [k, 'filter' as const])),
    failedScopes: [],
    state: new Map(links.map((l) => [l._key, l])),
  });

  it('runs a band per status until the next change, unknown while unseen, absent after deletion', () => {
    const up = state('a');
    const down = state('a', { connectionStatus: 'Connecting' });
    const b = timelineBuilderRuns([
      step(1, 0, [up]),
      step(2, 1, [up]),
      step(3, 2, [down], [], [down]),
      step(4, 3, [down], [down._key]),
      step(5, 4, [down]),
      step(6, 5, [], [], [{ ...down, _kind: 'deleted' }]),
    ]);
    expect(b.runs.get(up._key)!.map((r) => [r.state, r.status, r.unseen, r.fromPull, r.toPull])).toEqual([
      ['connected', 'Connected', false, 1, 3],
      ['not-connected', 'Connecting', false, 3, 4],
      ['unknown', 'Connecting', true, 4, 5],
      ['not-connected', 'Connecting', false, 5, 6],
      ['absent', null, false, 6, 6],
    ]);
    expect(b.fleet.map((f) => [f.pullId, f.connected, f.notConnected, f.unknown])).toEqual([
      [1, 1, 0, 0],
      [2, 1, 0, 0],
      [3, 0, 1, 0],
      [4, 0, 0, 1],
      [5, 0, 1, 0],
      [6, 0, 0, 0],
    ]);
  });

  function timelineBuilderRuns(steps: ReplayStep[]) {
    const builder = new TimelineBuilder();
    for (const s of steps) builder.add(s);
    return { runs: builder.finish(), fleet: builder.fleet };
  }
});
