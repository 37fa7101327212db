import { issueApiKey } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestRedis, createTestTenant, spawnApp, TEST_REDIS_URL, type AppProcess, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The agents the interop suites talk to, all on the offline scripted model: `Echo` answers at once, `Weather`
 * asks the caller a question first (request_user_input), `Paced` answers after a second (time to subscribe),
 * `Slow` after 20 s (time to cancel it).
 */
const AGENTS: Record<string, string> = {
  'Echo.md': '---\nname: Echo\nmodel: scripted\ndescription: Echoes what it is told\n---\nEcho.\n',
  'Weather.md': '---\nname: Weather\nmodel: scripted\ndescription: Asks for a city\ntools: [request_user_input]\n---\nAsk which city.\n',
  'Weather.script.yaml': 'turns:\n  - toolCalls: [{ name: request_user_input, arguments: { prompt: "Which city?" } }]\n  - reply: "Weather for {{lastToolResult}}"\n',
  'Slow.md': '---\nname: Slow\nmodel: scripted\ndescription: Takes its time\n---\nBe slow.\n',
  'Paced.md': '---\nname: Paced\nmodel: scripted\ndescription: Answers after a second\n---\nPace yourself.\n',
  'Paced.script.yaml': 'turns:\n  - reply: "Paced: {{input}}"\n    delayMs: 1000\n',
  'Slow.script.yaml': 'turns:\n  - reply: "finally"\n    delayMs: 20000\n',
};

export type InteropStack = {
  gatewayUrl: string;
  tenant: TestTenant;
  /** `fetch` that presents the tenant's API key, as an SDK's `fetchImpl`: how a real client authenticates. */
  authedFetch: typeof fetch;
  /** Another key of the same organization, limited to `scopes` (e.g. `/agents/Echo:execute`). */
  issueKey(scopes: string[]): Promise<string>;
  close(): Promise<(number | null)[]>;
};

/**
 * Projector, executor and gateway as separate processes (their production `main.ts`, so the gateway is wired
 * exactly as deployed, whatever its features need) on a private database and stream, plus one tenant.
 */
export const startInteropStack = async (name: string): Promise<InteropStack> => {
  let db: TestDatabase | undefined;
  let nats: TestNats | undefined;
  const apps: AppProcess[] = [];
  // Its own BullMQ/rate-limit key prefix (deleted on close), never the developer's.
  const redis = createTestRedis();
  const repo = await mkdtemp(join(tmpdir(), `shaman-interop-${name}-`));
  const close = async () => {
    const codes = await Promise.all(apps.map((a) => a.stop()));
    await redis.cleanup();
    await nats?.cleanup();
    await db?.cleanup();
    await rm(repo, { recursive: true, force: true });
    return codes;
  };
  try {
    await Promise.all(Object.entries(AGENTS).map(([file, text]) => writeFile(join(repo, file), text)));
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    const tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    const bus = { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix };
    apps.push(
      spawnApp('projector', { ...bus, DATABASE_URL: db.projectorUrl }),
      spawnApp('executor', { ...bus, EXECUTOR_ID: `interop-${name}` }),
      spawnApp('a2a-gateway', { ...bus, DATABASE_URL: db.appUrl, GATEWAY_PORT: '0', REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix, GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS: 'true' }),
    );
    const [, , gateway] = await Promise.all([
      apps[0]!.waitForLog((l) => l.msg === 'projector started'),
      apps[1]!.waitForLog((l) => l.msg === 'executor pulling'),
      apps[2]!.waitForLog((l) => l.msg === 'a2a gateway listening'),
    ]);
    const authedFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-api-key', tenant.apiKey);
      return fetch(input, { ...init, headers });
    };
    const adminUrl = db.adminUrl;
    const issueKey = async (scopes: string[]) => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        return (await issueApiKey(client, { orgId: tenant.orgId, name: 'interop-scoped', scopes })).key;
      } finally {
        await client.end();
      }
    };
    return { gatewayUrl: String(gateway['url']), tenant, authedFetch, issueKey, close };
  } catch (error) {
    await close();
    throw error;
  }
};
