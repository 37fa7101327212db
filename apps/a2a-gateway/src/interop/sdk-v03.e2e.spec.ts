import { newId } from '@shaman/platform';
import { eventually } from '@shaman/testing';
import type { Message, MessageSendParams, Task } from 'a2a-sdk-v03';
import { A2AClient, ClientFactory, DefaultAgentCardResolver, JsonRpcTransport, JsonRpcTransportFactory, RestTransport, RestTransportFactory, TaskNotFoundError, type Client, type ClientFactoryOptions } from 'a2a-sdk-v03/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInteropStack, type InteropStack } from './interop-stack.js';
import { startPushReceiver, type PushReceiver } from './push-receiver.js';

const message = (text: string, extra: Partial<Message> = {}): Message => ({ kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }], ...extra });
const to = (agent: string, text: string, extra: Partial<MessageSendParams> = {}): MessageSendParams => ({ message: message(text), metadata: { agent }, ...extra });

/** A JSON-RPC success from the 0.3 `A2AClient` (it returns error responses instead of throwing), narrowed to a Task. */
const taskOf = (response: { result?: unknown; error?: unknown }): Task => {
  expect(response.error).toBeUndefined();
  expect(response.result).toMatchObject({ kind: 'task' });
  return response.result as Task;
};
const asTask = (result: Task | Message): Task => {
  expect(result.kind).toBe('task');
  return result as Task;
};
const textOf = (task: Task): string | undefined => {
  const part = task.artifacts?.[0]?.parts[0];
  return part?.kind === 'text' ? part.text : undefined;
};

type Variant = { name: string; transport: typeof JsonRpcTransport | typeof RestTransport; options: (fetchImpl: typeof fetch) => Omit<ClientFactoryOptions, 'cardResolver'> };
const VARIANTS: Variant[] = [
  { name: 'ClientFactory, JSON-RPC', transport: JsonRpcTransport, options: (fetchImpl) => ({ transports: [new JsonRpcTransportFactory({ fetchImpl })] }) },
  { name: 'ClientFactory, HTTP+JSON (REST)', transport: RestTransport, options: (fetchImpl) => ({ transports: [new RestTransportFactory({ fetchImpl })], preferredTransports: ['HTTP+JSON'] }) },
];

/**
 * The official @a2a-js/sdk 0.3.x clients (`A2AClient`, and `ClientFactory` over both bindings the card offers)
 * against the real gateway, executor and projector. The key goes in through the SDK's `fetchImpl` hook.
 */
describe('interop: @a2a-js/sdk 0.3.x against the gateway', () => {
  let stack: InteropStack;
  let receiver: PushReceiver;

  beforeAll(async () => {
    [stack, receiver] = await Promise.all([startInteropStack('v03'), startPushReceiver()]);
  });

  afterAll(async () => {
    await receiver?.close();
    const codes = await stack?.close();
    expect(codes).toEqual([0, 0, 0]);
  });

  describe('A2AClient', () => {
    let legacy: A2AClient;

    beforeAll(async () => {
      legacy = await A2AClient.fromCardUrl(`${stack.gatewayUrl}/.well-known/agent-card.json`, { fetchImpl: stack.authedFetch });
    });

    it('resolves the organization card, with its agents as skills and the JSON-RPC endpoint', async () => {
      const card = await legacy.getAgentCard();
      expect(card).toMatchObject({ protocolVersion: expect.stringMatching(/^0\.3/), url: `${stack.gatewayUrl}/a2a/v1`, preferredTransport: 'JSONRPC' });
      expect(card.skills.map((s) => s.id)).toEqual(expect.arrayContaining(['Echo', 'Weather', 'Slow']));
    });

    it('a blocking send answers with the completed Task; tasks/get honours historyLength', async () => {
      const sent = taskOf(await legacy.sendMessage(to('Echo', 'hello sdk')));
      expect(sent.status.state).toBe('completed');
      expect(textOf(sent)).toBe('Echo: hello sdk');

      // Read right after the answer: tasks/get never serves a read-model row that is behind the log.
      const completed = async (historyLength?: number) => taskOf(await legacy.getTask({ id: sent.id, historyLength }));
      const full = await completed();
      expect(full).toMatchObject({ id: sent.id, contextId: sent.contextId, status: { state: 'completed' } });
      expect(full.history?.map((m) => m.role)).toEqual(['user', 'agent']);
      expect((await completed(1)).history?.map((m) => m.role)).toEqual(['agent']);
    });

    it('a non-blocking send answers at once; cancel ends the task', async () => {
      const slow = taskOf(await legacy.sendMessage(to('Slow', 'take your time', { configuration: { blocking: false } })));
      expect(['submitted', 'working']).toContain(slow.status.state);
      expect(taskOf(await legacy.cancelTask({ id: slow.id })).status.state).toBe('canceled');
    });

    it('an unknown task is -32001', async () => {
      expect(await legacy.getTask({ id: newId() })).toMatchObject({ error: { code: -32001 } });
    });

    it('human input: the agent asks (input-required), the answer sent with taskId completes the same task', async () => {
      const asked = taskOf(await legacy.sendMessage(to('Weather', 'What is the weather?')));
      expect(asked.status).toMatchObject({ state: 'input-required', message: { role: 'agent', parts: [{ kind: 'text', text: 'Which city?' }] } });
      const done = taskOf(await legacy.sendMessage({ message: message('Paris', { taskId: asked.id, contextId: asked.contextId }) }));
      expect(done).toMatchObject({ id: asked.id, status: { state: 'completed' } });
      expect(textOf(done)).toBe('Weather for Paris');
    });

    it('push config set, get, list, delete', async () => {
      const task = taskOf(await legacy.sendMessage(to('Slow', 'configure me', { configuration: { blocking: false } })));
      const set = await legacy.setTaskPushNotificationConfig({ taskId: task.id, pushNotificationConfig: { id: 'hook-a', url: receiver.url, token: 'a' } });
      expect(set).toMatchObject({ result: { taskId: task.id, pushNotificationConfig: { id: 'hook-a', url: receiver.url, token: 'a' } } });
      expect(await legacy.getTaskPushNotificationConfig({ id: task.id, pushNotificationConfigId: 'hook-a' } as { id: string })).toMatchObject({ result: { pushNotificationConfig: { id: 'hook-a' } } });
      expect(await legacy.listTaskPushNotificationConfig({ id: task.id })).toMatchObject({ result: [{ taskId: task.id, pushNotificationConfig: { id: 'hook-a' } }] });
      expect(await legacy.deleteTaskPushNotificationConfig({ id: task.id, pushNotificationConfigId: 'hook-a' })).toMatchObject({ result: null });
      expect(await legacy.listTaskPushNotificationConfig({ id: task.id })).toMatchObject({ result: [] });
      taskOf(await legacy.cancelTask({ id: task.id }));
    });
  });

  /**
   * A running task, started over JSON-RPC: the 0.3 SDK's REST transport cannot send `blocking: false` (proto3 JSON
   * omits a false bool, and the gateway reads the omission as blocking; reported on issue 3).
   */
  const startSlow = async (text: string): Promise<Task> => {
    const res = await stack.authedFetch(`${stack.gatewayUrl}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: to('Slow', text, { configuration: { blocking: false } }) }),
    });
    return taskOf((await res.json()) as { result?: unknown });
  };

  describe.each(VARIANTS)('$name', (variant) => {
    let client: Client;

    beforeAll(async () => {
      const factory = new ClientFactory({ ...variant.options(stack.authedFetch), cardResolver: new DefaultAgentCardResolver({ fetchImpl: stack.authedFetch }) });
      client = await factory.createFromUrl(stack.gatewayUrl);
    });

    it('picks the binding from the card', () => {
      expect(client.transport).toBeInstanceOf(variant.transport);
    });

    it('fetches the authenticated extended card, listing only what the key may call', async () => {
      const card = await client.getAgentCard();
      expect(card.supportsAuthenticatedExtendedCard).toBe(true);
      const scopedKey = await stack.issueKey(['/agents/Echo:execute']);
      const scopedFetch: typeof fetch = (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('x-api-key', scopedKey);
        return fetch(input, { ...init, headers });
      };
      const limited = await new ClientFactory(variant.options(scopedFetch)).createFromAgentCard(card);
      expect((await limited.getAgentCard()).skills.map((s) => s.id)).toEqual(['Echo']);
    });

    it('send (blocking), get, and cancel a running task', async () => {
      const sent = asTask(await client.sendMessage(to('Echo', `via ${variant.name}`)));
      expect(sent.status.state).toBe('completed');
      expect(textOf(sent)).toBe(`Echo: via ${variant.name}`);

      const slow = await startSlow('take your time');
      expect(await client.getTask({ id: slow.id })).toMatchObject({ id: slow.id, metadata: { 'shaman:agent': 'Slow' } });
      expect(await client.cancelTask({ id: slow.id })).toMatchObject({ id: slow.id, status: { state: 'canceled' } });
      const got = await eventually(async () => {
        const task = await client.getTask({ id: slow.id });
        return task.status.state === 'working' || task.status.state === 'submitted' ? undefined : task;
      }, { what: 'tasks/get to leave working' });
      expect(got.status.state).toBe('canceled');
    });

    it('an unknown task throws the SDK TaskNotFoundError', async () => {
      await expect(client.getTask({ id: newId() })).rejects.toBeInstanceOf(TaskNotFoundError);
    });

    it('human input: input-required, then the answer with taskId completes the task', async () => {
      const asked = asTask(await client.sendMessage(to('Weather', 'What is the weather?')));
      expect(asked.status).toMatchObject({ state: 'input-required', message: { parts: [{ kind: 'text', text: 'Which city?' }] } });
      const done = asTask(await client.sendMessage({ message: message('Rome', { taskId: asked.id, contextId: asked.contextId }) }));
      expect(done).toMatchObject({ id: asked.id, status: { state: 'completed' } });
      expect(textOf(done)).toBe('Weather for Rome');
    });

    it('push config set, get, list, delete; the cancellation is notified with the token', async () => {
      const task = await startSlow('notify me');
      const token = `tok-${newId()}`;
      const set = await client.setTaskPushNotificationConfig({ taskId: task.id, pushNotificationConfig: { id: 'hook-1', url: receiver.url, token } });
      expect(set).toMatchObject({ taskId: task.id, pushNotificationConfig: { id: 'hook-1', url: receiver.url, token } });
      expect(await client.getTaskPushNotificationConfig({ id: task.id, pushNotificationConfigId: 'hook-1' } as { id: string })).toMatchObject({ pushNotificationConfig: { id: 'hook-1' } });
      expect((await client.listTaskPushNotificationConfig({ id: task.id })).map((c) => c.pushNotificationConfig.id)).toEqual(['hook-1']);

      await client.cancelTask({ id: task.id });
      const notified = await eventually(async () => receiver.received.find((n) => n.headers['x-a2a-notification-token'] === token && /canceled/.test(JSON.stringify(n.body))), {
        what: 'the cancellation to be notified',
      });
      expect(notified.body).toMatchObject({ id: task.id, status: { state: 'canceled' } });

      await client.deleteTaskPushNotificationConfig({ id: task.id, pushNotificationConfigId: 'hook-1' });
      expect(await client.listTaskPushNotificationConfig({ id: task.id })).toEqual([]);
    });
  });
});
