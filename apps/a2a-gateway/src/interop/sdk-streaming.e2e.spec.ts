import { SendMessageRequest, SubscribeToTaskRequest, TaskState, type StreamResponse } from '@a2a-js/sdk';
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory as JsonRpcTransportFactoryV1, RestTransportFactory as RestTransportFactoryV1, type CallInterceptor, type Client as ClientV1 } from '@a2a-js/sdk/client';
import { newId } from '@shaman/platform';
import type { Message, MessageSendParams, Task, TaskArtifactUpdateEvent, TaskStatusUpdateEvent } from 'a2a-sdk-v03';
import { A2AClient, ClientFactory as ClientFactoryV03, DefaultAgentCardResolver as CardResolverV03, JsonRpcTransportFactory, RestTransportFactory } from 'a2a-sdk-v03/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInteropStack, type InteropStack } from './interop-stack.js';

type V03Event = Message | Task | TaskStatusUpdateEvent | TaskArtifactUpdateEvent;
/** What a v0.3 stream consumer needs: the methods both `A2AClient` and a 0.3 `ClientFactory` client have. */
type V03Streamer = { sendMessageStream(p: MessageSendParams): AsyncGenerator<V03Event>; resubscribeTask(p: { id: string }): AsyncGenerator<V03Event> };

const collect = async <T>(events: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const e of events) all.push(e);
  return all;
};
const message = (text: string, extra: Partial<Message> = {}): Message => ({ kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }], ...extra });
const to = (agent: string, text: string): MessageSendParams => ({ message: message(text), metadata: { agent } });

/** The text a v0.3 consumer assembles: artifact updates (appended chunks or replacements) per artifact. */
const v03Text = (events: V03Event[]): string => {
  const byId = new Map<string, string>();
  for (const e of events) {
    if (e.kind !== 'artifact-update') continue;
    const text = e.artifact.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
    byId.set(e.artifact.artifactId, e.append ? (byId.get(e.artifact.artifactId) ?? '') + text : text);
  }
  return [...byId.values()].join('');
};
const lastStatus = (events: V03Event[]) => {
  const last = events.at(-1);
  expect(last?.kind).toBe('status-update');
  return last as TaskStatusUpdateEvent;
};

/** Streaming through the official SDKs of both lines: message/stream and tasks/resubscribe, over SSE. */
describe('interop: streaming with @a2a-js/sdk 0.3.x and 1.x', () => {
  let stack: InteropStack;
  let legacy: A2AClient;

  beforeAll(async () => {
    stack = await startInteropStack('stream');
    legacy = await A2AClient.fromCardUrl(`${stack.gatewayUrl}/.well-known/agent-card.json`, { fetchImpl: stack.authedFetch });
  });

  afterAll(async () => {
    const codes = await stack?.close();
    expect(codes).toEqual([0, 0, 0]);
  });

  it('the card declares streaming', async () => {
    expect((await legacy.getAgentCard()).capabilities.streaming).toBe(true);
  });

  const v03Clients: [string, () => Promise<V03Streamer>][] = [
    ['A2AClient', async () => legacy],
    ['0.3 ClientFactory, JSON-RPC', async () => new ClientFactoryV03({ transports: [new JsonRpcTransportFactory({ fetchImpl: stack.authedFetch })], cardResolver: new CardResolverV03({ fetchImpl: stack.authedFetch }) }).createFromUrl(stack.gatewayUrl)],
    [
      '0.3 ClientFactory, HTTP+JSON',
      async () =>
        new ClientFactoryV03({ transports: [new RestTransportFactory({ fetchImpl: stack.authedFetch })], preferredTransports: ['HTTP+JSON'], cardResolver: new CardResolverV03({ fetchImpl: stack.authedFetch }) }).createFromUrl(stack.gatewayUrl),
    ],
  ];

  describe.each(v03Clients)('%s', (_name, create) => {
    let client: V03Streamer;
    beforeAll(async () => {
      client = await create();
    });

    it('message/stream: the Task first, then updates, ending with the final completed status', async () => {
      const events = await collect(client.sendMessageStream(to('Echo', 'streamed')));
      expect(events[0]).toMatchObject({ kind: 'task', status: { state: 'submitted' } });
      const last = lastStatus(events);
      expect(last).toMatchObject({ taskId: (events[0] as Task).id, final: true, status: { state: 'completed' } });
      expect(v03Text(events)).toBe('Echo: streamed');
    });

    it('tasks/resubscribe: the current Task first, then the rest until the end', async () => {
      const started = await legacy.sendMessage({ ...to('Paced', 'later'), configuration: { blocking: false } });
      const task = (started as { result: Task }).result;
      const events = await collect(client.resubscribeTask({ id: task.id }));
      expect(events[0]).toMatchObject({ kind: 'task', id: task.id });
      expect(['submitted', 'working']).toContain((events[0] as Task).status.state);
      expect(lastStatus(events)).toMatchObject({ final: true, status: { state: 'completed' } });
      expect(v03Text(events)).toBe('Paced: later');
    });

    it('human input over streams: ends at input-required with the question, the streamed answer completes it', async () => {
      const asked = await collect(client.sendMessageStream(to('Weather', 'What is the weather?')));
      const question = lastStatus(asked);
      expect(question).toMatchObject({ final: true, status: { state: 'input-required', message: { parts: [{ kind: 'text', text: 'Which city?' }] } } });
      const answered = await collect(client.sendMessageStream({ message: message('Oslo', { taskId: question.taskId, contextId: question.contextId }) }));
      expect(lastStatus(answered)).toMatchObject({ taskId: question.taskId, final: true, status: { state: 'completed' } });
      expect(v03Text(answered)).toBe('Weather for Oslo');
    });
  });

  const v1Text = (events: StreamResponse[]): string => {
    const byId = new Map<string, string>();
    for (const { payload } of events) {
      if (payload?.$case !== 'artifactUpdate') continue;
      const { artifact, append } = payload.value;
      const text = (artifact?.parts ?? []).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
      byId.set(artifact?.artifactId ?? '', append ? (byId.get(artifact?.artifactId ?? '') ?? '') + text : text);
    }
    return [...byId.values()].join('');
  };
  const v1LastState = (events: StreamResponse[]) => {
    const last = events.at(-1)?.payload;
    expect(last?.$case).toBe('statusUpdate');
    return last?.$case === 'statusUpdate' ? last.value.status?.state : undefined;
  };

  describe.each([
    ['1.x ClientFactory, JSON-RPC v1.0', () => new JsonRpcTransportFactoryV1(), 'JSONRPC'],
    ['1.x ClientFactory, HTTP+JSON v1.0', () => new RestTransportFactoryV1(), 'HTTP+JSON'],
  ] as const)('%s', (_name, transport, binding) => {
    let client: ClientV1;
    beforeAll(async () => {
      const apiKey: CallInterceptor = {
        before: async (args) => {
          args.options = { ...args.options, serviceParameters: { ...args.options?.serviceParameters, 'x-api-key': stack.tenant.apiKey } };
        },
        after: async () => undefined,
      };
      const factory = new ClientFactory({ transports: [transport()], preferredTransports: [binding], cardResolver: new DefaultAgentCardResolver({ fetchImpl: stack.authedFetch }), clientConfig: { interceptors: [apiKey] } });
      client = await factory.createFromUrl(stack.gatewayUrl);
      expect(client.protocolVersion).toBe('1.0');
    });

    it('SendStreamingMessage: the Task first, ending with TASK_STATE_COMPLETED and the text', async () => {
      const events = await collect(client.sendMessageStream(SendMessageRequest.fromJSON({ message: { messageId: newId(), role: 'ROLE_USER', parts: [{ text: 'v1 stream' }] }, metadata: { agent: 'Echo' } })));
      expect(events[0]?.payload?.$case).toBe('task');
      expect(v1LastState(events)).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(v1Text(events)).toBe('Echo: v1 stream');
    });

    it('SubscribeToTask: the current Task first, then the rest until the end', async () => {
      const started = await legacy.sendMessage({ ...to('Paced', 'v1 later'), configuration: { blocking: false } });
      const task = (started as { result: Task }).result;
      const events = await collect(client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id: task.id })));
      expect(events[0]?.payload).toMatchObject({ $case: 'task', value: { id: task.id } });
      expect(v1LastState(events)).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(v1Text(events)).toBe('Paced: v1 later');
    });
  });
});
