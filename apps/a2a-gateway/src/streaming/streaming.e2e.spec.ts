import { createJetStreamEventStore } from '@shaman/event-store';
import { newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, spawnApp, startStack, type AppProcess, type TestDatabase, type TestNats, type TestStack, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Event = { kind: string; id?: string; taskId?: string; contextId?: string; status?: { state: string }; final?: boolean; append?: boolean; lastChunk?: boolean; artifact?: { parts: { text: string }[] } };

/** An open SSE response read event by event, as a client reads it. */
const sse = async (url: string, key: string, body: unknown) => {
  const controller = new AbortController();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': key }, body: JSON.stringify(body), signal: controller.signal });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async (): Promise<Event | null> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (data) return (JSON.parse(data.slice(6)) as { result: Event }).result;
        continue;
      }
      const chunk = await reader.read();
      if (chunk.done) return null;
      buffer += chunk.value;
    }
  };
  const rest = async () => {
    const out: Event[] = [];
    for (let e = await next(); e; e = await next()) out.push(e);
    return out;
  };
  return { next, rest, close: () => controller.abort() };
};
const label = (e: Event) => (e.kind === 'task' ? `task:${e.status?.state}` : e.kind === 'status-update' ? `status:${e.status?.state}${e.final ? ':final' : ''}` : `artifact:${e.append ? 'append' : 'set'}${e.lastChunk ? ':last' : ''}`);
/** What comes from the event log (not the best-effort deltas): must match exactly between subscribers. */
const recorded = (events: Event[]) => events.filter((e) => e.kind !== 'artifact-update' || e.lastChunk).map(label);

/** Streaming across real processes: two gateways on one event log, an executor with a slow scripted model. */
describe('A2A streaming across two gateway processes', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let tenant: TestTenant;
  let stack: TestStack;
  let second: AppProcess;
  let gatewayA = '';
  let gatewayB = '';

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    const repo = await mkdtemp(join(tmpdir(), 'shaman-e2e-stream-'));
    await writeFile(join(repo, 'Talker.md'), '---\nname: Talker\nmodel: scripted\ndescription: Talks after a pause\n---\nTalk.\n');
    await writeFile(join(repo, 'Talker.script.yaml'), 'turns:\n  - reply: "one two three four five six seven {{input}}"\n    delayMs: 1500\n');
    await writeFile(join(repo, 'Ponder.md'), '---\nname: Ponder\nmodel: scripted\ndescription: Thinks for ten seconds\n---\nPonder.\n');
    await writeFile(join(repo, 'Ponder.script.yaml'), 'turns:\n  - reply: "finally"\n    delayMs: 10000\n');
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    stack = await startStack({ db, nats, executorEnv: { EXECUTOR_ID: 'e2e-stream' } });
    second = spawnApp('a2a-gateway', { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix, DATABASE_URL: db.appUrl, GATEWAY_PORT: '0' });
    gatewayA = stack.gatewayUrl;
    gatewayB = String((await second.waitForLog((l) => l.msg === 'a2a gateway listening'))['url']);
  });

  afterAll(async () => {
    const codes = [await second?.stop(), ...(await stack.stop())];
    await nats?.cleanup();
    await db?.cleanup();
    expect(codes).toEqual([0, 0, 0, 0, 0]);
  });

  const rpc = (method: string, params: unknown) => ({ jsonrpc: '2.0', id: newId(), method, params });
  const stream = (gateway: string, text: string, agent: string) =>
    sse(`${gateway}/a2a/v1`, tenant.apiKey, rpc('message/stream', { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }] }, metadata: { agent } }));

  it('starts a task by message/stream on gateway A and resubscribes on gateway B: the rest arrives there, in order, once', async () => {
    const onA = await stream(gatewayA, 'eight', 'Talker');
    const task = (await onA.next())!;
    expect(task).toMatchObject({ kind: 'task', status: { state: 'submitted' } });
    expect(await onA.next()).toMatchObject({ kind: 'status-update', status: { state: 'working' }, final: false });

    const onB = await sse(`${gatewayB}/a2a/v1`, tenant.apiKey, rpc('tasks/resubscribe', { id: task.id }));
    expect(await onB.next()).toMatchObject({ kind: 'task', id: task.id, status: { state: 'working' } });
    const [restA, restB] = await Promise.all([onA.rest(), onB.rest()]);

    const answer = 'one two three four five six seven eight';
    expect(recorded(restB)).toEqual(['artifact:set:last', 'status:completed:final']);
    expect(recorded(restA)).toEqual(recorded(restB));
    expect(restB.at(-2)?.artifact?.parts[0]?.text).toBe(answer);
    expect(restB.every((e) => e.taskId === task.id && e.contextId === task.contextId)).toBe(true);
    // The deltas B saw (best-effort) start the streaming artifact and add up to a prefix of the answer.
    const streamed = restB.filter((e) => e.kind === 'artifact-update' && !e.lastChunk);
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed[0]?.append).toBe(false);
    expect(answer.startsWith(streamed.map((e) => e.artifact?.parts[0]?.text).join(''))).toBe(true);
  });

  it('tasks/cancel on gateway B while the model is mid-answer: the stream on A ends canceled, and no answer is recorded', async () => {
    const onA = await stream(gatewayA, 'take your time', 'Ponder');
    const task = (await onA.next())!;
    expect(await onA.next()).toMatchObject({ status: { state: 'working' } });
    const canceled = await fetch(`${gatewayB}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, body: JSON.stringify(rpc('tasks/cancel', { id: task.id })) });
    expect(((await canceled.json()) as { result?: Event }).result).toMatchObject({ status: { state: 'canceled' } });
    expect((await onA.rest()).map(label)).toEqual(['status:canceled:final']);

    const store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    const types: string[] = [];
    for await (const c of store.readFilter(`evt.*.*.${task.id!}`)) types.push(...c.commit.events.map((e) => e.type));
    expect(types).toEqual(['StepStarted', 'StepCanceled']);
  });
});
