import { CancelTaskRequest, DeleteTaskPushNotificationConfigRequest, GetTaskPushNotificationConfigRequest, GetTaskRequest, ListTaskPushNotificationConfigsRequest, ListTasksRequest, Role, SendMessageRequest, TaskPushNotificationConfig, TaskState, type Message, type SendMessageResult, type Task } from '@a2a-js/sdk';
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, RestTransportFactory, type CallInterceptor, type Client, type ClientFactoryOptions } from '@a2a-js/sdk/client';
import { newId } from '@shaman/platform';
import { eventually } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInteropStack, type InteropStack } from './interop-stack.js';
import { startPushReceiver, type PushReceiver } from './push-receiver.js';

const userMessage = (text: string, extra: { taskId?: string; contextId?: string } = {}) => ({ messageId: newId(), role: 'ROLE_USER', parts: [{ text }], ...extra });
const send = (input: { agent?: string; message: ReturnType<typeof userMessage>; returnImmediately?: boolean }) =>
  SendMessageRequest.fromJSON({ message: input.message, ...(input.agent ? { metadata: { agent: input.agent } } : {}), ...(input.returnImmediately ? { configuration: { returnImmediately: true } } : {}) });
const to = (agent: string, text: string, returnImmediately = false) => send({ agent, message: userMessage(text), returnImmediately });

const asTask = (result: SendMessageResult): Task => {
  expect(result).toHaveProperty('status');
  return result as Task;
};
const textOf = (parts: Message['parts'] | undefined): string | undefined => {
  const content = parts?.[0]?.content;
  return content?.$case === 'text' ? content.value : undefined;
};

type Variant = {
  name: string;
  /** What the client should end up speaking. */
  protocol: { binding: string; version: string };
  /**
   * Headers set on the card request besides the key. The gateway answers with the card of the `A2A-Version` asked
   * for; the 1.x resolver asks for 1.0 itself, so only the v0.3 variant overrides it.
   */
  cardHeaders: Record<string, string>;
  options: (fetchImpl: typeof fetch) => Omit<ClientFactoryOptions, 'cardResolver' | 'clientConfig'>;
};

const VARIANTS: Variant[] = [
  { name: 'JSON-RPC, v1.0', protocol: { binding: 'JSONRPC', version: '1.0' }, cardHeaders: {}, options: () => ({ transports: [new JsonRpcTransportFactory()] }) },
  {
    name: 'HTTP+JSON (REST), v1.0',
    protocol: { binding: 'HTTP+JSON', version: '1.0' },
    cardHeaders: {},
    options: () => ({ transports: [new RestTransportFactory()], preferredTransports: ['HTTP+JSON'] }),
  },
  {
    name: 'JSON-RPC, v0.3 card through legacyCompat',
    protocol: { binding: 'JSONRPC', version: '0.3' },
    cardHeaders: { 'A2A-Version': '0.3' },
    options: () => ({ transports: [new JsonRpcTransportFactory({ legacyCompat: { enabled: true } })] }),
  },
];

/**
 * The official @a2a-js/sdk 1.x `ClientFactory` against the real gateway, executor and projector, over each binding
 * and version the card offers. The key goes in through the SDK's own hooks: `fetchImpl` for the card, a call
 * interceptor (service parameters, sent as headers) for every call.
 */
describe('interop: @a2a-js/sdk 1.x ClientFactory against the gateway', () => {
  let stack: InteropStack;
  let receiver: PushReceiver;

  beforeAll(async () => {
    [stack, receiver] = await Promise.all([startInteropStack('v1'), startPushReceiver()]);
  });

  afterAll(async () => {
    await receiver?.close();
    const codes = await stack?.close();
    expect(codes).toEqual([0, 0, 0]);
  });

  describe.each(VARIANTS)('$name', (variant) => {
    let client: Client;

    beforeAll(async () => {
      const apiKey: CallInterceptor = {
        before: async (args) => {
          args.options = { ...args.options, serviceParameters: { ...args.options?.serviceParameters, 'x-api-key': stack.tenant.apiKey } };
        },
        after: async () => undefined,
      };
      const cardFetch: typeof fetch = (input, init) => {
        const headers = new Headers(init?.headers);
        for (const [name, value] of Object.entries(variant.cardHeaders)) headers.set(name, value);
        return stack.authedFetch(input, { ...init, headers });
      };
      const legacyCompat = { enabled: variant.protocol.version === '0.3' };
      const factory = new ClientFactory({ ...variant.options(stack.authedFetch), cardResolver: new DefaultAgentCardResolver({ fetchImpl: cardFetch, legacyCompat }), clientConfig: { interceptors: [apiKey] } });
      client = await factory.createFromUrl(stack.gatewayUrl);
    });

    it('resolves the card and picks the expected binding and version', async () => {
      expect(client.protocolVersion).toBe(variant.protocol.version);
      expect(client.transport.protocolName).toBe(variant.protocol.binding);
      const card = await client.getAgentCard();
      expect(card.skills.map((s) => s.id)).toEqual(expect.arrayContaining(['Echo', 'Weather', 'Slow']));
    });

    // Only the extended card filters by the key's scopes, so a key limited to Echo tells which card the client got.
    if (variant.protocol.version === '1.0') it('fetches the authenticated extended card, listing only what the key may call', async () => {
      const scopedKey = await stack.issueKey(['/agents/Echo:execute']);
      const scoped: CallInterceptor = {
        before: async (args) => {
          args.options = { ...args.options, serviceParameters: { ...args.options?.serviceParameters, 'x-api-key': scopedKey } };
        },
        after: async () => undefined,
      };
      const publicCard = await client.getAgentCard();
      expect(publicCard.capabilities?.extendedAgentCard).toBe(true);
      const factory = new ClientFactory({ ...variant.options(stack.authedFetch), clientConfig: { interceptors: [scoped] } });
      const limited = await factory.createFromAgentCard(publicCard);
      expect((await limited.getAgentCard()).skills.map((s) => s.id)).toEqual(['Echo']);
    });

    it('send (blocking) completes; get honours historyLength', async () => {
      const sent = asTask(await client.sendMessage(to('Echo', `hello ${variant.name}`)));
      expect(sent.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(textOf(sent.artifacts[0]?.parts)).toBe(`Echo: hello ${variant.name}`);

      // Read right after the answer: tasks/get never serves a read-model row that is behind the log.
      const completed = async (historyLength?: number) => {
        const got = await client.getTask(GetTaskRequest.fromJSON({ id: sent.id, historyLength }));
        expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
        return got;
      };
      expect((await completed()).history.map((m) => m.role)).toEqual([Role.ROLE_USER, Role.ROLE_AGENT]);
      expect((await completed(1)).history.map((m) => m.role)).toEqual([Role.ROLE_AGENT]);
    });

    it('cancels a running task', async () => {
      const slow = asTask(await client.sendMessage(to('Slow', 'take your time', true)));
      expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(slow.status?.state);
      const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id: slow.id }));
      expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    });

    it('rejects an unknown task with the SDK error for task-not-found', async () => {
      await expect(client.getTask(GetTaskRequest.fromJSON({ id: newId() }))).rejects.toThrow(/not found/i);
    });

    it('human input: input-required with the question, then the answer with taskId completes the task', async () => {
      const asked = asTask(await client.sendMessage(to('Weather', 'What is the weather?')));
      expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      expect(textOf(asked.status?.message?.parts)).toBe('Which city?');

      const done = asTask(await client.sendMessage(send({ message: userMessage('Paris', { taskId: asked.id, contextId: asked.contextId }) })));
      expect(done).toMatchObject({ id: asked.id, status: { state: TaskState.TASK_STATE_COMPLETED } });
      expect(textOf(done.artifacts[0]?.parts)).toBe('Weather for Paris');
    });

    it('push config: create, get, list, delete; the task notifications reach the receiver with the token', async () => {
      const task = asTask(await client.sendMessage(to('Slow', 'notify me', true)));
      const token = `tok-${newId()}`;
      const created = await client.createTaskPushNotificationConfig(TaskPushNotificationConfig.fromJSON({ taskId: task.id, id: 'hook-1', url: receiver.url, token }));
      expect(created).toMatchObject({ taskId: task.id, id: 'hook-1', url: receiver.url, token });
      expect(await client.getTaskPushNotificationConfig(GetTaskPushNotificationConfigRequest.fromJSON({ taskId: task.id, id: 'hook-1' }))).toMatchObject({ id: 'hook-1', url: receiver.url });
      const listed = await client.listTaskPushNotificationConfig(ListTaskPushNotificationConfigsRequest.fromJSON({ taskId: task.id }));
      expect(listed.configs.map((c) => c.id)).toEqual(['hook-1']);

      await client.cancelTask(CancelTaskRequest.fromJSON({ id: task.id }));
      const canceled = await eventually(async () => receiver.received.find((n) => n.headers['x-a2a-notification-token'] === token && /canceled/i.test(JSON.stringify(n.body))), {
        what: 'the cancellation to be notified',
      });
      expect(JSON.stringify(canceled.body)).toContain(task.id);

      await client.deleteTaskPushNotificationConfig(DeleteTaskPushNotificationConfigRequest.fromJSON({ taskId: task.id, id: 'hook-1' }));
      expect((await client.listTaskPushNotificationConfig(ListTaskPushNotificationConfigsRequest.fromJSON({ taskId: task.id }))).configs).toEqual([]);
      await expect(client.getTaskPushNotificationConfig(GetTaskPushNotificationConfigRequest.fromJSON({ taskId: task.id, id: 'hook-1' }))).rejects.toThrow();
    });

    // v0.3 has no list method on JSON-RPC (only REST's GET /v1/tasks), so the 0.3 variant has no list test.
    if (variant.protocol.version === '1.0') it('lists the tasks of a context, newest first, in pages', async () => {
      const first = asTask(await client.sendMessage(to('Echo', 'one')));
      const second = asTask(await client.sendMessage(send({ agent: 'Echo', message: userMessage('two', { contextId: first.contextId }) })));
      expect(second.contextId).toBe(first.contextId);
      // Lists come from the read model, which the projector fills a moment after the task ends.
      const listed = await eventually(async () => {
        const page = await client.listTasks(ListTasksRequest.fromJSON({ contextId: first.contextId }));
        return page.tasks.length === 2 && page.tasks.every((t) => t.status?.state === TaskState.TASK_STATE_COMPLETED) ? page : undefined;
      }, { what: 'both tasks to be listed as completed' });
      expect(listed.tasks.map((t) => t.id)).toEqual([second.id, first.id]);

      const one = await client.listTasks(ListTasksRequest.fromJSON({ contextId: first.contextId, pageSize: 1 }));
      expect(one.tasks.map((t) => t.id)).toEqual([second.id]);
      expect(one.nextPageToken).not.toBe('');
      const two = await client.listTasks(ListTasksRequest.fromJSON({ contextId: first.contextId, pageSize: 1, pageToken: one.nextPageToken }));
      expect(two.tasks.map((t) => t.id)).toEqual([first.id]);
      expect(two.nextPageToken).toBe('');
    });
  });
});
