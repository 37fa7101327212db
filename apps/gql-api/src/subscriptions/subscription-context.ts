import type { JetStreamEventStore } from '@shaman/event-store';
import type { Principal } from '../auth/principal.js';
import { requireRole } from '../auth/roles.js';
import type { FeedRegistry } from './feed-registry.js';

/** What subscription resolvers read the stream through. */
export type LiveDeps = {
  store: Pick<JetStreamEventStore, 'lastCommit' | 'firstCommit'>;
  feeds: FeedRegistry;
};

/**
 * The GraphQL context of an operation over the WebSocket endpoint: who the connection authenticated as in
 * `connection_init`, and the stream. Every subscription is scoped to `principal.orgId`.
 */
export type SubscriptionContext = { principal: Principal; live: LiveDeps };

/** Subscriptions only read: any role in the organization (VIEWER or above); FORBIDDEN without one. */
export const orgOf = (ctx: SubscriptionContext): string => {
  requireRole(ctx.principal, 'VIEWER');
  return ctx.principal.orgId;
};
