import { loadExecutorConfig, startExecutor } from '@shaman/executor';
import { startGateway, loadGatewayConfig } from '@shaman/a2a-gateway';
import { loadConfig as loadGqlConfig, startGqlApi } from '@shaman/gql-api';
import { loadConfig as loadProjectorConfig, startProjector } from '@shaman/projector';
import { generateInternalKeyPair, generateSecretKey, withUser } from '@shaman/platform';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replyText, sendMessage } from '../a2a-client.js';
import { REPO_ROOT, processEnv, type CliConfig } from '../config.js';
import { devSecretKey, writeDevState, writePrivateFile } from '../dev-state.js';
import type { Output } from '../output.js';
import { preflight } from '../preflight.js';
import { seedDemoTenant } from '../seed.js';
import { migrateCommand } from './migrate.command.js';

type Stoppable = { stop(): Promise<void> };

/**
 * `shaman dev`: checks the three services, migrates, seeds the demo organization, then runs all four apps
 * in this one process, sends the demo agent one message over real A2A, and prints how to call it.
 */
export const devCommand = async (config: CliConfig, out: Output, options: { once: boolean }): Promise<number> => {
  const checks = await preflight(config);
  for (const c of checks) out.line(`${c.ok ? out.green('✓') : out.red('✗')} ${c.service.padEnd(15)} ${c.detail}`);
  const down = checks.filter((c) => !c.ok);
  if (down.length > 0) {
    for (const c of down) out.error(`\n${c.service} is not reachable (${c.detail}). Start it with:\n  ${c.howToStart}`);
    return 1;
  }
  await migrateCommand(config, out);
  const tenant = await seedDemoTenant(config.DATABASE_ADMIN_URL, config.SHAMAN_DEV_DIR);
  const mcp = startExampleMcpServer(out);
  const running = await startApps(config);
  running.apps.unshift(mcp);
  const stopAll = async () => {
    for (const app of running.apps.reverse()) await app.stop().catch(() => undefined);
  };
  try {
    await writeDevState(config.SHAMAN_DEV_DIR, { orgId: tenant.orgId, apiKey: tenant.apiKey, apiKeyId: tenant.apiKeyId, gatewayUrl: running.gatewayUrl, graphqlUrl: running.graphqlUrl });
    const task = await sendMessage({ gatewayUrl: running.gatewayUrl, apiKey: tenant.apiKey, agent: 'Assistant', text: 'Hello from shaman dev!' });
    const team = await sendMessage({ gatewayUrl: running.gatewayUrl, apiKey: tenant.apiKey, agent: 'Coordinator', text: 'jetstream' }).catch((e: Error) => e);
    printBanner(out, {
      ...running,
      apiKey: tenant.apiKey,
      demo: { state: task.status.state, reply: replyText(task), runId: task.contextId },
      team: team instanceof Error ? { state: 'failed', reply: team.message, runId: '' } : { state: team.status.state, reply: replyText(team), runId: team.contextId },
    });
    if (options.once) return task.status.state === 'completed' ? 0 : 1;
    await new Promise<void>((resolve) => ['SIGINT', 'SIGTERM', 'SIGHUP'].forEach((s) => process.once(s, () => resolve())));
    out.line('\nstopping…');
    return 0;
  } finally {
    await stopAll();
  }
};

/**
 * The example MCP server the demo agents use over HTTP (examples/agents/Editor.md), as its own process like any
 * real MCP server. A busy port is reported, not fatal: only that agent's tool is then unavailable.
 */
const startExampleMcpServer = (out: Output): Stoppable => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/mcp/knowledge-server.ts', '--http', '--port', '8765'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => {
    if (/EADDRINUSE/.test(d.toString())) out.error('example MCP server: port 8765 is in use; the Editor agent will fail its text tool');
  });
  return { stop: async () => void child.kill('SIGTERM') };
};

const startApps = async (config: CliConfig): Promise<{ apps: Stoppable[]; gatewayUrl: string; graphqlUrl: string }> => {
  const env = processEnv();
  // The demo is a single-tenant local stack: let its agents start `node` MCP servers and reach loopback ones.
  // Redis turns on the executor's model response cache (per organization or agent) and step/run deadlines.
  const executorEnv = {
    MCP_STDIO_COMMANDS: env['MCP_STDIO_COMMANDS'] ?? 'node',
    MCP_ALLOW_PRIVATE_URLS: env['MCP_ALLOW_PRIVATE_URLS'] ?? 'true',
    REDIS_URL: config.REDIS_URL,
    BULLMQ_PREFIX: config.BULLMQ_PREFIX,
  };
  const secretKey = config.SHAMAN_SECRET_KEY ?? (await devSecretKey(config.SHAMAN_DEV_DIR, generateSecretKey));
  const common = { NATS_URL: config.NATS_URL, NATS_STREAM: config.NATS_STREAM, NATS_SUBJECT_PREFIX: config.NATS_SUBJECT_PREFIX, LOG_LEVEL: config.LOG_LEVEL, SHAMAN_SECRET_KEY: secretKey };
  const appDb = withUser(config.DATABASE_ADMIN_URL, 'shaman_app');
  const apps: Stoppable[] = [];
  try {
    apps.push(await startProjector(loadProjectorConfig({ ...env, ...common, DATABASE_URL: withUser(config.DATABASE_ADMIN_URL, 'shaman_projector') })));
    // The gateway also runs push-notification delivery (BullMQ); local receivers are allowed, as for MCP above.
    const pushEnv = { REDIS_URL: config.REDIS_URL, BULLMQ_PREFIX: config.BULLMQ_PREFIX, GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS: env['GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS'] ?? 'true' };
    // Agents call agents through the gateway's internal role with tokens the executor signs (docs/a2a.md, "Internal role").
    const internal = await devInternalKeys(env, config.SHAMAN_DEV_DIR);
    const gateway = await startGateway(loadGatewayConfig({ ...env, ...common, ...pushEnv, ...internal.gateway, DATABASE_URL: appDb, GATEWAY_PORT: String(config.GATEWAY_PORT), GATEWAY_INTERNAL_PORT: env['GATEWAY_INTERNAL_PORT'] || '8082' }));
    apps.push(gateway);
    // After the gateway: the executor needs the internal role's URL for its agent calls.
    apps.push(await startExecutor(loadExecutorConfig({ ...env, ...common, ...executorEnv, ...internal.executor, DATABASE_URL: appDb, EXECUTOR_INTERNAL_GATEWAY_URL: env['EXECUTOR_INTERNAL_GATEWAY_URL'] || (gateway.internalUrl ?? '') })));
    // A local stack: its developer may point repositories at local paths through GraphQL too.
    const gql = await startGqlApi(loadGqlConfig({ REPO_ALLOW_LOCAL_URLS: 'true', ...env, ...common, DATABASE_URL: appDb, GQL_PORT: String(config.GQL_PORT) }));
    apps.push(gql);
    return { apps, gatewayUrl: gateway.url, graphqlUrl: `${gql.url}/graphql` };
  } catch (error) {
    for (const app of apps.reverse()) await app.stop().catch(() => undefined);
    throw error;
  }
};

/**
 * The key pair of the local stack's internal calls: the developer's own keys when the environment names them,
 * else one generated once into `<SHAMAN_DEV_DIR>/internal-jwt.json` (mode 0600), like `secret.key`.
 */
const devInternalKeys = async (env: Record<string, string | undefined>, dir: string): Promise<{ gateway: Record<string, string>; executor: Record<string, string> }> => {
  if (env['SHAMAN_INTERNAL_JWKS'] || env['SHAMAN_INTERNAL_JWT_PRIVATE_KEY'] || env['SHAMAN_INTERNAL_JWT_SECRET']) return { gateway: {}, executor: {} };
  let pair: { privateJwk: object; publicJwks: object };
  try {
    pair = JSON.parse(await readFile(join(dir, 'internal-jwt.json'), 'utf8')) as typeof pair;
  } catch {
    pair = await generateInternalKeyPair();
    await writePrivateFile(dir, 'internal-jwt.json', `${JSON.stringify(pair, null, 2)}\n`);
  }
  return { gateway: { SHAMAN_INTERNAL_JWKS: JSON.stringify(pair.publicJwks) }, executor: { SHAMAN_INTERNAL_JWT_PRIVATE_KEY: JSON.stringify(pair.privateJwk) } };
};

type DemoRun = { state: string; reply: string; runId: string };
const printBanner = (out: Output, s: { gatewayUrl: string; graphqlUrl: string; apiKey: string; demo: DemoRun; team: DemoRun }) => {
  if (out.json) {
    out.data({ gatewayUrl: s.gatewayUrl, graphqlUrl: s.graphqlUrl, apiKey: s.apiKey, demo: s.demo, team: s.team });
    return;
  }
  const state = (d: DemoRun) => (d.state === 'completed' ? out.green(d.state) : out.red(d.state));
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { kind: 'message', messageId: 'hello-1', role: 'user', parts: [{ kind: 'text', text: 'What is event sourcing?' }] }, metadata: { agent: 'Assistant' } } });
  out.line();
  out.line(`${out.bold('Demo run')}  Assistant → ${state(s.demo)}: ${s.demo.reply}`);
  out.line(`${out.bold('Team run')}  Coordinator → Librarian (MCP stdio, run data) + Editor (run data, MCP HTTP) → ${state(s.team)}: ${s.team.reply}`);
  out.line();
  out.line(`${out.bold('A2A gateway')}  ${out.cyan(`${s.gatewayUrl}/a2a/v1`)}   card: ${s.gatewayUrl}/.well-known/agent-card.json`);
  out.line(`${out.bold('GraphQL')}      ${out.cyan(s.graphqlUrl)}`);
  out.line(`${out.bold('Web UI')}       ${out.cyan(s.graphqlUrl.replace(/\/graphql$/, '/ui/'))}   ${out.dim('(sign in with the API key)')}`);
  out.line(`${out.bold('API key')}      ${s.apiKey}   ${out.dim('(saved in .shaman/dev.json)')}`);
  out.line();
  out.line(out.dim('Call the demo agent:'));
  out.line(`curl -s ${s.gatewayUrl}/a2a/v1 -H 'content-type: application/json' -H 'authorization: Bearer ${s.apiKey}' \\\n  -d '${body.replace('hello-1', "'\"$(date +%s%N)\"'")}'`);
  out.line(out.dim('See the run in GraphQL:'));
  out.line(`curl -s ${s.graphqlUrl} -H 'content-type: application/json' -H 'x-api-key: ${s.apiKey}' \\\n  -d '{"query":"{ run(id: \\"${s.demo.runId}\\") { status steps { agent status outputText } } }"}'`);
  out.line(out.dim('Or: npm run shaman -- send Researcher "the A2A protocol"'));
  out.line();
  out.line(out.dim('Ctrl-C stops the stack.'));
};
