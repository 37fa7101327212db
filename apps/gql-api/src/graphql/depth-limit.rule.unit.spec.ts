import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { depthLimitRule } from './depth-limit.rule.js';

const schema = buildSchema(`
  type Query { node: Node }
  type Node { id: ID! child: Node }
`);
const errorsAt = (maxDepth: number, query: string): string[] =>
  validate(schema, parse(query), [depthLimitRule(maxDepth)]).map((e) => e.message);

describe('depthLimitRule', () => {
  it('counts root fields as depth 1 and allows exactly the limit', () => {
    expect(errorsAt(3, '{ node { child { id } } }')).toEqual([]);
    expect(errorsAt(2, '{ node { child { id } } }')).toEqual(['operation is 3 levels deep; the limit is 2']);
  });

  it('follows named and inline fragments without counting them as levels', () => {
    const query = 'query Deep { node { ...A } } fragment A on Node { ... on Node { child { ...B } } } fragment B on Node { child { id } }';
    expect(errorsAt(4, query)).toEqual([]);
    expect(errorsAt(3, query)).toEqual(["operation 'Deep' is 4 levels deep; the limit is 3"]);
  });

  it('terminates on fragment cycles (graphql reports them itself)', () => {
    expect(errorsAt(10, '{ node { ...A } } fragment A on Node { child { ...A } }')).toEqual([]);
  });

  it('stays linear when fragments are spread many times', () => {
    const spreads = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Node { child { ...F${i + 1} } a: child { ...F${i + 1} } }`).join('\n');
    const started = performance.now();
    expect(errorsAt(100, `{ node { ...F0 } } ${spreads} fragment F30 on Node { id }`)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('does not count ofType wrappers inside introspection, so tools can introspect', () => {
    expect(errorsAt(6, getIntrospectionQuery())).toEqual([]);
    expect(errorsAt(5, getIntrospectionQuery())).toHaveLength(1);
  });
});
