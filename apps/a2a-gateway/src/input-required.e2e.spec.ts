import { newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, eventually, startStack, type TestDatabase, type TestNats, type TestStack, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Task = { id: string; contextId: string; status: { state: string; message?: { role: string; parts: { text: string }[] } }; artifacts?: { parts: { text: string }[] }[] };

/** `request_user_input` across real processes: the step parks (no executor holds it) until the answer arrives by A2A. */
describe('input-required: A2A question and answer, across real processes', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let tenant: TestTenant;
  let stack: TestStack;

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    const repo = await mkdtemp(join(tmpdir(), 'shaman-e2e-input-'));
    await writeFile(join(repo, 'Weather.md'), '---\nname: Weather\nmodel: scripted\ndescription: Asks for a city\ntools: [request_user_input]\n---\nAsk which city.\n');
    await writeFile(
      join(repo, 'Weather.script.yaml'),
      'turns:\n  - toolCalls: [{ name: request_user_input, arguments: { prompt: "Which city?" } }]\n  - reply: "Weather for {{lastToolResult}}"\n',
    );
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    stack = await startStack({ db, nats, executorEnv: { EXECUTOR_ID: 'e2e-input' } });
  });

  afterAll(async () => {
    const codes = await stack.stop();
    await nats?.cleanup();
    await db?.cleanup();
    expect(codes).toEqual([0, 0, 0, 0]);
  });

  const a2a = async (method: string, params: unknown) => {
    const res = await fetch(`${stack.gatewayUrl}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, body: JSON.stringify({ jsonrpc: '2.0', id: newId(), method, params }) });
    return (await res.json()) as { result?: Task; error?: { code: number; message: string } };
  };
  const message = (text: string, extra: Record<string, unknown> = {}) => ({ kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }], ...extra });

  it('asks, waits without an executor, and completes with the answer sent with taskId', async () => {
    const asked = await a2a('message/send', { message: message('What is the weather?'), metadata: { agent: 'Weather' } });
    expect(asked.result).toMatchObject({ status: { state: 'input-required', message: { role: 'agent', parts: [{ text: 'Which city?' }] } } });
    const taskId = asked.result!.id;

    // Once projected, tasks/get still shows the question (the read model says input-required; the prompt comes from the log).
    const projected = await eventually(async () => {
      const got = await a2a('tasks/get', { id: taskId });
      return got.result?.status.state === 'input-required' ? got.result : undefined;
    }, { what: 'tasks/get to show input-required' });
    expect(projected.status.message?.parts[0]?.text).toBe('Which city?');

    const done = await a2a('message/send', { message: message('Paris', { taskId, contextId: asked.result!.contextId }) });
    expect(done.result).toMatchObject({ id: taskId, status: { state: 'completed' } });
    expect(done.result?.artifacts?.[0]?.parts[0]?.text).toBe('Weather for Paris');

    const late = await a2a('message/send', { message: message('Rome', { taskId }) });
    expect(late.error).toMatchObject({ code: -32004 });
  });
});
