import { jetstreamManager } from '@nats-io/jetstream';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { connectNats } from '@shaman/platform';
import type { CliConfig } from '../config.js';

/**
 * Runs `fn` with the event store and closes the connection. A short-lived command fails at once (one
 * connection attempt) with the address in the message, instead of retrying in silence.
 */
export const withEventStore = async <T>(config: CliConfig, fn: (store: JetStreamEventStore) => Promise<T>): Promise<T> => {
  const nc = await connectNats(config.NATS_URL, 'shaman-cli', { maxReconnectAttempts: 0 }).catch((error: unknown) => {
    throw new Error(`cannot reach NATS at ${config.NATS_URL} (${error instanceof Error ? error.message : String(error)}); start it, e.g. nats-server -js`);
  });
  try {
    // The apps own the stream's configuration (replicas, limits); a CLI must not create or reshape it.
    await (await jetstreamManager(nc)).streams.info(config.NATS_STREAM).catch(() => {
      throw new Error(`NATS at ${config.NATS_URL} has no stream ${config.NATS_STREAM}; start the platform once (shaman dev, or any app) to create it`);
    });
    return await fn(await createJetStreamEventStore({ nc, stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX }));
  } finally {
    await nc.drain();
  }
};
