import { describe, expect, it } from 'vitest';
import { planRetention, type RetainedRun } from './retention-plan.js';

const now = new Date('2026-06-01T00:00:00Z');
const run = (runId: string, daysAgo: number, bytes: number, status = 'completed'): RetainedRun => ({ runId, status, lastActivityAt: new Date(now.getTime() - daysAgo * 86_400_000), bytes, events: 1 });

describe('planRetention', () => {
  const runs = [run('new', 1, 100), run('old', 40, 100), run('older', 50, 100), run('old-working', 60, 100, 'working'), run('mid', 10, 100)];

  it('keeps everything without a policy', () => expect(planRetention(runs, { policy: { maxAgeDays: null, maxBytes: null }, now })).toEqual([]));

  it('deletes finished runs past the age, oldest first, never one that can still continue', () =>
    expect(planRetention(runs, { policy: { maxAgeDays: 30, maxBytes: null }, now }).map((p) => [p.runId, p.reason])).toEqual([
      ['older', 'max_age'],
      ['old', 'max_age'],
    ]));

  it('deletes the oldest finished runs until the bytes fit, counting unfinished runs in the total', () =>
    expect(planRetention(runs, { policy: { maxAgeDays: null, maxBytes: 250 }, now }).map((p) => [p.runId, p.reason])).toEqual([
      ['older', 'max_bytes'],
      ['old', 'max_bytes'],
      ['mid', 'max_bytes'],
    ]));

  it('applies the age first, then the bytes on what remains', () =>
    expect(planRetention(runs, { policy: { maxAgeDays: 45, maxBytes: 300 }, now }).map((p) => [p.runId, p.reason])).toEqual([
      ['older', 'max_age'],
      ['old', 'max_bytes'],
    ]));
});
