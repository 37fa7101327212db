import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type ShamanEvent, type StepAddress } from '@shaman/events';
import { createLogger, newId } from '@shaman/platform';
import { createTestNats, createTestRedis, runRequested, stepEventsUntil, type TestNats, type TestRedis } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutorOn, type Executor } from '../executor.js';
import { startMockLlmServer, type MockLlmServer } from './mock-llm-server.fixture.js';
import { createOpenAiCompatibleProvider } from './openai-compatible.provider.js';
import { createProviderRegistry } from './provider-registry.js';
import { createResponseCache } from './response-cache.js';

const config = { EXECUTOR_ID: 'cache-x1', EXECUTOR_CONCURRENCY: 10, EXECUTOR_ACK_WAIT_MS: 5000, EXECUTOR_MAX_DELIVER: 2, EXECUTOR_MAX_ACK_PENDING: 100, STEP_MAX_ITERATIONS: 2, LLM_MAX_ATTEMPTS: 1 };

const completion = (text: string) => ({
  json: { id: 'c', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 2000, completion_tokens: 1000 } },
});

// The whole step loop with a real nats-server, Redis and HTTP model server: what a cache hit leaves in the log.
describe('model response cache in recorded steps', () => {
  let nats: TestNats;
  let redis: TestRedis;
  let store: JetStreamEventStore;
  let llm: MockLlmServer;
  let repo: string;
  let executor: Executor;

  beforeAll(async () => {
    [nats, llm] = await Promise.all([createTestNats({ ackWaitMs: 5000, maxDeliver: 2 }), startMockLlmServer()]);
    redis = createTestRedis();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-cache-'));
    await writeFile(join(repo, 'Geo.md'), '---\nname: Geo\nmodel: gpt-4o-mini\ntemperature: 0\ncache: { ttlSeconds: 60 }\n---\nAnswer with a capital.\n');
    const openai = createOpenAiCompatibleProvider({ name: 'openai', baseUrl: `${llm.url}/v1/`, apiKey: 'sk-test' });
    // No organization settings: the agent's own opt-in turns the cache on.
    const responseCache = createResponseCache({ redis: redis.connection, prefix: redis.prefix, orgSettings: async () => null });
    const providers = createProviderRegistry({ openai }, [{ pattern: 'gpt-*', provider: 'openai' }]);
    executor = await startExecutorOn({ nc: nats.nc, layout: nats.layout, logger: createLogger({ name: 'cache-test', level: 'silent' }), config, providers, responseCache });
  });
  afterAll(async () => {
    await executor?.stop(1000);
    await llm?.close();
    await nats?.cleanup();
    await redis?.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  const run = async (orgId: string, text: string): Promise<ShamanEvent[]> => {
    const event = runRequested({ orgId, agent: 'Geo', repository: repo, text });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return stepEventsUntil(store, event.metadata as StepAddress);
  };
  const ofType = <T extends ShamanEvent['type']>(events: ShamanEvent[], type: T) => events.find((e): e is Extract<ShamanEvent, { type: T }> => e.type === type);

  it('records a hit as LlmResponded with cache.hit, priced at zero as cached; another organization misses', async () => {
    const orgA = newId();
    llm.reply(completion('Paris'));
    const first = await run(orgA, 'Capital of France?');
    const second = await run(orgA, 'Capital of France?');
    expect(llm.received).toHaveLength(1);

    expect(ofType(first, 'LlmResponded')?.data.cache).toBeUndefined();
    expect(ofType(first, 'UsageRecorded')?.data.costMicros).toBeGreaterThan(0);
    const hit = ofType(second, 'LlmResponded');
    expect(hit?.data).toMatchObject({ provider: 'openai', response: { content: 'Paris' }, cache: { hit: true, key: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(hit?.data.requestHash).toBe(ofType(first, 'LlmResponded')?.data.requestHash);
    expect(ofType(second, 'UsageRecorded')?.data).toMatchObject({ inputTokens: 2000, outputTokens: 1000, costMicros: 0, priceTable: 'cached' });
    expect(ofType(second, 'StepCompleted')).toBeDefined();

    llm.reply(completion('Paris, for B'));
    const other = await run(newId(), 'Capital of France?');
    expect(llm.received).toHaveLength(2);
    expect(ofType(other, 'LlmResponded')?.data).toMatchObject({ response: { content: 'Paris, for B' } });
    expect(ofType(other, 'LlmResponded')?.data.cache).toBeUndefined();
  });
});
