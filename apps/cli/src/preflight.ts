import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { natsServers, withDatabase } from '@shaman/platform';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { CliConfig } from './config.js';

export type Check = { service: 'PostgreSQL' | 'NATS JetStream' | 'Redis'; ok: boolean; detail: string; howToStart: string };

const HOW = {
  PostgreSQL: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start   (Debian: apt-get install postgresql)   or: docker compose up -d postgres",
  'NATS JetStream': 'nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server &   (Debian: apt-get install nats-server)   or: docker compose up -d nats',
  Redis: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no   (Debian: apt-get install redis-server)   or: docker compose up -d redis',
} as const;

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);

const check = async (service: Check['service'], target: string, probe: () => Promise<string>): Promise<Check> => {
  try {
    return { service, ok: true, detail: await withTimeout(probe(), 3000), howToStart: HOW[service] };
  } catch (error) {
    return { service, ok: false, detail: `${target}: ${(error as Error).message}`, howToStart: HOW[service] };
  }
};

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** Probes the three services the stack needs, each with a short timeout, and says how to start any that is down. */
export const preflight = async (config: CliConfig): Promise<Check[]> =>
  Promise.all([
    check('PostgreSQL', hostOf(config.DATABASE_ADMIN_URL), async () => {
      const client = new pg.Client({ connectionString: withDatabase(config.DATABASE_ADMIN_URL, 'postgres'), connectionTimeoutMillis: 3000 });
      await client.connect();
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      await client.end();
      return `${new URL(config.DATABASE_ADMIN_URL).host} (PostgreSQL ${rows[0]?.server_version})`;
    }),
    check('NATS JetStream', config.NATS_URL, async () => {
      const nc = await connect({ servers: natsServers(config.NATS_URL), timeout: 3000 });
      try {
        const info = await (await jetstreamManager(nc)).getAccountInfo();
        return `${config.NATS_URL} (server ${nc.info?.version}, ${info.streams} streams)`;
      } finally {
        await nc.close();
      }
    }),
    check('Redis', config.REDIS_URL, async () => {
      const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
      try {
        await redis.connect();
        return `${config.REDIS_URL} (${await redis.ping()})`;
      } finally {
        redis.disconnect();
      }
    }),
  ]);
