import type { NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { withUser } from '@shaman/platform';
import { createTestNats, createTestTenant, startStack, type AppProcess, type TestTenant } from '@shaman/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';

// The CLI's e2e specs (replay, fork, diff, retention) run libs/testing's stack (the gateway's internal role takes
// the agents' calls to agents, with platform JWTs) on a private stream, and read the log through the store here.

export type ReplayStack = {
  nc: NatsConnection;
  store: JetStreamEventStore;
  layout: { stream: string; subjectPrefix: string };
  gatewayUrl: string;
  graphqlUrl: string;
  projector(): AppProcess;
  /** A new projector process in place of the current one (which must have exited), once it has started. */
  restartProjector(): Promise<AppProcess>;
  stop(): Promise<void>;
};

/** Projector, gateway (public and internal role), executor and gql-api on a private stream, deleted on stop. */
export const startReplayStack = async (input: { adminUrl: string; executorEnv?: Record<string, string>; projectorEnv?: Record<string, string> }): Promise<ReplayStack> => {
  const nats = await createTestNats();
  const db = { appUrl: withUser(input.adminUrl, 'shaman_app'), projectorUrl: withUser(input.adminUrl, 'shaman_projector') };
  const stack = await startStack({ db, nats, ...(input.executorEnv ? { executorEnv: input.executorEnv } : {}), ...(input.projectorEnv ? { projectorEnv: input.projectorEnv } : {}) }).catch(async (error: unknown) => {
    await nats.cleanup();
    throw error;
  });
  return {
    nc: nats.nc,
    store: await createJetStreamEventStore({ nc: nats.nc, ...nats.layout }),
    layout: nats.layout,
    gatewayUrl: stack.gatewayUrl,
    graphqlUrl: stack.graphqlUrl,
    projector: stack.projector,
    restartProjector: stack.restartProjector,
    stop: async () => {
      await stack.stop();
      await nats.cleanup();
    },
  };
};

export type ReplayTenant = TestTenant;
export const createReplayTenant = (adminUrl: string, input: { agentsRepository: string }): Promise<ReplayTenant> => createTestTenant(adminUrl, input);

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
