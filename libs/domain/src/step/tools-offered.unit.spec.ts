import type { RunRequested, StepEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain-error.js';
import { evolveStepRow } from '../read-models/evolve-step-row.js';
import { decide } from './step.decider.js';
import { evolve, initialState, toolsOfferChanged, type StepStreamEvent, type WorkingStep } from './step.state.js';

const meta = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003', eventId: '00000000-0000-4000-8000-000000000004', at: '2026-11-26T10:00:00.000Z' } as StepEvent['metadata'];
const command = { at: meta.at, eventId: meta.eventId };
const agent = { name: 'Librarian', repository: '/r', commit: null };
const requested = { type: 'RunRequested', data: { agent, message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'q' }] }, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 's' } }, metadata: meta } as RunRequested;
const started: StepEvent = { type: 'StepStarted', data: { agent, model: 'm', executorId: 'x', attempt: 1 }, metadata: meta };
const lookup = { name: 'kb.lookup', description: 'Looks a topic up', inputSchema: { type: 'object', properties: { topic: { type: 'string' } } } };
const write = { name: 'run_data_write', description: 'Writes run data', inputSchema: { type: 'object' } };
const stateOf = (events: StepStreamEvent[]) => events.reduce(evolve, initialState());

describe('ToolsOffered: what the model was offered, recorded when it changes', () => {
  it('is decided for a working step only, and becomes the step state it is compared against', () => {
    expect(() => decide({ type: 'OfferTools', data: { tools: [lookup] }, metadata: command }, stateOf([requested]))).toThrow(DomainError);
    const working = stateOf([requested, started]) as WorkingStep;
    expect(toolsOfferChanged(working, [])).toBe(false); // a step without tools records nothing
    expect(toolsOfferChanged(working, [lookup])).toBe(true);
    const offered = decide({ type: 'OfferTools', data: { tools: [lookup, write] }, metadata: command }, working);
    expect(offered).toEqual({ type: 'ToolsOffered', data: { tools: [lookup, write] }, metadata: meta });
    const after = evolve(working, offered) as WorkingStep;
    expect(after.offeredTools).toEqual([lookup, write]);
    // The same set (keys in another order) is no change; another order of tools or another schema is.
    expect(toolsOfferChanged(after, [{ inputSchema: { properties: { topic: { type: 'string' } }, type: 'object' }, description: lookup.description, name: lookup.name }, write])).toBe(false);
    expect(toolsOfferChanged(after, [write, lookup])).toBe(true);
    expect(toolsOfferChanged(after, [lookup, { ...write, inputSchema: { type: 'object', required: ['key'] } }])).toBe(true);
  });

  it('leaves the read model row as it was', () => {
    const row = evolveStepRow(evolveStepRow(null, requested, 1), started, 2);
    const offered: StepEvent = { type: 'ToolsOffered', data: { tools: [lookup] }, metadata: meta };
    expect(evolveStepRow(row, offered, 3)).toBe(row);
  });
});
