import { session } from './session';

/** A GraphQL error, typed by its `extensions.code` (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, …). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type GqlBody<T> = { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };

/**
 * POST /graphql with the session's API key as a bearer token. A 401 (the key was revoked, or never valid)
 * signs the tab out, so the page returns to the sign-in form instead of failing call after call.
 */
export const gql = async <T>(query: string, variables: Record<string, unknown> = {}, apiKey = session.apiKey()): Promise<T> => {
  if (!apiKey) throw new ApiError('UNAUTHENTICATED', 'not signed in');
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => ({}))) as GqlBody<T>;
  const first = body.errors?.[0];
  if (res.status === 401 || first?.extensions?.code === 'UNAUTHENTICATED') {
    if (apiKey === session.apiKey()) session.signOut();
    throw new ApiError('UNAUTHENTICATED', first?.message ?? 'the API key was refused');
  }
  if (first) throw new ApiError(first.extensions?.code ?? 'INTERNAL', first.message);
  if (!res.ok || !body.data) throw new ApiError('INTERNAL', `HTTP ${res.status}`);
  return body.data;
};

/** A mutation payload's typed errors (`errors: [{code, field, message}]`), as one message. */
export type UserError = { code: string; field: string | null; message: string };
export const describeUserErrors = (errors: UserError[]): string => errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
