import type { ShamanEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import type { Paint } from './format.js';
import type { RecordedEvent } from './run-recording.js';
import { formatTimeline } from './timeline.js';

const plain: Paint = { bold: (s) => s, dim: (s) => s, green: (s) => s, red: (s) => s, cyan: (s) => s };
const metadata = { eventId: '00000000-0000-4000-8000-000000000001', orgId: 'o', runId: 'r', stepId: '00000000-0000-4000-8000-0000000000aa', at: '2026-01-01T00:00:00.000Z' };
const recorded = (event: unknown, seq: number): RecordedEvent => ({ seq, subject: 's', time: new Date(0), index: 0, raw: event, event: event as ShamanEvent, lifecycle: null });
const answer = (cache?: unknown) => ({
  type: 'LlmResponded',
  data: { iteration: 0, provider: 'openai', model: 'gpt-4o', requestHash: 'a'.repeat(64), response: { content: 'hi', toolCalls: [], finishReason: 'stop' }, usage: { inputTokens: 10, outputTokens: 5 }, latencyMs: 2, ...(cache ? { cache } : {}) },
  metadata,
});

describe('replay timeline of a model response cache hit', () => {
  it('says "cached" on a response the cache answered, and nothing on a provider answer', () => {
    const [hit, miss] = formatTimeline([recorded(answer({ hit: true, key: 'b'.repeat(64), storedAt: '2026-01-01T00:00:00.000Z' }), 1), recorded(answer(), 2)], plain);
    expect(hit).toMatch(/LlmResponded .*, cached \(stored 2026-01-01T00:00:00\.000Z\)$/);
    expect(miss).not.toContain('cached');
  });
});
