import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, streamNameOf } from '@shaman/events';
import { randomUUID } from 'node:crypto';

/** Test fixtures: realistic events for one step, each parsed by the catalog as any producer's would be. */
export type StepAddress = { orgId: string; runId: string; stepId: string };

/** A clock with microsecond precision (PostgreSQL keeps it; a JS Date would not), one second per tick. */
export const createClock = (start = Date.UTC(2026, 0, 1)): (() => string) => {
  let tick = 0;
  return () => {
    tick += 1;
    return new Date(start + tick * 1000).toISOString().replace(/Z$/, `${String(tick % 1000).padStart(3, '0')}Z`);
  };
};

export const newStep = (run: { orgId: string; runId: string }): StepAddress => ({ ...run, stepId: randomUUID() });

export const stepEvents = (step: StepAddress, clock: () => string) => {
  const e = (type: ShamanEvent['type'], data: object): ShamanEvent =>
    ShamanEvent.parse({ type, data, metadata: { ...step, eventId: randomUUID(), at: clock() } });
  const agent = (name: string) => ({ name, repository: '/agents', commit: 'c0ffee' });
  return {
    requested: (name: string, edge: { parentStepId: string; depth: number } | null = null, text = `ask ${name}`) =>
      e('RunRequested', {
        agent: agent(name),
        message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text }] },
        parentStepId: edge?.parentStepId ?? null,
        depth: edge?.depth ?? 0,
        initiator: edge ? { kind: 'agent', id: edge.parentStepId } : { kind: 'api_key', id: 'key-1' },
      }),
    started: (name: string) => e('StepStarted', { agent: agent(name), model: 'scripted', executorId: 'exec-1', attempt: 1 }),
    llm: (iteration: number, usage: { inputTokens: number; outputTokens: number }, toolCall?: { id: string; name: string }) =>
      e('LlmResponded', {
        iteration,
        provider: 'scripted',
        model: 'scripted',
        requestHash: 'b'.repeat(64),
        response: toolCall
          ? { content: null, toolCalls: [{ ...toolCall, arguments: {} }], finishReason: 'tool_calls' }
          : { content: 'answer', toolCalls: [], finishReason: 'stop' },
        usage,
        latencyMs: 12,
      }),
    usage: (iteration: number, agentName: string, tokens: { inputTokens: number; outputTokens: number; costMicros: number }) =>
      e('UsageRecorded', { iteration, provider: 'openai', model: 'gpt-4o', agent: agentName, ...tokens, priceTable: '2026-11-01' }),
    toolCalled: (iteration: number, toolCallId: string, name: string) => e('ToolCalled', { iteration, toolCallId, name, arguments: {} }),
    toolResulted: (toolCallId: string, name: string) => e('ToolResulted', { toolCallId, name, output: { ok: true }, isError: false, latencyMs: 5 }),
    completed: (text: string, iterations: number) =>
      e('StepCompleted', { output: { parts: [{ kind: 'text', text }] }, usage: { inputTokens: 0, outputTokens: 0 }, iterations }),
    failed: (message: string) => e('StepFailed', { error: { code: 'model_error', message } }),
    cancelRequested: () => e('RunCancelRequested', { reason: 'changed my mind', requestedBy: { kind: 'user', id: 'u-1' } }),
  };
};

/** Appends one commit (all events on the same subject) and returns its stream sequence. */
export const appendCommit = async (store: JetStreamEventStore, ...events: ShamanEvent[]): Promise<number> => {
  const [first] = events;
  if (!first) throw new Error('a commit needs an event');
  const result = await store.appendToStream(streamNameOf(first), events);
  return Number(result.lastEventGlobalPosition);
};
