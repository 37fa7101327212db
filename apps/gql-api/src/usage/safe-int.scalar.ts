import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const check = (value: unknown): number => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new GraphQLError('SafeInt must be an integer between -(2^53 - 1) and 2^53 - 1');
};

/**
 * An integer beyond GraphQL's 32-bit Int, up to 2^53 - 1, sent as a JSON number (exact in every JSON parser
 * that uses doubles). For sums of tokens and micro-dollars, which outgrow Int.
 */
export const SafeIntScalar = new GraphQLScalarType<number, number>({
  name: 'SafeInt',
  serialize: check,
  parseValue: check,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.INT) throw new GraphQLError('SafeInt must be an integer literal', { nodes: [ast] });
    return check(Number(ast.value));
  },
});
