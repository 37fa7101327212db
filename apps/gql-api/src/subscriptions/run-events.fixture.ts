// Test-only: fabricated run events, parsed by the catalog as any producer's are (the idea of the projector's
// step-events.fixtures.ts; apps do not import each other).
import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, streamNameOf } from '@shaman/events';
import { randomUUID } from 'node:crypto';

export type StepAddress = { orgId: string; runId: string; stepId: string };

export const newRun = (orgId: string): StepAddress => ({ orgId, runId: randomUUID(), stepId: randomUUID() });
export const childOf = (step: StepAddress): StepAddress => ({ ...step, stepId: randomUUID() });

let tick = 0;
const at = (): string => new Date(Date.UTC(2026, 0, 1) + ++tick * 1000).toISOString();

/** Events of one step; `requested` with `parent` is a call from that step. */
export const eventsOf = (step: StepAddress) => {
  const e = (type: ShamanEvent['type'], data: object): ShamanEvent =>
    ShamanEvent.parse({ type, data, metadata: { ...step, eventId: randomUUID(), at: at() } });
  const agent = (name: string) => ({ name, repository: '/agents', commit: null });
  return {
    requested: (name: string, parent: StepAddress | null = null) =>
      e('RunRequested', {
        agent: agent(name),
        message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: `ask ${name}` }] },
        parentStepId: parent?.stepId ?? null,
        depth: parent ? 1 : 0,
        initiator: parent ? { kind: 'agent', id: parent.stepId } : { kind: 'api_key', id: 'key-1' },
      }),
    started: (name: string) => e('StepStarted', { agent: agent(name), model: 'scripted', executorId: 'exec-1', attempt: 1 }),
    llm: (iteration: number, tokens = 10) =>
      e('LlmResponded', {
        iteration,
        provider: 'scripted',
        model: 'scripted',
        requestHash: 'b'.repeat(64),
        response: { content: 'thinking', toolCalls: [], finishReason: 'stop' },
        usage: { inputTokens: tokens, outputTokens: tokens },
        latencyMs: 1,
      }),
    inputRequired: (prompt: string) => e('StepInputRequired', { toolCallId: `call-${randomUUID()}`, prompt }),
    completed: (text: string) => e('StepCompleted', { output: { parts: [{ kind: 'text', text }] }, usage: { inputTokens: 0, outputTokens: 0 }, iterations: 1 }),
  };
};

/** Appends one commit and returns its stream sequence. */
export const append = async (store: JetStreamEventStore, event: ShamanEvent): Promise<number> =>
  Number((await store.appendToStream(streamNameOf(event), [event])).lastEventGlobalPosition);
