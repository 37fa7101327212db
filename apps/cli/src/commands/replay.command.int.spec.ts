import { READ_MODEL_TABLES } from '../replay/scratch-schema.js';
import { ensureOrganization, issueApiKey } from '@shaman/platform';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startRecorder, type Recorder } from './replay.fixture.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

const agentFile = (name: string, extra = '') => `---\nname: ${name}\nmodel: scripted\n${extra}---\nYou are ${name}.\n`;

/** Every read-model row, ordered by key: what "the same rows" means for a rebuild. */
const snapshot = async (client: pg.Client): Promise<Record<string, unknown[]>> => {
  const out: Record<string, unknown[]> = {};
  for (const t of READ_MODEL_TABLES) out[t.name] = (await client.query(`SELECT to_jsonb(t) AS r FROM public.${t.name} t ORDER BY ${t.key.join(', ')}`)).rows.map((r: { r: unknown }) => r.r);
  return out;
};

describe('shaman replay | projections rebuild (CLI process, runs recorded by a real executor)', () => {
  let db: TestDatabase;
  let recorder: Recorder;
  let admin: pg.Client;
  let repo: string;
  let env: Record<string, string | undefined>;
  let orgA: string;
  let orgB: string;
  let keyB: string;
  let toolRun: { runId: string; rootStep: string };
  let inputRun: string;
  let otherRun: string;
  let live: Record<string, unknown[]>;
  const slugA = `replay-a-${Date.now().toString(36)}`;
  const slugB = `replay-b-${Date.now().toString(36)}`;
  const cli = (...args: string[]) => runCli(ROOT, args, env);

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'shaman-replay-agents-'));
    await writeFile(join(repo, 'Looper.md'), agentFile('Looper', 'tools: [lookup]\n'));
    await writeFile(join(repo, 'Looper.script.yaml'), 'turns:\n  - toolCalls: [{ name: lookup, arguments: { q: "x" } }]\n  - reply: "after tool: {{lastToolResult}}"\n');
    await writeFile(join(repo, 'Scripted.md'), agentFile('Scripted'));
    await writeFile(join(repo, 'Scripted.script.yaml'), 'turns:\n  - reply: "Scripted says {{input}}"\n');
    await writeFile(join(repo, 'Weather.md'), agentFile('Weather', 'tools: [request_user_input]\n'));
    await writeFile(join(repo, 'Weather.script.yaml'), 'turns:\n  - toolCalls: [{ name: request_user_input, arguments: { prompt: "Which city?" } }]\n  - reply: "Weather for {{lastToolResult}}"\n');
    await writeFile(join(repo, 'Echo.md'), agentFile('Echo'));
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    orgA = (await ensureOrganization(admin, { slug: slugA, name: slugA, agentsRepository: repo })).id;
    orgB = (await ensureOrganization(admin, { slug: slugB, name: slugB, agentsRepository: repo })).id;
    keyB = (await issueApiKey(admin, { orgId: orgB, name: 'replay' })).key;
    recorder = await startRecorder({ natsUrl: NATS_URL, adminUrl: db.adminUrl, repository: repo });
    env = {
      ...process.env, DATABASE_ADMIN_URL: db.adminUrl, NATS_URL, NATS_STREAM: recorder.layout.stream, NATS_SUBJECT_PREFIX: recorder.layout.subjectPrefix,
      NO_COLOR: '1', SHAMAN_API_KEY: undefined,
    };

    // A run of two steps (a root that calls a failing tool, and a child under it), a run that asks a person
    // and gets an answer, and a run of another organization.
    const root = await recorder.request({ orgId: orgA, agent: 'Looper', text: 'go' });
    await recorder.until(root);
    const child = await recorder.request({ orgId: orgA, agent: 'Scripted', text: 'ping', runId: root.runId, parentStepId: root.stepId });
    await recorder.until(child);
    toolRun = { runId: root.runId, rootStep: root.stepId };
    const asking = await recorder.request({ orgId: orgA, agent: 'Weather', text: 'weather?', runId: await recorder.createRun(orgA) });
    await recorder.until(asking, (e) => e.type === 'StepInputRequired');
    await recorder.answer(asking, 'Paris');
    await recorder.until(asking);
    inputRun = asking.runId;
    const other = await recorder.request({ orgId: orgB, agent: 'Echo', text: 'hello' });
    await recorder.until(other);
    otherRun = other.runId;
    await recorder.projected();
    live = await snapshot(admin);
  }, 60_000);
  afterAll(async () => {
    await recorder?.stop();
    await admin?.end();
    await db?.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  it('prints the timeline and the DAG: agents, tools, models, tokens, errors, the child under its parent', async () => {
    const { code, stdout, stderr } = await cli('replay', toolRun.runId, '--org', slugA);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const fact of ['RunRequested', 'StepStarted', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'ToolResulted', 'StepCompleted', 'scripted', 'lookup', 'in / ', 'tokens', 'cost $0']) {
      expect(stdout).toContain(fact);
    }
    expect(stdout).toMatch(/ToolResulted\s+lookup error/);
    const tree = stdout.slice(stdout.indexOf(`run ${toolRun.runId}`));
    expect(tree).toMatch(/^run \S+ \[completed\] 2 steps/);
    expect(tree).toMatch(/└─ Looper \S+ \[completed\] scripted · \d+ in \/ \d+ out tokens · \$0 .*tool errors: lookup/);
    expect(tree).toMatch(/\n {3}└─ Scripted \S+ \[completed\]/);
    expect(stdout).not.toContain('\u001b['); // not a terminal: no colour
    const created = await cli('replay', inputRun, '--org', slugA);
    expect(created.stdout).toMatch(/run\s+RunCreated\s+by user:replay-test "weather run"/);
    expect(created.stdout).toMatch(/StepInputRequired\s+asks "Which city\?"/);
    expect(created.stdout).not.toContain('does not parse');
  });

  it('exports the raw events as JSON Lines, one per recorded event, with stream sequences', async () => {
    const { code, stdout } = await cli('replay', inputRun, '--org', slugA, '--json');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; event: { type: string; metadata: { runId: string } } });
    let recorded = 0;
    for await (const c of recorder.store.readFilter(`*.${orgA}.${inputRun}.>`)) recorded += c.commit.events.length;
    expect(lines).toHaveLength(recorded);
    expect(lines.map((l) => l.event.type)).toEqual(expect.arrayContaining(['RunCreated', 'RunRequested', 'StepInputRequired', 'StepInputProvided', 'StepCompleted']));
    expect(lines.every((l) => Number.isInteger(l.seq) && l.event.metadata.runId === inputRun)).toBe(true);
    expect(lines.map((l) => l.seq)).toEqual([...lines.map((l) => l.seq)].sort((a, b) => a - b));
  });

  it("refuses another organization's run, and names an unknown one", async () => {
    const refused = await cli('replay', otherRun, '--org', slugA);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`run ${otherRun} is not a run of organization ${slugA}: refused`);
    expect(refused.stdout).toBe('');
    const unknown = randomUUID();
    const missing = await cli('replay', unknown, '--org', slugA);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no run ${unknown} in organization ${slugA}`);
  });

  it("acts for the API key's organization without --org, and sees only its runs", async () => {
    const own = await runCli(ROOT, ['replay', otherRun], { ...env, SHAMAN_API_KEY: keyB });
    expect(own.code).toBe(0);
    expect(own.stdout).toContain('Echo');
    const foreign = await runCli(ROOT, ['replay', toolRun.runId], { ...env, SHAMAN_API_KEY: keyB });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`no run ${toolRun.runId} in organization ${slugB}`);
    const none = await cli('replay', toolRun.runId);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--org <slug> is required');
  });

  it('names the NATS address it cannot reach', async () => {
    const { code, stderr } = await runCli(ROOT, ['replay', toolRun.runId, '--org', slugA], { ...env, NATS_URL: 'nats://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr).toContain('cannot reach NATS at nats://127.0.0.1:1');
  });

  it('--verify says identical on a consistent run, then lists a corrupted row; no scratch schema stays behind', async () => {
    for (const run of [toolRun.runId, inputRun]) {
      const ok = await cli('replay', run, '--org', slugA, '--verify');
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^identical: \d+ rows in runs, steps, usage_ledger/m);
    }
    await admin.query('UPDATE steps SET output_tokens = 999999 WHERE id = $1', [toolRun.rootStep]);
    const bad = await cli('replay', toolRun.runId, '--org', slugA, '--verify');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('1 differences');
    expect(bad.stdout).toContain(`steps ${toolRun.rootStep} output_tokens: live 999999 ≠ rebuilt `);
    const json = await cli('replay', toolRun.runId, '--org', slugA, '--verify', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ identical: false, differences: [{ table: 'steps', key: toolRun.rootStep, column: 'output_tokens', live: 999999 }] });
    const schemas = await admin.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'replay\\_%' OR nspname LIKE 'rebuild\\_%'");
    expect(schemas.rows).toEqual([]);
  });

  it('projections rebuild gives the rows the live projector wrote (the corrupted one repaired) and the checkpoint at the end', async () => {
    await admin.query('DELETE FROM usage_ledger WHERE run_id = $1', [inputRun]);
    const { code, stdout, stderr } = await cli('projections', 'rebuild', '--json', '--batch', '2');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { commits: number; events: number; position: number; rows: Record<string, number> };
    const last = (await admin.query<{ position: string }>("SELECT position FROM projection_checkpoints WHERE name = 'read-models'")).rows[0]?.position;
    expect(summary.position).toBe(Number(last));
    expect(summary.events).toBeGreaterThan(20);
    expect(stderr).toMatch(/commits · \d+ events/); // plain progress lines when stderr is not a terminal
    expect(await snapshot(admin)).toEqual(live);
    expect((await cli('replay', toolRun.runId, '--org', slugA, '--verify')).code).toBe(0);
  });

  it('projections rebuild while runs are recorded and projected: the swap leaves rows and checkpoint consistent', async () => {
    const [rebuilt, address] = await Promise.all([
      cli('projections', 'rebuild', '--json', '--batch', '1'),
      (async () => {
        const a = await recorder.request({ orgId: orgB, agent: 'Echo', text: 'during the rebuild' });
        await recorder.until(a);
        return a;
      })(),
    ]);
    expect(rebuilt.code).toBe(0);
    await recorder.projected();
    const afterConcurrent = await snapshot(admin);
    expect(afterConcurrent['steps']).toContainEqual(expect.objectContaining({ id: address.stepId, status: 'completed' }));
    expect((await cli('projections', 'rebuild', '--json')).code).toBe(0);
    expect(await snapshot(admin)).toEqual(afterConcurrent);
  });

  it('--reexecute runs the agent loop again from the recording: identical, including a tool error, a child step and a question answered', async () => {
    for (const run of [toolRun.runId, inputRun]) {
      const { code, stdout, stderr } = await cli('replay', run, '--org', slugA, '--reexecute');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^identical: \d steps re-executed, \d model calls answered from the recording/m);
    }
  });

  it('--reexecute reports the first divergence, with the request the model was asked this time', async () => {
    const file = join(repo, 'Looper.md');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('You are Looper.', 'You are a changed Looper.'));
    try {
      const { code, stdout } = await cli('replay', toolRun.runId, '--org', slugA, '--reexecute');
      expect(code).toBe(1);
      expect(stdout).toContain(`diverges at step ${toolRun.rootStep} (Looper), decision 1: model call #0: the request differs`);
      expect(stdout).toContain('You are a changed Looper.');
      const json = await cli('replay', toolRun.runId, '--org', slugA, '--reexecute', '--json');
      expect(JSON.parse(json.stdout)).toMatchObject({ identical: false, divergence: { stepId: toolRun.rootStep, position: 1, expected: { type: 'LlmResponded', iteration: 0 } } });
    } finally {
      await writeFile(file, original);
    }
  });

  it('rejects an unknown projection name without touching anything', async () => {
    const { code, stderr } = await cli('projections', 'rebuild', '--name', 'nope');
    expect(code).toBe(2);
    expect(stderr).toContain('unknown projection nope');
  });
});
