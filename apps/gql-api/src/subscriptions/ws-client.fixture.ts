// Test-only: a graphql-ws client over \`ws\`, and a subscription that collects what it receives.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export type Subscription<T> = { values: T[]; errors: unknown[]; completed: boolean; stop: () => void };

/** A graphql-ws client on `<httpUrl>/graphql` that never retries (a refused connection must stay refused). */
export const wsClient = (httpUrl: string, connectionParams?: Record<string, unknown>): Client =>
  createClient({ url: `${httpUrl.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });

/** Subscribes and collects: `values` are `data[field]` of each result, `errors` GraphQL errors or close events. */
export const collect = <T>(client: Client, request: { query: string; variables?: Record<string, unknown>; field: string }): Subscription<T> => {
  const sub: Subscription<T> = { values: [], errors: [], completed: false, stop: () => undefined };
  sub.stop = client.subscribe<Record<string, T>>(
    { query: request.query, variables: request.variables },
    {
      next: (result) => {
        if (result.errors) sub.errors.push(...result.errors);
        const value = result.data?.[request.field];
        if (value !== undefined && value !== null) sub.values.push(value);
      },
      // A close event, or (graphql-ws `error` message) the operation's GraphQL errors.
      error: (error) => (Array.isArray(error) ? sub.errors.push(...(error as unknown[])) : sub.errors.push(error)),
      complete: () => {
        sub.completed = true;
      },
    },
  );
  return sub;
};
