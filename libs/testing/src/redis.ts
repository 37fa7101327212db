import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export type TestRedis = {
  /** A BullMQ `prefix` of this suite's own; every key it makes starts with `<prefix>:`. */
  prefix: string;
  /** For queues and workers (BullMQ's blocking requirement: `maxRetriesPerRequest: null`). */
  connection: Redis;
  /** Deletes this suite's keys (never FLUSHALL: the developer's Redis is shared) and closes the connection. */
  cleanup(): Promise<void>;
};

export const createTestRedis = (): TestRedis => {
  const prefix = `bull-test-${randomBytes(5).toString('hex')}`;
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  return {
    prefix,
    connection,
    cleanup: async () => {
      const admin = new Redis(TEST_REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
          if (keys.length > 0) await admin.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        await admin.quit();
        await connection.quit().catch(() => undefined);
      }
    },
  };
};
