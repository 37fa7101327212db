import { newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, eventually, startStack, type TestStack, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'agents');

/** The example MCP server over HTTP, as its own process on a free port; resolves with its URL. */
const startExampleMcpServer = (): Promise<{ url: string; close(): Promise<void> }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/mcp/knowledge-server.ts', '--http', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => reject(new Error('example MCP server did not start')), 20_000);
    child.stderr.on('data', (d: Buffer) => {
      const url = /at (http:\/\/\S+)/.exec(d.toString())?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, close: async () => void child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`example MCP server exited with ${code}`)));
  });

/**
 * The example repository end to end, as documented in the README: Coordinator calls Librarian (MCP over stdio,
 * writes run data) and Editor (reads run data, MCP over Streamable HTTP), all through real processes.
 */
describe('the example agents, through A2A, the executor, MCP servers and the read models', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let tenant: TestTenant;
  let repo: string;
  let mcp: { url: string; close(): Promise<void> };
  let stack: TestStack;
  let gateway = '';
  let graphql = '';

  beforeAll(async () => {
    [db, nats, mcp] = await Promise.all([createTestDatabase(), createTestNats(), startExampleMcpServer()]);
    // A copy of the examples whose HTTP MCP server is the one this suite started on a free port.
    repo = await mkdtemp(join(tmpdir(), 'shaman-examples-'));
    await cp(EXAMPLES, repo, { recursive: true });
    const editor = join(repo, 'Editor.md');
    await writeFile(editor, (await readFile(editor, 'utf8')).replace('http://127.0.0.1:8765/mcp', mcp.url));
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    stack = await startStack({ db, nats, executorEnv: { MCP_STDIO_COMMANDS: 'node', MCP_ALLOW_PRIVATE_URLS: 'true' } });
    gateway = stack.gatewayUrl;
    graphql = stack.graphqlUrl;
  });

  afterAll(async () => {
    await stack?.stop();
    await mcp?.close();
    await nats?.cleanup();
    await db?.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  it('answers the Coordinator with the team result, and records the whole DAG, run data and usage', async () => {
    const res = await fetch(`${gateway}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'jetstream' }] }, metadata: { agent: 'Coordinator' } } }),
    });
    const { result } = (await res.json()) as { result: { contextId: string; status: { state: string }; artifacts: { parts: { text: string }[] }[] } };
    expect(result.status.state).toBe('completed');
    expect(result.artifacts[0]?.parts[0]?.text).toMatch(/^Brief on jetstream: .*Draft ready, size .*words/);

    const query = 'query($id: ID!) { run(id: $id) { status stepCount steps { agent parentStepId depth status } edges { from to } } }';
    const run = await eventually(async () => {
      const r = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, body: JSON.stringify({ query, variables: { id: result.contextId } }) });
      const body = (await r.json()) as { data?: { run: { status: string; stepCount: number; steps: { agent: string; depth: number; status: string }[]; edges: unknown[] } | null } };
      return body.data?.run?.status === 'COMPLETED' && body.data.run.stepCount === 3 ? body.data.run : undefined;
    }, { what: 'the run DAG to be projected', timeoutMs: 30_000 });
    expect(run.steps.map((s) => `${s.agent}@${s.depth}:${s.status}`).sort()).toEqual(['Coordinator@0:COMPLETED', 'Editor@1:COMPLETED', 'Librarian@1:COMPLETED']);
    expect(run.edges).toHaveLength(2);

    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      const data = await eventually(async () => {
        const rows = (await admin.query('SELECT key, agent, tags FROM run_data_latest WHERE run_id = $1', [result.contextId])).rows;
        return rows.length > 0 ? rows : undefined;
      });
      expect(data).toEqual([{ key: 'research/notes', agent: 'Librarian', tags: ['research'] }]);
      const usage = (await admin.query('SELECT agent, calls FROM usage_by_step WHERE run_id = $1 ORDER BY agent', [result.contextId])).rows;
      expect(usage).toEqual([{ agent: 'Coordinator', calls: 3 }, { agent: 'Editor', calls: 3 }, { agent: 'Librarian', calls: 3 }]);
    } finally {
      await admin.end();
    }
  });
});
