import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_MODEL_TABLES } from '../replay/scratch-schema.js';
import { runCli } from './replay.fixture.js';
import { createReplayTenant, sendMessage, startExampleMcpServer, startReplayStack, type ReplayStack, type ReplayTenant, type SentTask } from './replay.stack.fixture.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

// Besides the examples (Coordinator → Librarian and Editor): two async calls collected with wait_for_agent.
const FAN_OUT = {
  'Fan.md': '---\nname: Fan\nmodel: scripted\nallowedAgents: [Writer]\n---\nYou fan out.\n',
  'Fan.script.yaml': [
    'turns:',
    '  - toolCalls: [{ name: call_agent, arguments: { agent: Writer, message: "one", async: true } }, { name: call_agent, arguments: { agent: Writer, message: "two", async: true } }]',
    '  - toolCalls: [{ name: wait_for_agent, arguments: { taskId: "{{toolResult.0.taskId}}" } }, { name: wait_for_agent, arguments: { taskId: "{{toolResult.1.taskId}}" } }]',
    '  - reply: "fan: {{toolResult.2.text}} + {{toolResult.3.text}}"',
    '',
  ].join('\n'),
  'Writer.md': '---\nname: Writer\nmodel: scripted\n---\nYou write.\n',
  'Writer.script.yaml': 'turns:\n  - reply: "Wrote {{input}}"\n',
};

type JsonLine = { seq: number; event: { type: string; data: { agent?: { name: string } }; metadata: { stepId: string } } };

/** Every read-model row, ordered by key: what "the same rows" means for a rebuild. */
const snapshot = async (client: pg.Client): Promise<Record<string, unknown[]>> => {
  const out: Record<string, unknown[]> = {};
  for (const t of READ_MODEL_TABLES) out[t.name] = (await client.query(`SELECT to_jsonb(t) AS r FROM public.${t.name} t ORDER BY ${t.key.join(', ')}`)).rows.map((r: { r: unknown }) => r.r);
  return out;
};

const eventually = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/**
 * `shaman replay` on runs where agents call agents, recorded by the real apps (gateway with its internal role,
 * executor with MCP servers over stdio and HTTP, projector): the tree, `--verify`, `--reexecute` (every model and
 * tool call, `call_agent` included, answered from the recording), and `--verify` after the projector was killed
 * in the middle of a batch.
 */
describe('shaman replay on agent-to-agent runs (CLI process against the real apps)', () => {
  let db: TestDatabase;
  let mcp: { url: string; close(): Promise<void> };
  let stack: ReplayStack;
  let tenant: ReplayTenant;
  let admin: pg.Client;
  let repo: string;
  let env: Record<string, string | undefined>;
  let coordinator: SentTask;
  let fan: SentTask;
  const cli = (...args: string[]) => runCli(ROOT, args, env);
  const send = (agent: string, text: string, contextId?: string) => sendMessage({ gatewayUrl: stack.gatewayUrl, apiKey: tenant.apiKey, agent, text, ...(contextId ? { contextId } : {}) });
  const lastSeq = async () => (await stack.store.jsm.streams.info(stack.layout.stream)).state.last_seq;
  const checkpoint = async () => Number((await admin.query<{ position: string }>("SELECT position FROM projection_checkpoints WHERE name = 'read-models'")).rows[0]?.position ?? 0);
  const projected = async () => {
    const last = await lastSeq();
    await eventually(async () => ((await checkpoint()) >= last ? true : undefined), `the projector to reach ${last}`);
  };
  const stepsOf = async (runId: string): Promise<JsonLine[]> => {
    const { stdout } = await cli('replay', runId, '--org', tenant.slug, '--json');
    return stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonLine).filter((l) => l.event.type === 'RunRequested');
  };

  beforeAll(async () => {
    [db, mcp] = await Promise.all([createTestDatabase(), startExampleMcpServer(ROOT)]);
    repo = await mkdtemp(join(tmpdir(), 'shaman-replay-e2e-'));
    await cp(join(ROOT, 'examples', 'agents'), repo, { recursive: true });
    const editor = join(repo, 'Editor.md');
    await writeFile(editor, (await readFile(editor, 'utf8')).replace('http://127.0.0.1:8765/mcp', mcp.url));
    await Promise.all(Object.entries(FAN_OUT).map(([file, text]) => writeFile(join(repo, file), text)));
    tenant = await createReplayTenant(db.adminUrl, { agentsRepository: repo });
    admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    stack = await startReplayStack({ adminUrl: db.adminUrl, executorEnv: { MCP_STDIO_COMMANDS: 'node', MCP_ALLOW_PRIVATE_URLS: 'true' } });
    env = { ...process.env, DATABASE_ADMIN_URL: db.adminUrl, NATS_URL, NATS_STREAM: stack.layout.stream, NATS_SUBJECT_PREFIX: stack.layout.subjectPrefix, NO_COLOR: '1', SHAMAN_API_KEY: undefined };
    [coordinator, fan] = await Promise.all([send('Coordinator', 'jetstream'), send('Fan', 'go')]);
    expect(coordinator.status.state).toBe('completed');
    expect(coordinator.artifacts?.[0]?.parts[0]?.text).toMatch(/^Brief on jetstream: .*Draft ready, size .*words/);
    expect(fan.artifacts?.[0]?.parts[0]?.text).toBe('fan: Wrote one + Wrote two');
    await projected();
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await mcp?.close();
    await admin?.end();
    await db?.cleanup();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('prints the timeline and the tree: the called agents under their caller, with their tools and the calls between them', async () => {
    const { code, stdout, stderr } = await cli('replay', coordinator.contextId, '--org', tenant.slug);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const fact of ['ToolsOffered', 'AgentCalled', 'ChildStepEnded', 'kb.lookup', 'text.word_count', 'RunDataWritten', 'research/notes']) expect(stdout).toContain(fact);
    expect(stdout).toMatch(/ToolsOffered\s+2 tools: call_agent, wait_for_agent/);
    const tree = stdout.slice(stdout.indexOf(`run ${coordinator.contextId}`));
    expect(tree).toMatch(/^run \S+ \[completed\] 3 steps/);
    expect(tree).toMatch(/\n└─ Coordinator \S+ \[completed\] scripted .* 2 tool calls\n {3}├─ Librarian \S+ \[completed\] .*\n {3}└─ Editor \S+ \[completed\]/);
  });

  it('--verify: the read models of both agent-to-agent runs equal a rebuild from their events', async () => {
    for (const run of [coordinator.contextId, fan.contextId]) {
      const { code, stdout, stderr } = await cli('replay', run, '--org', tenant.slug, '--verify');
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^identical: \d+ rows in runs, steps/m);
      expect(code).toBe(0);
    }
  });

  it('--reexecute: identical for MCP tools (stdio and HTTP), run data and blocking calls, and for async calls with wait_for_agent; the live stream is not touched', async () => {
    const before = await lastSeq();
    const team = await cli('replay', coordinator.contextId, '--org', tenant.slug, '--reexecute');
    expect(team.stderr).toBe('');
    expect(team.stdout).toMatch(/^identical: 3 steps re-executed, 9 model calls answered from the recording/m);
    expect(team.code).toBe(0);
    const fanned = await cli('replay', fan.contextId, '--org', tenant.slug, '--reexecute', '--json');
    expect(JSON.parse(fanned.stdout)).toMatchObject({ identical: true, steps: 3, modelCalls: 5, divergence: null });
    expect(fanned.code).toBe(0);
    // No child was requested again through the gateway, no tool result recorded anywhere but the scratch stream.
    expect(await lastSeq()).toBe(before);
  });

  it('--reexecute finds a changed called agent: its caller and the agent before it are identical, the divergence is at its first model call', async () => {
    const editorStep = (await stepsOf(coordinator.contextId)).find((l) => l.event.data.agent?.name === 'Editor')!.event.metadata.stepId;
    const file = join(repo, 'Editor.md');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('You are Editor.', 'You are a changed Editor.'));
    try {
      const { code, stdout } = await cli('replay', coordinator.contextId, '--org', tenant.slug, '--reexecute', '--json');
      expect(code).toBe(1);
      // Decisions 0 and 1 are the claim and the tools it was offered (as recorded); then the model call.
      expect(JSON.parse(stdout)).toMatchObject({ identical: false, steps: 3, divergence: { stepId: editorStep, agent: 'Editor', position: 2, what: 'model call #0: the request differs', expected: { type: 'LlmResponded', iteration: 0 } } });
      const text = await cli('replay', coordinator.contextId, '--org', tenant.slug, '--reexecute');
      expect(text.stdout).toContain('You are a changed Editor.');
    } finally {
      await writeFile(file, original);
    }
  });

  it('--verify reports no difference after the projector was SIGKILLed in the middle of a batch under load', async () => {
    await projected();
    // Hold the Coordinator run's row: the projector's next batch that touches the run writes its other rows,
    // then waits for this one inside its transaction, where it is killed. The runs' upsert travels in the
    // batch's last round trip, with the checkpoint's advance and COMMIT (the projector pipelines it), so the
    // killed projector's backend has all of it: once the row is free it either finishes the batch or, when it
    // notices the client gone first, aborts it. Either way, whole or nothing.
    const locker = new pg.Client({ connectionString: db.adminUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [coordinator.contextId]);
    const load = Promise.all([send('Writer', 'again', coordinator.contextId), ...Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? send('Fan', `load ${i}`) : send('Coordinator', `topic ${i}`)))]);
    const projector = stack.projector();
    await eventually(async () => {
      const waiting = await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'shaman-projector' AND state = 'active' AND wait_event_type = 'Lock'");
      return (waiting.rowCount ?? 0) > 0 ? true : undefined;
    }, 'the projector to wait on the held row inside a batch');
    const exited = new Promise((resolve) => projector.process.once('exit', resolve));
    projector.process.kill('SIGKILL');
    await exited;
    const stepsOfRun = async () => Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM steps WHERE run_id = $1', [coordinator.contextId])).rows[0]?.n);
    // Read without waiting: the killed batch's backend still holds the checkpoint row, uncommitted, and none of
    // the batch is visible (the run's new root step has no row yet).
    const atKill = await checkpoint();
    expect(await stepsOfRun()).toBe(3);
    await locker.query('ROLLBACK');
    await locker.end();
    const tasks = await load;
    expect(tasks.map((t) => t.status.state)).toEqual(tasks.map(() => 'completed'));
    expect(atKill).toBeLessThan(await lastSeq());
    // Once the killed projector's backend is gone, its batch is in or out as a whole: the run's new root step
    // has a row exactly when the checkpoint moved past the kill.
    await eventually(async () => {
      const left = await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'shaman-projector'");
      return left.rowCount === 0 ? true : undefined;
    }, 'the killed projector backend to end');
    const committed = (await checkpoint()) > atKill;
    expect(await stepsOfRun()).toBe(committed ? 4 : 3);

    await stack.restartProjector();
    await projected();
    expect(Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM steps WHERE run_id = $1', [coordinator.contextId])).rows[0]?.n)).toBe(4);
    const runs = [...new Set([coordinator.contextId, fan.contextId, ...tasks.map((t) => t.contextId)])];
    for (const run of runs) {
      const { code, stdout, stderr } = await cli('replay', run, '--org', tenant.slug, '--verify');
      expect(`${stderr}${stdout}`).toMatch(/^identical: /m);
      expect(code).toBe(0);
    }
    // And the whole projection: a rebuild from the stream gives exactly the rows the restarted projector has.
    const live = await snapshot(admin);
    const rebuilt = await cli('projections', 'rebuild', '--json');
    expect(rebuilt.code).toBe(0);
    expect(await snapshot(admin)).toEqual(live);
  }, 240_000);
});
