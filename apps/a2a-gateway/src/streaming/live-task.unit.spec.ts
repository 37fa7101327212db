import type { ShamanEvent, TextDelta } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { applyCommit, applyDelta, startLiveTask, type LiveTask } from './live-task.js';

const address = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003' };
let n = 0;
const meta = () => ({ ...address, eventId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, at: '2026-11-26T10:00:00.000Z' });
const requested = { type: 'RunRequested', data: { agent: { name: 'A', repository: 'r', commit: null }, message: { messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'hi' }] }, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 't' } }, metadata: meta() } as ShamanEvent;
const started = { type: 'StepStarted', data: { agent: { name: 'A', repository: 'r', commit: null }, model: 'x', executorId: 'e', attempt: 1 }, metadata: meta() } as ShamanEvent;
const responded = (iteration: number, content: string) =>
  ({ type: 'LlmResponded', data: { iteration, provider: 'p', model: 'x', requestHash: '0'.repeat(64), response: { content, toolCalls: [], finishReason: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 }, latencyMs: 1 }, metadata: meta() }) as unknown as ShamanEvent;
const completed = (text: string) => ({ type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 }, metadata: meta() }) as ShamanEvent;
const delta = (seq: number, text: string, extra: Partial<TextDelta> = {}): TextDelta => ({ v: 1, iteration: 0, call: 'c1', seq, text, ...extra });

const working = (): LiveTask => applyCommit(startLiveTask([requested])!, [started]).live;
const feed = (live: LiveTask, deltas: TextDelta[]) =>
  deltas.reduce<{ live: LiveTask; chunks: string[] }>((acc, d) => {
    const step = applyDelta(acc.live, d);
    return { live: step.live, chunks: [...acc.chunks, ...step.out.map((e) => (e.kind === 'artifact-update' ? `${e.append ? '+' : '='}${(e.artifact.parts[0] as { text: string }).text}` : e.kind))] };
  }, { live, chunks: [] });

describe('live task: stored events and text deltas as v0.3 stream events', () => {
  it('has no task without a request', () => expect(startLiveTask([started])).toBeNull());

  it('turns a status change into one status update, and a completion into the final artifact then the final status', () => {
    const start = startLiveTask([requested])!;
    expect(start.view.status).toBe('submitted');
    const w = applyCommit(start, [started]);
    expect(w.out).toEqual([expect.objectContaining({ kind: 'status-update', status: expect.objectContaining({ state: 'working' }), final: false })]);
    const done = applyCommit(w.live, [responded(0, 'ok'), completed('ok')]);
    expect(done.out.map((e) => e.kind)).toEqual(['artifact-update', 'status-update']);
    expect(done.out[0]).toMatchObject({ artifact: { artifactId: `${address.stepId}:output`, parts: [{ text: 'ok' }] }, append: false, lastChunk: true });
    expect(done.out[1]).toMatchObject({ status: { state: 'completed' }, final: true });
    expect(done.live.done).toBe(true);
    expect(applyCommit(done.live, [completed('again')]).out).toEqual([]);
  });

  it('streams a call from its first fragment, appending in order', () => {
    expect(feed(working(), [delta(0, 'He'), delta(1, 'll'), delta(2, 'o')]).chunks).toEqual(['=He', '+ll', '+o']);
  });

  it('stops forwarding a call at a gap, and ignores a call it did not see start', () => {
    expect(feed(working(), [delta(0, 'a'), delta(2, 'c'), delta(3, 'd')]).chunks).toEqual(['=a']);
    expect(feed(working(), [delta(1, 'b'), delta(2, 'c')]).chunks).toEqual([]);
  });

  it('starts afresh on a new call (a retry or the next turn), replacing what streamed', () => {
    expect(feed(working(), [delta(0, 'a'), delta(1, 'b'), delta(0, 'x', { call: 'c2' }), delta(1, 'b', { call: 'c1' }), delta(1, 'y', { call: 'c2' })]).chunks).toEqual(['=a', '+b', '=x', '+y']);
  });

  it('drops fragments of a turn whose answer is already recorded, and everything after the end', () => {
    const answered = applyCommit(working(), [responded(0, 'abc')]).live;
    expect(feed(answered, [delta(0, 'a'), delta(1, 'b')]).chunks).toEqual([]);
    expect(feed(answered, [delta(0, 'n', { iteration: 1, call: 'c2' })]).chunks).toEqual(['=n']);
    const ended = applyCommit(answered, [completed('abc')]).live;
    expect(feed(ended, [delta(0, 'z', { iteration: 1, call: 'c3' })]).chunks).toEqual([]);
  });
});
