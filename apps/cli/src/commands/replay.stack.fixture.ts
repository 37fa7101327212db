import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ensureJetStream } from '@shaman/nats-infra';
import { ensureOrganization, generateInternalKeyPair, issueApiKey, withUser } from '@shaman/platform';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import pg from 'pg';

// The CLI may not depend on the shared test fixtures (lint boundaries): the replay e2e specs start the real apps
// as processes here, as libs/testing's startStack does: projector, the gateway with its internal role (where
// agents' calls to agents go, with platform JWTs) and an executor that signs them.

type Line = Record<string, unknown>;
export type App = { name: string; child: ChildProcess; output: () => string; waitForLog(match: (l: Line) => boolean, timeoutMs?: number): Promise<Line> };

const parse = (text: string): Line | null => {
  try {
    return JSON.parse(text) as Line;
  } catch {
    return null;
  }
};

export const spawnApp = (input: { root: string; name: string; env: Record<string, string | undefined> }): App => {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${input.name}/src/main.ts`], { cwd: input.root, env: { ...input.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let raw = '';
  const lines: Line[] = [];
  const waiters = new Set<(l: Line) => void>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    raw += `${text}\n`;
    const line = parse(text);
    if (line === null) return;
    lines.push(line);
    for (const w of waiters) w(line);
  });
  child.stderr!.on('data', (d: Buffer) => (raw += d.toString()));
  const waitForLog = (match: (l: Line) => boolean, timeoutMs = 60_000): Promise<Line> =>
    new Promise((resolve, reject) => {
      const seen = lines.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => (waiters.delete(check), reject(new Error(`${input.name}: no matching log line in ${timeoutMs} ms:\n${raw.slice(-4000)}`))), timeoutMs);
      const check = (l: Line) => {
        if (!match(l)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(l);
      };
      waiters.add(check);
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${input.name} exited (${code}):\n${raw.slice(-4000)}`))));
    });
  return { name: input.name, child, output: () => raw, waitForLog };
};

export const stopApp = async (app: App, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  const exited = new Promise((resolve) => app.child.once('exit', resolve));
  app.child.kill(signal);
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

export type ReplayStack = {
  nc: NatsConnection;
  store: JetStreamEventStore;
  layout: { stream: string; subjectPrefix: string };
  gatewayUrl: string;
  projector(): App;
  /** A new projector process in place of the current one (which must have exited), once it has started. */
  restartProjector(): Promise<App>;
  stop(): Promise<void>;
};

/** Projector, gateway (public and internal role) and executor as their own processes on a private stream, deleted on stop. */
export const startReplayStack = async (input: {
  root: string;
  env: Record<string, string | undefined>;
  natsUrl: string;
  redisUrl: string;
  adminUrl: string;
  executorEnv?: Record<string, string>;
  projectorEnv?: Record<string, string>;
}): Promise<ReplayStack> => {
  const id = randomBytes(5).toString('hex');
  const layout = { stream: `TEST_REPLAY_E2E_${id.toUpperCase()}`, subjectPrefix: `replaye2e${id}` };
  const bullPrefix = `bull-test-${id}`;
  const keys = await generateInternalKeyPair();
  const nc = await connect({ servers: input.natsUrl });
  const jsm = await jetstreamManager(nc);
  await ensureJetStream(jsm, layout, { ackWaitMs: 30_000, maxDeliver: 5, maxAckPending: 1000 });
  const bus = { ...input.env, NATS_URL: input.natsUrl, NATS_STREAM: layout.stream, NATS_SUBJECT_PREFIX: layout.subjectPrefix };
  const projectorEnv = { ...bus, DATABASE_URL: withUser(input.adminUrl, 'shaman_projector'), ...input.projectorEnv };
  const apps: App[] = [];
  const start = (name: string, env: Record<string, string | undefined>): App => {
    const app = spawnApp({ root: input.root, name, env });
    apps.push(app);
    return app;
  };
  let projector = start('projector', projectorEnv);
  const stop = async (): Promise<void> => {
    await Promise.all(apps.map((a) => stopApp(a)));
    await deleteRedisPrefix(input.redisUrl, bullPrefix);
    await jsm.streams.delete(layout.stream).catch(() => undefined);
    await nc.drain();
  };
  try {
    const gateway = start('a2a-gateway', {
      ...bus,
      DATABASE_URL: withUser(input.adminUrl, 'shaman_app'),
      GATEWAY_PORT: '0',
      GATEWAY_INTERNAL_PORT: '0',
      SHAMAN_INTERNAL_JWKS: JSON.stringify(keys.publicJwks),
      REDIS_URL: input.redisUrl,
      BULLMQ_PREFIX: bullPrefix,
    });
    const listening = await gateway.waitForLog((l) => l['msg'] === 'a2a gateway listening');
    const executor = start('executor', { ...bus, SHAMAN_INTERNAL_JWT_PRIVATE_KEY: JSON.stringify(keys.privateJwk), EXECUTOR_INTERNAL_GATEWAY_URL: String(listening['internalUrl']), ...input.executorEnv });
    await Promise.all([projector.waitForLog((l) => l['msg'] === 'projector started'), executor.waitForLog((l) => l['msg'] === 'executor pulling')]);
    return {
      nc,
      store: await createJetStreamEventStore({ nc, ...layout }),
      layout,
      gatewayUrl: String(listening['url']),
      projector: () => projector,
      restartProjector: async () => {
        projector = start('projector', projectorEnv);
        await projector.waitForLog((l) => l['msg'] === 'projector started');
        return projector;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

export type ReplayTenant = { orgId: string; slug: string; apiKey: string };

export const createReplayTenant = async (adminUrl: string, input: { agentsRepository: string }): Promise<ReplayTenant> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const slug = `replay-${randomBytes(4).toString('hex')}`;
    const org = await ensureOrganization(client, { slug, name: slug, agentsRepository: input.agentsRepository });
    return { orgId: org.id, slug, apiKey: (await issueApiKey(client, { orgId: org.id, name: 'replay-e2e' })).key };
  } finally {
    await client.end();
  }
};

export type SentTask = { id: string; contextId: string; status: { state: string }; artifacts?: { parts: { text?: string }[] }[] };

/** A blocking A2A `message/send` to an agent through the public gateway; resolves with the task. */
export const sendMessage = async (input: { gatewayUrl: string; apiKey: string; agent: string; text: string; contextId?: string }): Promise<SentTask> => {
  const message = { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: input.text }], ...(input.contextId ? { contextId: input.contextId } : {}) };
  const res = await fetch(`${input.gatewayUrl}/a2a/v1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': input.apiKey },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message, metadata: { agent: input.agent } } }),
  });
  const body = (await res.json()) as { result?: SentTask; error?: unknown };
  if (!body.result) throw new Error(`message/send to ${input.agent} failed: ${JSON.stringify(body.error)}`);
  return body.result;
};

/** The example MCP server over Streamable HTTP as its own process on a free port. */
export const startExampleMcpServer = (root: string): Promise<{ url: string; close(): Promise<void> }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/mcp/knowledge-server.ts', '--http', '--port', '0'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => reject(new Error('example MCP server did not start')), 30_000);
    child.stderr.on('data', (d: Buffer) => {
      const url = /at (http:\/\/\S+)/.exec(d.toString())?.[1];
      if (!url) return;
      clearTimeout(timer);
      const exited = new Promise((r) => child.once('exit', r));
      resolve({ url, close: async () => void (child.kill('SIGTERM'), await exited) });
    });
    child.once('exit', (code) => reject(new Error(`example MCP server exited with ${code}`)));
  });
