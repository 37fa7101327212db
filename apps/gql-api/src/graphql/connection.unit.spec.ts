import { describe, expect, it } from 'vitest';
import { connectionOf } from './connection.js';

const page = (items: string[], first: number, after?: string | null) => connectionOf(items, (s) => s, { first, after });
const names = (c: ReturnType<typeof page>) => c.edges.map((e) => e.node);

describe('connectionOf', () => {
  it('pages through a list in its own order, whatever order the keys compare in', () => {
    // The database sorts "a_b" before "a-b" under some collations; paging must follow the list, not "<".
    const items = ['a_b', 'a-b', 'c'];
    const first = page(items, 1);
    expect(names(first)).toEqual(['a_b']);
    const second = page(items, 1, first.pageInfo.endCursor);
    expect(names(second)).toEqual(['a-b']);
    expect(names(page(items, 5, second.pageInfo.endCursor))).toEqual(['c']);
    expect(first).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
  });

  it('continues after a deleted item from the first key past it', () => {
    const cursor = page(['a', 'b', 'c'], 2).pageInfo.endCursor;
    expect(names(page(['a', 'c'], 2, cursor))).toEqual(['c']);
  });

  it('refuses a page size outside 1..100', () => {
    expect(() => page(['a'], 0)).toThrow('first must be between 1 and 100');
  });
});
