import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, stepRequestStream, type StepAddress } from '@shaman/events';
import { issueApiKey } from '@shaman/platform';
import pg from 'pg';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModel } from './fork.fixture.js';
import { eventually, recordRun, stepEvents, stepEventsUntilEnd } from './fork.stack.fixture.js';
import { createReplayTenant, startReplayStack, type ReplayStack, type ReplayTenant } from './replay.stack.fixture.js';
import { runCli } from './replay.fixture.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

const withAdminClient = async <T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};

// Two tool turns, then an answer: a multi-turn recording with tool calls and results to fork in the middle of.
const SCRIPT = `turns:
  - toolCalls: [{ name: run_data_write, arguments: { key: "notes/a", value: "first" } }]
  - toolCalls: [{ name: run_data_write, arguments: { key: "notes/b", value: "second" } }]
  - reply: "recorded answer"
`;

// A Coordinator-like run: Boss (scripted) calls Alpha, then Beta (both on the mock model), then answers.
const COORDINATION: Record<string, string> = {
  'Boss.md': '---\nname: Boss\nmodel: scripted\nallowedAgents: [Alpha, Beta]\n---\nYou coordinate.\n',
  'Boss.script.yaml': [
    'turns:',
    '  - toolCalls: [{ name: call_agent, arguments: { agent: Alpha, message: "first part" } }]',
    '  - toolCalls: [{ name: call_agent, arguments: { agent: Beta, message: "second part" } }]',
    '  - reply: "boss: {{lastToolResult}}"',
    '',
  ].join('\n'),
  'Alpha.md': '---\nname: Alpha\nmodel: openai/gpt-4o-mini\n---\nYou do the first part.\n',
  'Beta.md': '---\nname: Beta\nmodel: openai/gpt-4o-mini\ntools: [run_data_write]\n---\nYou do the second part.\n',
};

type Line = { seq: number; event: { type: string; data: { iteration?: number }; metadata: { stepId: string } } };

describe('shaman fork | diff (CLI process against the real stack, scripted and mock models)', () => {
  let db: TestDatabase;
  let llm: MockModel;
  let stack: ReplayStack;
  let store: JetStreamEventStore;
  let tenant: ReplayTenant;
  let other: ReplayTenant;
  let repo: string;
  let env: Record<string, string>;
  let origin: StepAddress;
  let originEvents: ShamanEvent[];
  let cutSeq: number;
  const cli = (...args: string[]) => runCli(ROOT, args, env);
  const record = (text: string): Promise<StepAddress> => recordRun(store, { orgId: tenant.orgId, agent: 'Looper', repository: repo, text });
  // The executor records the tools a step's model is offered (ToolsOffered) once, with its first answer, where it has any.
  const offered = (): string[] => (originEvents.some((e) => e.type === 'ToolsOffered') ? ['ToolsOffered'] : []);
  const lastSeq = async () => (await store.jsm.streams.info(store.stream)).state.last_seq;

  beforeAll(async () => {
    [db, llm] = await Promise.all([createTestDatabase(), startMockModel()]);
    repo = await mkdtemp(join(tmpdir(), 'shaman-fork-'));
    await writeFile(join(repo, 'Looper.md'), '---\nname: Looper\nmodel: scripted\ntools: [run_data_write]\n---\nYou take notes.\n');
    await writeFile(join(repo, 'Looper.script.yaml'), SCRIPT);
    await writeFile(join(repo, 'fork-prompt.md'), 'You are the forked note taker.');
    await Promise.all(Object.entries(COORDINATION).map(([file, text]) => writeFile(join(repo, file), text)));
    tenant = await createReplayTenant(db.adminUrl, { agentsRepository: repo });
    other = await createReplayTenant(db.adminUrl, { agentsRepository: repo });
    stack = await startReplayStack({ adminUrl: db.adminUrl, executorEnv: { OPENAI_API_KEY: 'sk-test-fork', OPENAI_BASE_URL: `${llm.url}/v1` } });
    store = stack.store;
    env = { ...process.env, DATABASE_ADMIN_URL: db.adminUrl, NATS_URL, NATS_STREAM: stack.layout.stream, NATS_SUBJECT_PREFIX: stack.layout.subjectPrefix, NO_COLOR: '1', SHAMAN_API_KEY: '' } as Record<string, string>;
    origin = await record('take notes');
    originEvents = await stepEvents(store, origin);
    const replay = await cli('replay', origin.runId, '--org', tenant.slug, '--json');
    const lines = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    // The cut: the second model answer. Before it: the claim, the first answer and its tool call and result.
    cutSeq = lines.find((l) => l.event.type === 'LlmResponded' && l.event.data.iteration === 1)?.seq ?? 0;
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await llm?.close();
    await db?.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  it('refuses bad input precisely and appends nothing', async () => {
    const before = await lastSeq();
    expect(await cli('fork', origin.runId, '--org', tenant.slug, '--at', 'middle')).toMatchObject({ code: 2, stderr: expect.stringContaining('--at middle is neither a step id nor an event seq') });
    expect(await cli('fork', 'not-a-run', '--org', tenant.slug, '--at', '3')).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a UUID') });
    expect(await cli('fork', origin.runId, '--org', tenant.slug, '--at', '999999')).toMatchObject({ code: 1, stderr: expect.stringContaining('event seq 999999 is not one of this run') });
    expect(await cli('fork', origin.runId, '--org', tenant.slug, '--at', String(cutSeq), '--prompt-file', join(repo, 'missing.md'))).toMatchObject({ code: 2, stderr: expect.stringContaining('missing.md') });
    expect(await cli('fork', origin.runId, '--org', other.slug, '--at', String(cutSeq))).toMatchObject({ code: 1, stderr: expect.stringContaining(`is not a run of organization ${other.slug}: refused`) });
    expect(await cli('diff', origin.runId, 'nope', '--org', tenant.slug)).toMatchObject({ code: 2, stderr: expect.stringContaining('run id nope is not a UUID') });
    // A key that may only read cannot start a run.
    const viewer = await withAdminClient(db.adminUrl, async (c) => (await issueApiKey(c, { orgId: tenant.orgId, name: 'viewer', role: 'VIEWER' })).key);
    const asViewer = await runCli(ROOT, ['fork', origin.runId, '--at', String(cutSeq)], { ...env, SHAMAN_API_KEY: viewer });
    expect(asViewer).toMatchObject({ code: 1, stderr: expect.stringContaining('SHAMAN_API_KEY has the VIEWER role; forking (it starts a run) needs DEVELOPER') });
    expect(await lastSeq()).toBe(before);
  });

  it('forks mid-run: the recorded prefix is reused with no model call, the rest goes live on the overriding model and prompt', async () => {
    llm.reply('forked answer');
    const forked = await cli('fork', origin.runId, '--org', tenant.slug, '--at', String(cutSeq), '--model', 'openai/gpt-4o-mini', '--prompt-file', join(repo, 'fork-prompt.md'), '--json');
    expect(forked.stderr).toBe('');
    expect(forked.code).toBe(0);
    const summary = JSON.parse(forked.stdout) as { runId: string; stepId: string; reusedEvents: number; forkedFrom: { runId: string; stepId: string; seq: number } };
    expect(summary).toMatchObject({ forkedFrom: { runId: origin.runId, stepId: origin.stepId, seq: cutSeq }, reusedEvents: 5 + offered().length });
    const address = { orgId: tenant.orgId, runId: summary.runId, stepId: summary.stepId } as StepAddress;
    const events = await stepEventsUntilEnd(store, address);
    expect(events.map((e) => e.type)).toEqual([
      'StepStarted', ...offered(), 'LlmResponded', 'ToolCalled', 'RunDataWritten', 'ToolResulted', // copied from the origin
      'StepResumed', 'LlmResponded', 'UsageRecorded', 'StepCompleted', // live
    ]);
    expect(events.every((e) => e.metadata.runId === summary.runId && e.metadata.stepId === summary.stepId)).toBe(true);
    const originFirstAnswer = originEvents.find((e) => e.type === 'LlmResponded');
    expect(events.find((e) => e.type === 'LlmResponded')).toMatchObject({ data: originFirstAnswer?.data });
    // Exactly one live model call: the recorded first turn was not asked again. It saw the new prompt and the reused turn.
    expect(llm.received).toHaveLength(1);
    expect(llm.received[0]?.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are the forked note taker.' },
        { role: 'user', content: 'take notes' },
        { role: 'assistant', tool_calls: [{ function: { name: 'run_data_write' } }] },
        { role: 'tool', content: JSON.stringify({ key: 'notes/a', written: true }) },
      ],
    });
    expect(events.findLast((e) => e.type === 'LlmResponded')).toMatchObject({ type: 'LlmResponded', data: { iteration: 1, provider: 'openai', model: 'openai/gpt-4o-mini' } });
    expect(events.at(-1)).toMatchObject({ type: 'StepCompleted', data: { output: { parts: [{ text: 'forked answer' }] } } });
    // The origin is untouched.
    expect(await stepEvents(store, origin)).toEqual(originEvents);

    // The new run links to its origin in the read model, through GraphQL.
    const query = `query($id: ID!) { run(id: $id) { status forkedFrom { runId stepId } } }`;
    const read = async (id: string) => {
      const res = await fetch(stack.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` }, body: JSON.stringify({ query, variables: { id } }) });
      return ((await res.json()) as { data: { run: { status: string; forkedFrom: unknown } | null } }).data.run;
    };
    await eventually(async () => ((await read(summary.runId))?.status === 'COMPLETED' ? true : undefined), 'the fork projected');
    expect(await read(summary.runId)).toEqual({ status: 'COMPLETED', forkedFrom: { runId: origin.runId, stepId: origin.stepId } });
    expect(await read(origin.runId)).toMatchObject({ forkedFrom: null });

    // diff: the fork's step was claimed for another model, so the two differ from its first decision on.
    const diff = await cli('diff', origin.runId, summary.runId, '--org', tenant.slug, '--json');
    expect(diff.code).toBe(1);
    expect(JSON.parse(diff.stdout)).toMatchObject({ identical: false, firstDivergence: { path: '1', agent: 'Looper', position: 0, what: 'StepStarted differs' } });
  }, 60_000);

  it('a fork that changes only the prompt differs from its origin exactly at the cut, and diff says so', async () => {
    const forked = await cli('fork', origin.runId, '--org', tenant.slug, '--at', String(cutSeq), '--prompt-file', join(repo, 'fork-prompt.md'), '--json');
    expect(forked.code).toBe(0);
    const { runId, stepId } = JSON.parse(forked.stdout) as { runId: string; stepId: string };
    await stepEventsUntilEnd(store, { orgId: tenant.orgId, runId, stepId } as StepAddress);
    const diff = await cli('diff', origin.runId, runId, '--org', tenant.slug, '--json');
    expect(diff.code).toBe(1);
    const report = JSON.parse(diff.stdout) as { firstDivergence: { position: number; what: string; a: { iteration: number }; b: { iteration: number } }; steps: { a: { output: string }; b: { output: string } }[] };
    // Decisions 0..4 (claim, first answer, its tool call, the data it wrote, its result) are the reused prefix; 5 is the cut.
    expect(report.firstDivergence).toMatchObject({ position: 5 + offered().length, what: 'model call #1: the request differs', a: { iteration: 1 }, b: { iteration: 1 } });
    expect(report.steps[0]).toMatchObject({ a: { output: 'recorded answer', modelCalls: 3 }, b: { output: 'recorded answer', modelCalls: 3 } });
    const text = await cli('diff', origin.runId, runId, '--org', tenant.slug);
    expect(text.stdout).toContain(`first divergence: step 1 (Looper), decision ${5 + offered().length}: model call #1: the request differs`);
  }, 60_000);

  it('forks at a step id from its start (its request only) and diffs two runs of the same script as identical', async () => {
    const forked = await cli('fork', origin.runId, '--org', tenant.slug, '--at', origin.stepId, '--json');
    expect(forked.code).toBe(0);
    const { runId, stepId, reusedEvents } = JSON.parse(forked.stdout) as { runId: string; stepId: string; reusedEvents: number };
    expect(reusedEvents).toBe(0);
    await stepEventsUntilEnd(store, { orgId: tenant.orgId, runId, stepId } as StepAddress);
    const same = await cli('diff', origin.runId, runId, '--org', tenant.slug);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain(`identical: runs ${origin.runId} and ${runId} made the same decisions in 1 step`);
    const again = await record('take notes');
    const json = await cli('diff', origin.runId, again.runId, '--org', tenant.slug, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ identical: true, firstDivergence: null, steps: [{ path: '1', identical: true }] });
  }, 60_000);

  it('forks a whole run of agents calling agents inside its second child: the first stays ended, the second and the parent go on live', async () => {
    const origin = await recordCoordination();
    const calls = llm.received.length;
    const replay = await cli('replay', origin.runId, '--org', tenant.slug, '--json');
    const lines = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    const requested = lines.filter((l) => l.event.type === 'RunRequested').map((l) => l.event as unknown as { metadata: { stepId: string }; data: { agent: { name: string } } });
    const betaStep = requested.find((r) => r.data.agent.name === 'Beta')?.metadata.stepId;
    // The cut: Beta's second model answer. Before it: Alpha's whole life, Beta's claim, tool call and result.
    const cut = lines.find((l) => l.event.metadata.stepId === betaStep && l.event.type === 'LlmResponded' && l.event.data.iteration === 1)?.seq;
    expect(cut).toBeGreaterThan(0);

    llm.reply('beta, forked');
    const forked = await cli('fork', origin.runId, '--org', tenant.slug, '--at', String(cut), '--json');
    expect(forked).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(forked.stdout) as { runId: string; stepId: string; alreadyForked: boolean; steps: { stepId: string; agent: string; parentStepId: string | null; terminal: boolean }[] };
    expect(summary.alreadyForked).toBe(false);
    expect(summary.steps.map((s) => [s.agent, s.terminal])).toEqual([['Boss', false], ['Alpha', true], ['Beta', false]]);
    const [boss, alpha, beta] = summary.steps.map((s) => ({ orgId: tenant.orgId, runId: summary.runId, stepId: s.stepId }) as StepAddress);
    expect(summary.stepId).toBe(beta!.stepId);
    expect(summary.steps.slice(1).every((s) => s.parentStepId === boss!.stepId)).toBe(true);

    const bossEvents = await stepEventsUntilEnd(store, boss!);
    expect(bossEvents.at(-1)).toMatchObject({ type: 'StepCompleted', data: { output: { parts: [{ text: expect.stringContaining('beta, forked') }] } } });
    // Alpha was copied ended: no model call for it. Beta went live after its copied turn: exactly one call, the whole fork.
    expect(llm.received.length - calls).toBe(1);
    expect(llm.received.at(-1)?.body).toMatchObject({ messages: [{ role: 'system' }, { role: 'user', content: 'second part' }, { role: 'assistant' }, { role: 'tool' }] });
    expect((await stepEvents(store, alpha!)).map((e) => e.type)).toEqual(['StepStarted', 'LlmResponded', 'StepCompleted']);
    expect((await stepEvents(store, beta!)).map((e) => e.type)).toEqual(['StepStarted', ...offered(), 'LlmResponded', 'ToolCalled', 'RunDataWritten', 'ToolResulted', 'StepResumed', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    // Each child's end reached the new parent once (Alpha's copied notice and its executor's repeat are one event).
    const requests: ShamanEvent[] = [];
    for await (const c of store.readFilter(stepRequestStream(boss!))) requests.push(...c.commit.events.map((e) => ShamanEvent.parse(e)));
    const notices = requests.filter((e) => e.type === 'ChildStepEnded');
    expect(notices.map((e) => e.type === 'ChildStepEnded' && e.data.childStepId).sort()).toEqual([alpha!.stepId, beta!.stepId].sort());

    // The same command again appends nothing: the fork's ids are deterministic.
    const before = await lastSeq();
    const again = await cli('fork', origin.runId, '--org', tenant.slug, '--at', String(cut), '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ runId: summary.runId, alreadyForked: true });
    expect(await lastSeq()).toBe(before);

    // diff aligns the two DAGs and finds the first difference inside Beta, at the cut.
    const diff = await cli('diff', origin.runId, summary.runId, '--org', tenant.slug, '--json');
    expect(diff.code).toBe(1);
    const report = JSON.parse(diff.stdout) as { firstDivergence: { path: string; agent: string }; steps: { path: string; identical: boolean }[] };
    expect(report.firstDivergence).toMatchObject({ path: '1.2', agent: 'Beta' });
    expect(report.steps.map((s) => [s.path, s.identical])).toEqual([['1', false], ['1.1', true], ['1.2', false]]);
  }, 90_000);

  /** Records Boss → Alpha, Beta through the gateway's internal role, with the mock model's answers queued in order. */
  const recordCoordination = async (): Promise<StepAddress> => {
    llm.reply('alpha, done');
    llm.reply({ toolCalls: [{ name: 'run_data_write', arguments: { key: 'beta/notes', value: 'half way' } }] });
    llm.reply('beta, done');
    return recordRun(store, { orgId: tenant.orgId, agent: 'Boss', repository: repo, text: 'coordinate' });
  };
});
