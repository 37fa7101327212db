import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { complexityLimitRule } from './complexity.rule.js';

const schema = buildSchema(`
  type Query { runs(first: Int): RunConnection! run(id: ID!): Run }
  type RunConnection { edges: [RunEdge!]! totalCount: Int! }
  type RunEdge { node: Run! }
  type Run { id: ID! steps: [Step!]! }
  type Step { id: ID! toolCalls: [ToolCall!]! }
  type ToolCall { name: String! }
`);
const costOf = (query: string, max = 1_000_000) => {
  const errors = validate(schema, parse(query), [complexityLimitRule(max, { listSize: 10 })]);
  return errors[0]?.extensions?.['cost'] ?? 'within';
};

describe('complexityLimitRule', () => {
  it('counts a field per item its list may return', () => {
    // runs(first: 5): 1 + 5 × (edges 1 + node 1 + id 1) = 16
    expect(costOf('{ runs(first: 5) { edges { node { id } } } }', 15)).toBe(16);
    expect(costOf('{ runs(first: 5) { edges { node { id } } } }', 16)).toBe('within');
  });

  it('multiplies nested lists, so wide-and-deep queries are refused while the same shape with small pages passes', () => {
    const deep = '{ runs(first: 100) { edges { node { steps { toolCalls { name } } } } } }';
    expect(costOf(deep, 5000)).toBeGreaterThan(5000);
    expect(costOf(deep.replace('first: 100', 'first: 2'), 5000)).toBe('within');
  });

  it('follows fragments and leaves introspection to the depth limit', () => {
    expect(costOf('query { run(id: "x") { ...R } } fragment R on Run { steps { id } }', 11)).toBe(12);
    expect(costOf('{ __schema { types { name fields { name } } } }', 1)).toBe('within');
  });
});
