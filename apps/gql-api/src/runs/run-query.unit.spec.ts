import { describe, expect, it } from 'vitest';
import { encodeRunCursor } from './run.cursor.js';
import { parseRunsArgs, type RunsArgs } from './run-query.js';

const codeOf = (args: RunsArgs): unknown => {
  try {
    parseRunsArgs(args);
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'no error';
};
const cursor = { key: '2026-01-01T00:00:00.000001Z', id: '0a1b2c3d-0000-4000-8000-000000000001' };

describe('parseRunsArgs', () => {
  it('defaults to 20 newest first, unfiltered', () => {
    expect(parseRunsArgs({})).toEqual({
      filter: { statuses: null, agent: null, createdAfter: null, createdBefore: null, initiator: null },
      page: { limit: 20, after: null, order: { field: 'CREATED_AT', direction: 'DESC' } },
    });
  });

  it('keeps the filter, deduplicates statuses and reads an empty status list as no filter', () => {
    const createdAfter = new Date('2026-01-01T00:00:00Z');
    const { filter } = parseRunsArgs({ filter: { status: ['completed', 'failed', 'completed'], agent: 'Planner', createdAfter, initiator: { kind: 'api_key' } } });
    expect(filter).toEqual({ statuses: ['completed', 'failed'], agent: 'Planner', createdAfter, createdBefore: null, initiator: { kind: 'api_key', id: null } });
    expect(parseRunsArgs({ filter: { status: [] } }).filter.statuses).toBeNull();
  });

  it('accepts a cursor of the same ordering', () => {
    const after = encodeRunCursor({ field: 'UPDATED_AT', direction: 'ASC', ...cursor });
    expect(parseRunsArgs({ first: 5, after, orderBy: { field: 'UPDATED_AT', direction: 'ASC' } }).page).toEqual({
      limit: 5, after: { field: 'UPDATED_AT', direction: 'ASC', ...cursor }, order: { field: 'UPDATED_AT', direction: 'ASC' },
    });
  });

  it.each<[string, RunsArgs]>([
    ['first 0', { first: 0 }],
    ['first 101', { first: 101 }],
    ['a cursor that is not ours', { after: 'abc' }],
    ['a cursor of another ordering', { after: encodeRunCursor({ field: 'CREATED_AT', direction: 'ASC', ...cursor }) }],
    ['an empty range', { filter: { createdAfter: new Date('2026-01-02T00:00:00Z'), createdBefore: new Date('2026-01-02T00:00:00Z') } }],
    ['an empty agent', { filter: { agent: '' } }],
    ['an overlong initiator id', { filter: { initiator: { kind: 'user', id: 'x'.repeat(257) } } }],
  ])('refuses %s as BAD_USER_INPUT', (_, args) => expect(codeOf(args)).toBe('BAD_USER_INPUT'));
});
