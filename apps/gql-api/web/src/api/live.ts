import { createClient, type Client } from 'graphql-ws/client';
import { session } from './session';

// graphql-ws close codes the server uses for refused credentials (ws-endpoint.ts): retrying cannot help.
const UNAUTHORIZED = 4401;
const FORBIDDEN = 4403;

let client: Client | null = null;

const closeCodeOf = (event: unknown): number | undefined => (typeof event === 'object' && event !== null && 'code' in event ? Number((event as { code: unknown }).code) : undefined);

const clientFor = (apiKey: string): Client => {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  return createClient({
    url,
    // Browsers cannot set headers on a WebSocket: the key travels in connection_init.
    connectionParams: () => ({ authorization: `Bearer ${apiKey}` }),
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => {
      const code = closeCodeOf(event);
      if (code === UNAUTHORIZED) session.signOut();
      return code !== UNAUTHORIZED && code !== FORBIDDEN;
    },
    // graphql-ws re-sends every open subscription after a reconnect with its first variables: runDag then
    // starts again with a SNAPSHOT, which replaces the page's state, so nothing is missed or doubled.
  });
};

session.onChange((signedIn) => {
  if (!signedIn && client) {
    void client.dispose();
    client = null;
  }
});

/** A subscription's failure: its GraphQL `extensions.code` when the server gave one (NOT_FOUND, …). */
export type LiveError = { code: string | null; message: string };
export type Sink<T> = { next: (value: T) => void; error: (error: LiveError) => void };

type GqlErrorLike = { message: string; extensions?: { code?: unknown } };
const fromErrors = (errors: readonly GqlErrorLike[]): LiveError => ({
  code: typeof errors[0]?.extensions?.code === 'string' ? errors[0].extensions.code : null,
  message: errors.map((e) => e.message).join('; '),
});

/** Starts a subscription on the shared socket; returns what stops it. */
export const subscribe = <T>(query: string, variables: Record<string, unknown>, sink: Sink<T>): (() => void) => {
  const apiKey = session.apiKey();
  if (!apiKey) {
    sink.error({ code: 'UNAUTHENTICATED', message: 'not signed in' });
    return () => undefined;
  }
  client ??= clientFor(apiKey);
  return client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) sink.error(fromErrors(result.errors));
        else if (result.data) sink.next(result.data);
      },
      error: (error) =>
        sink.error(Array.isArray(error) ? fromErrors(error as GqlErrorLike[]) : { code: null, message: closeCodeOf(error) !== undefined ? `connection closed (${closeCodeOf(error)})` : String(error) }),
      complete: () => undefined,
    },
  );
};
