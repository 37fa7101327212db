import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type ShamanEvent, type StepAddress } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestNats, runRequested, spawnApp, stepEventsUntil, type AppProcess, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from './llm/mock-llm-server.fixture.js';

const completion = (content: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
});

/** A real executor process routing `gpt-*` to an OpenAI-compatible server (a local mock of the real wire format). */
describe('executor with a configured OpenAI-compatible provider', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let llm: MockLlmServer;
  let repo: string;
  let executor: AppProcess;
  const orgId = newId();

  beforeAll(async () => {
    [nats, llm] = await Promise.all([createTestNats(), startMockLlmServer()]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-providers-'));
    await writeFile(join(repo, 'Writer.md'), '---\nname: Writer\nmodel: gpt-4o-mini\ntemperature: 0.2\n---\nYou write haiku.\n');
    executor = spawnApp('executor', {
      NATS_URL: nats.url,
      NATS_STREAM: nats.layout.stream,
      NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix,
      OPENAI_API_KEY: 'sk-test-secret-value',
      OPENAI_BASE_URL: `${llm.url}/v1`,
    });
    await executor.waitForLog((l) => l.msg === 'executor pulling');
  });
  afterAll(async () => {
    await executor.stop();
    await llm.close();
    await nats.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  const run = async (text: string): Promise<ShamanEvent[]> => {
    const event = runRequested({ orgId, agent: 'Writer', repository: repo, text });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return stepEventsUntil(store, event.metadata as StepAddress);
  };

  it('sends the agent prompt and message to the provider and records its answer and usage', async () => {
    llm.reply({ json: completion('Quiet log of events') });
    const events = await run('write about JetStream');
    expect(events.map((e) => e.type)).toEqual(['StepStarted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(events[1]).toMatchObject({ data: { provider: 'openai', model: 'gpt-4o-mini', usage: { inputTokens: 42, outputTokens: 7 } } });
    // gpt-4o-mini: $0.15 / $0.60 per million tokens → 42 × 0.15 + 7 × 0.6 = 10.5 micro-dollars, rounded
    expect(events[2]).toMatchObject({ data: { agent: 'Writer', inputTokens: 42, outputTokens: 7, costMicros: 11, priceTable: '2026-11-01' } });
    expect(events[3]).toMatchObject({ data: { output: { parts: [{ text: 'Quiet log of events' }] } } });
    const sent = llm.received.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers['authorization']).toBe('Bearer sk-test-secret-value');
    expect(sent.body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'You write haiku.' },
        { role: 'user', content: 'write about JetStream' },
      ],
    });
  });

  it('waits out a 429 with Retry-After and then records the answer', async () => {
    const before = llm.received.length;
    llm.reply({ status: 429, headers: { 'retry-after': '0.2' }, json: { error: { message: 'slow down', type: 'rate_limit' } } }, { json: completion('after the wait') });
    const events = await run('again');
    expect(events.at(-1)).toMatchObject({ type: 'StepCompleted', data: { output: { parts: [{ text: 'after the wait' }] } } });
    expect(llm.received.length - before).toBe(2);
  });

  it('fails the step with model_error on a non-retryable provider error, without leaking the key', async () => {
    llm.reply({ status: 401, json: { error: { message: 'Incorrect API key provided: sk-test-secret-value', type: 'invalid_request_error' } } });
    const events = await run('bad key');
    expect(events.at(-1)).toMatchObject({ type: 'StepFailed', data: { error: { code: 'model_error' } } });
    expect(JSON.stringify(events)).not.toContain('sk-test-secret-value');
    expect(executor.output()).not.toContain('sk-test-secret-value');
  });
});
