import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type ShamanEvent, type StepAddress } from '@shaman/events';
import { withUser } from '@shaman/platform';
import { createTestNats, createTestTenant, eventually as waitUntil, runRequested, startStack, stepEvents, stepEventsUntil, type TestTenant } from '@shaman/testing';
import type { NatsConnection } from '@nats-io/transport-node';

// The fork, diff and retention specs run the CLI as its own process against the real apps: libs/testing's stack
// on a private stream, with the store and connection the specs read the log through.

export type CliStack = { nc: NatsConnection; store: JetStreamEventStore; layout: { stream: string; subjectPrefix: string }; graphqlUrl: string; stop(): Promise<void> };

/** Projector, gateway (with its internal role), executor and gql-api on a private stream, deleted on stop. */
export const startCliStack = async (input: { adminUrl: string; executorEnv?: Record<string, string> }): Promise<CliStack> => {
  const nats = await createTestNats();
  const db = { appUrl: withUser(input.adminUrl, 'shaman_app'), projectorUrl: withUser(input.adminUrl, 'shaman_projector') };
  const stack = await startStack({ db, nats, ...(input.executorEnv ? { executorEnv: input.executorEnv } : {}) }).catch(async (error: unknown) => {
    await nats.cleanup();
    throw error;
  });
  return {
    nc: nats.nc,
    store: await createJetStreamEventStore({ nc: nats.nc, ...nats.layout }),
    layout: nats.layout,
    graphqlUrl: stack.graphqlUrl,
    stop: async () => {
      await stack.stop();
      await nats.cleanup();
    },
  };
};

export type Tenant = TestTenant;
export const createTenant = (adminUrl: string, input: { agentsRepository: string }): Promise<Tenant> => createTestTenant(adminUrl, input);

/** Polls `probe` until it returns something other than undefined. */
export const eventually = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> => waitUntil(probe, { what, timeoutMs });

export { stepEvents };

export const stepEventsUntilEnd = (store: JetStreamEventStore, a: StepAddress): Promise<ShamanEvent[]> => stepEventsUntil(store, a, { timeoutMs: 20_000 });

/** Records a root step of a new run (as the gateway would) and waits for its end. */
export const recordRun = async (store: JetStreamEventStore, input: { orgId: string; agent: string; repository: string; text: string }): Promise<StepAddress> => {
  const request = runRequested(input);
  await store.appendToStream(stepRequestStream(request.metadata), [request]);
  await stepEventsUntilEnd(store, request.metadata);
  return request.metadata;
};
