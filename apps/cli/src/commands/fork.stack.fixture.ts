import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { isTerminalStepEvent, ShamanEvent, stepEventStream, stepRequestStream, type RunRequested, type StepAddress } from '@shaman/events';
import { ensureJetStream } from '@shaman/nats-infra';
import { ensureOrganization, generateInternalKeyPair, issueApiKey, withUser } from '@shaman/platform';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import pg from 'pg';

// The CLI may not depend on the shared test fixtures (lint boundaries): the fork, diff and retention specs start
// the real apps as processes here, the way libs/testing's startStack does, on a private stream and database.

type App = { name: string; child: ChildProcess; output: () => string; started: Promise<Record<string, unknown>> };

const spawnApp = (input: { root: string; name: string; env: Record<string, string | undefined>; ready: string }): App => {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${input.name}/src/main.ts`], { cwd: input.root, env: { ...input.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let raw = '';
  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${input.name} did not start in 60 s:\n${raw}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (text) => {
      raw += `${text}\n`;
      const line = (() => {
        try {
          return JSON.parse(text) as Record<string, unknown>;
        } catch {
          return null;
        }
      })();
      if (line?.['msg'] !== input.ready) return;
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${input.name} exited (${code}):\n${raw}`))));
  });
  child.stderr!.on('data', (d: Buffer) => (raw += d.toString()));
  return { name: input.name, child, output: () => raw, started };
};

const stopApp = async (app: App): Promise<void> => {
  if (app.child.exitCode !== null) return;
  const exited = new Promise((resolve) => app.child.once('exit', resolve));
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
};

/** Deletes this suite's BullMQ keys only (the Redis is shared with the developer's own stack). */
const deleteRedisPrefix = async (url: string, prefix: string): Promise<void> => {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
};

export type CliStack = { nc: NatsConnection; store: JetStreamEventStore; layout: { stream: string; subjectPrefix: string }; graphqlUrl: string; stop(): Promise<void> };

/**
 * Projector, a2a-gateway, executor and gql-api as their own processes on a private stream (created here, deleted
 * on stop). The gateway's internal role takes the executor's agent calls (`call_agent`), with a key pair of this
 * stack's own; the executor starts once the gateway has said where that role listens.
 */
export const startCliStack = async (input: {
  root: string;
  /** The environment the apps inherit (the spec's own, so tsx and PATH carry over). */
  env: Record<string, string | undefined>;
  natsUrl: string;
  redisUrl: string;
  adminUrl: string;
  executorEnv?: Record<string, string>;
}): Promise<CliStack> => {
  const id = randomBytes(5).toString('hex');
  const layout = { stream: `TEST_CLI_${id.toUpperCase()}`, subjectPrefix: `cli${id}` };
  const bullPrefix = `bull-test-${id}`;
  const nc = await connect({ servers: input.natsUrl });
  const jsm = await jetstreamManager(nc);
  await ensureJetStream(jsm, layout, { ackWaitMs: 30_000, maxDeliver: 5, maxAckPending: 1000 });
  const bus = { ...input.env, NATS_URL: input.natsUrl, NATS_STREAM: layout.stream, NATS_SUBJECT_PREFIX: layout.subjectPrefix };
  const keys = await generateInternalKeyPair();
  const redis = { REDIS_URL: input.redisUrl, BULLMQ_PREFIX: bullPrefix };
  const apps = [
    spawnApp({ root: input.root, name: 'projector', env: { ...bus, DATABASE_URL: withUser(input.adminUrl, 'shaman_projector') }, ready: 'projector started' }),
    spawnApp({ root: input.root, name: 'gql-api', env: { ...bus, ...redis, DATABASE_URL: withUser(input.adminUrl, 'shaman_app'), GQL_PORT: '0', REPO_SYNC_WORKER: 'false' }, ready: 'gql-api listening' }),
    spawnApp({
      root: input.root,
      name: 'a2a-gateway',
      env: { ...bus, ...redis, DATABASE_URL: withUser(input.adminUrl, 'shaman_app'), GATEWAY_PORT: '0', GATEWAY_INTERNAL_PORT: '0', SHAMAN_INTERNAL_JWKS: JSON.stringify(keys.publicJwks) },
      ready: 'a2a gateway listening',
    }),
  ];
  const stop = async (): Promise<void> => {
    await Promise.all(apps.map(stopApp));
    await deleteRedisPrefix(input.redisUrl, bullPrefix);
    await jsm.streams.delete(layout.stream).catch(() => undefined);
    await nc.drain();
  };
  try {
    const gateway = await apps[2]!.started;
    const executorEnv = { ...bus, SHAMAN_INTERNAL_JWT_PRIVATE_KEY: JSON.stringify(keys.privateJwk), EXECUTOR_INTERNAL_GATEWAY_URL: String(gateway['internalUrl']), ...input.executorEnv };
    apps.push(spawnApp({ root: input.root, name: 'executor', env: executorEnv, ready: 'executor pulling' }));
    const [, gql] = await Promise.all(apps.map((a) => a.started));
    return { nc, store: await createJetStreamEventStore({ nc, ...layout }), layout, graphqlUrl: `${String(gql?.['url'])}/graphql`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

export type Tenant = { orgId: string; slug: string; apiKey: string };

/** An organization with an OWNER key (and more keys of the given roles), made through the admin role. */
export const createTenant = async (adminUrl: string, input: { agentsRepository: string }): Promise<Tenant> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const slug = `org-${randomBytes(4).toString('hex')}`;
    const org = await ensureOrganization(client, { slug, name: slug, agentsRepository: input.agentsRepository });
    return { orgId: org.id, slug, apiKey: (await issueApiKey(client, { orgId: org.id, name: 'test' })).key };
  } finally {
    await client.end();
  }
};

/** Polls `probe` until it returns something other than undefined. */
export const eventually = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

export const stepEvents = async (store: JetStreamEventStore, a: StepAddress): Promise<ShamanEvent[]> => {
  const out: ShamanEvent[] = [];
  for await (const c of store.readFilter(stepEventStream(a))) out.push(...c.commit.events.map((e) => ShamanEvent.parse(e)));
  return out;
};

export const stepEventsUntilEnd = (store: JetStreamEventStore, a: StepAddress): Promise<ShamanEvent[]> =>
  eventually(async () => {
    const events = await stepEvents(store, a);
    return events.some(isTerminalStepEvent) ? events : undefined;
  }, `step ${a.stepId}`);

/** Records a root step of a new run (as the gateway would) and waits for its end. */
export const recordRun = async (store: JetStreamEventStore, input: { orgId: string; agent: string; repository: string; text: string }): Promise<StepAddress> => {
  const address = { orgId: input.orgId, runId: randomUUID(), stepId: randomUUID() } as StepAddress;
  const request: RunRequested = {
    type: 'RunRequested',
    data: {
      agent: { name: input.agent, repository: input.repository, commit: null },
      message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: input.text }] },
      parentStepId: null,
      depth: 0,
      initiator: { kind: 'system', id: 'test' },
    },
    metadata: { ...address, eventId: randomUUID(), at: new Date().toISOString() } as RunRequested['metadata'],
  };
  await store.appendToStream(stepRequestStream(address), [request]);
  await stepEventsUntilEnd(store, address);
  return address;
};
