// Test-only: a large run written straight into the event stream, the way the executor records steps, to load
// the web UI's DAG view. Every step is marked `external` (a node its caller records itself), so no executor
// of the running stack picks the requests up and runs them: the seeder alone writes each node's start and end.
import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, streamNameOf } from '@shaman/events';
import { randomUUID } from 'node:crypto';

type Address = { orgId: string; runId: string; stepId: string };
export type SeededStep = Address & { parentStepId: string | null; depth: number; agent: string; external: boolean; withTool: boolean };

/** `count` steps of one run as a tree (each step calls up to `fanOut` others); every `toolEvery`-th step calls a tool. */
export const planRun = (orgId: string, options: { count: number; fanOut?: number; toolEvery?: number; externalEvery?: number }): SeededStep[] => {
  const runId = randomUUID();
  const fanOut = options.fanOut ?? 4;
  const steps: SeededStep[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const parent = i === 0 ? null : steps[Math.floor((i - 1) / fanOut)]!;
    steps.push({
      orgId,
      runId,
      stepId: randomUUID(),
      parentStepId: parent?.stepId ?? null,
      depth: parent ? parent.depth + 1 : 0,
      agent: i === 0 ? 'Orchestrator' : `Worker${i % 7}`,
      external: options.externalEvery !== undefined && i > 0 && i % options.externalEvery === 0,
      withTool: options.toolEvery !== undefined && i % options.toolEvery === 0,
    });
  }
  return steps;
};

let clock = Date.UTC(2026, 10, 1);
const at = (): string => new Date((clock += 10)).toISOString();

const event = (step: SeededStep, type: ShamanEvent['type'], data: object): ShamanEvent =>
  ShamanEvent.parse({ type, data, metadata: { orgId: step.orgId, runId: step.runId, stepId: step.stepId, eventId: randomUUID(), at: at() } });

const append = async (store: JetStreamEventStore, events: ShamanEvent[]): Promise<void> => {
  await store.appendToStream(streamNameOf(events[0]!), events);
};

/** The request and the claim: the node appears, WORKING. */
export const startStep = async (store: JetStreamEventStore, step: SeededStep): Promise<void> => {
  await append(store, [
    event(step, 'RunRequested', {
      agent: { name: step.agent, repository: '/agents', commit: null },
      message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: `work item for ${step.agent}` }] },
      parentStepId: step.parentStepId,
      depth: step.depth,
      initiator: step.parentStepId ? { kind: 'agent', id: step.parentStepId } : { kind: 'api_key', id: 'seed' },
      external: { url: 'https://agents.example.com/a2a', protocolVersion: '1.0' },
    }),
  ]);
  await append(store, [event(step, 'StepStarted', { agent: { name: step.agent, repository: '/agents', commit: null }, model: step.external ? 'external' : 'scripted', executorId: 'seed', attempt: 1 })]);
};

/** A model call, maybe a tool call, and the answer, in one commit: the node turns COMPLETED. */
export const completeStep = async (store: JetStreamEventStore, step: SeededStep): Promise<void> => {
  const toolCallId = `call-${step.stepId.slice(0, 8)}`;
  await append(store, [
    event(step, 'LlmResponded', {
      iteration: 0,
      provider: 'scripted',
      model: 'scripted',
      requestHash: 'a'.repeat(64),
      response: { content: null, toolCalls: step.withTool ? [{ id: toolCallId, name: 'lookup', arguments: { q: step.agent } }] : [], finishReason: step.withTool ? 'tool_calls' : 'stop' },
      usage: { inputTokens: 120, outputTokens: 30 },
      latencyMs: 5,
    }),
    ...(step.withTool
      ? [
          event(step, 'ToolCalled', { iteration: 0, toolCallId, name: 'lookup', arguments: { q: step.agent } }),
          event(step, 'ToolResulted', { toolCallId, name: 'lookup', output: { found: 3 }, isError: false, latencyMs: 12 }),
        ]
      : []),
    event(step, 'StepCompleted', { output: { parts: [{ kind: 'text', text: `done by ${step.agent}` }] }, usage: { inputTokens: 120, outputTokens: 30 }, iterations: 1 }),
  ]);
};
