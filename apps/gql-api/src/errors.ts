import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '@shaman/platform';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The closed set of codes this API puts in `extensions.code` (STYLE §6). */
export type GqlErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'INTERNAL';

const HTTP_STATUS: Record<GqlErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  INTERNAL: 500,
};
const OWN_CODES: ReadonlySet<string> = new Set(Object.keys(HTTP_STATUS));

// Apollo's own request-level codes (parse, validation — the depth limit reports through it —, persisted
// queries, malformed HTTP requests) are protocol errors about the client's request; they pass through as-is.
const APOLLO_REQUEST_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

const INTERNAL_MESSAGE = 'internal server error';

/** A GraphQL error carrying one of our codes. In a resolver, it only sets the error's code, not the HTTP status. */
export const gqlError = (code: GqlErrorCode, message: string, options: { cause?: unknown } = {}): GraphQLError =>
  new GraphQLError(message, { extensions: { code }, originalError: options.cause instanceof Error ? options.cause : undefined });

/** The HTTP status and body for an error answered outside GraphQL execution (auth, body limit, crashes). */
export const httpError = (code: GqlErrorCode, message: string): { status: number; body: { errors: GraphQLFormattedError[] } } => ({
  status: HTTP_STATUS[code],
  body: { errors: [{ message, extensions: { code } }] },
});

/**
 * Apollo `formatError`: our codes and Apollo's request-level codes pass; anything else (a bug, a database
 * failure) becomes INTERNAL, is logged here — once — and its message is not sent to the client.
 */
export const formatGqlError = (logger: Logger) => (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
  const code = formatted.extensions?.['code'];
  if (typeof code === 'string' && (OWN_CODES.has(code) || APOLLO_REQUEST_CODES.has(code))) return formatted;
  logger.error({ err: unwrapResolverError(error), path: formatted.path }, 'unexpected error in a GraphQL request');
  return { message: INTERNAL_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL' } };
};

/** The body for an unexpected error outside execution; the caller logs it. */
export const internalHttpError = () => httpError('INTERNAL', INTERNAL_MESSAGE);
