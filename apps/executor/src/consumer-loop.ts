import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from '@shaman/platform';

/** A counting semaphore: bounds how many steps run at once in this process. */
export const createSemaphore = (limit: number) => {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    acquire: async (): Promise<void> => {
      if (active < limit) {
        active++;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release: (): void => {
      const next = waiting.shift();
      if (next) next();
      else active--;
    },
    get active() {
      return active;
    },
  };
};

/**
 * Pulls from a durable consumer with `consume()` (which survives missed heartbeats, unlike `fetch`) and runs
 * each message concurrently under the semaphore. Returns a stop function that stops pulling and waits for
 * the handlers already running, up to `graceMs`; what is still unfinished then is redelivered elsewhere.
 */
export const runConsumerLoop = async (input: {
  js: JetStreamClient;
  stream: string;
  consumer: string;
  concurrency: number;
  handle: (m: JsMsg) => Promise<void>;
  logger: Logger;
}): Promise<{ stop: (graceMs: number) => Promise<void> }> => {
  const consumer = await input.js.consumers.get(input.stream, input.consumer);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: Math.min(input.concurrency, 1000) });
  const semaphore = createSemaphore(input.concurrency);
  const running = new Set<Promise<void>>();
  void (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'heartbeats_missed' || status.type === 'consumer_not_found') input.logger.warn({ status }, 'consumer status');
    }
  })().catch(() => undefined);
  const loop = (async () => {
    for await (const m of messages) {
      await semaphore.acquire();
      const task = input.handle(m).catch((error: unknown) => input.logger.error({ err: error }, 'request handler crashed'));
      running.add(task);
      void task.finally(() => {
        running.delete(task);
        semaphore.release();
      });
    }
  })();
  return {
    stop: async (graceMs) => {
      messages.stop();
      await loop.catch(() => undefined);
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, graceMs))]);
    },
  };
};
