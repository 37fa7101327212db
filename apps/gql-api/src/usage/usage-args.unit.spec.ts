import { describe, expect, it } from 'vitest';
import { parseUsageArgs } from './usage-args.js';

const from = new Date('2026-01-01T00:00:00Z');
const days = (n: number) => new Date(from.getTime() + n * 86_400_000);
const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'no error';
};

describe('parseUsageArgs', () => {
  it('defaults to no grouping and no agent filter', () => {
    expect(parseUsageArgs({ period: 'day', from, to: days(7) })).toEqual({ period: 'day', from, to: days(7), groupBy: 'none', agent: null });
    expect(parseUsageArgs({ period: 'month', from, to: days(1830), groupBy: 'model', agent: 'Planner' })).toMatchObject({ groupBy: 'model', agent: 'Planner' });
  });

  it.each([
    ['an empty range', { period: 'day' as const, from, to: from }],
    ['a reversed range', { period: 'day' as const, from: days(2), to: days(1) }],
    ['too many days', { period: 'day' as const, from, to: days(367) }],
    ['too many weeks', { period: 'week' as const, from, to: days(733) }],
    ['an empty agent', { period: 'week' as const, from, to: days(7), agent: '' }],
  ])('refuses %s as BAD_USER_INPUT', (_, args) => expect(codeOf(() => parseUsageArgs(args))).toBe('BAD_USER_INPUT'));
});
