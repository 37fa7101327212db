import { describe, expect, it } from 'vitest';
import { A2AError } from '../errors.js';
import { internalMethodName } from './method-names.js';
import { paramsFromV1, stateFromV1 } from './v1-inbound.js';
import { resultToV1, stateToV1, streamEventToV1 } from './v1-outbound.js';
import { partFromV1, partToV1 } from './v1-parts.js';
import { negotiateVersion } from './version.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof A2AError ? error.rpcCode : 'not an A2AError';
  }
  return 'no error';
};

const v03Task = {
  kind: 'task',
  id: 't1',
  contextId: 'c1',
  status: { state: 'input-required', timestamp: '2026-01-01T00:00:00.000Z', message: { kind: 'message', messageId: 'q', role: 'agent', parts: [{ kind: 'text', text: 'Which city?' }] } },
  artifacts: [{ artifactId: 'a', name: 'response', parts: [{ kind: 'data', data: { n: 1 } }] }],
  history: [{ kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'file', file: { uri: 'https://x/y.png', mimeType: 'image/png', name: 'y.png' } }] }],
  metadata: { 'shaman:agent': 'Echo' },
};

describe('A2A-Version negotiation', () => {
  it.each([[undefined, '0.3'], ['', '0.3'], [' 0.3 ', '0.3'], ['0.3.0', '0.3'], ['1.0', '1.0'], ['1.0.1', '1.0'], [['1.0'], '1.0']])('%j → %s', (header, version) => {
    expect(negotiateVersion(header)).toBe(version);
  });
  it.each([['0.2'], ['1.1'], ['2.0'], ['latest'], ['1']])('%j → -32009', (header) => {
    expect(codeOf(() => negotiateVersion(header))).toBe(-32009);
  });
});

describe('method tables', () => {
  it('knows each name in its own version only', () => {
    expect(internalMethodName('1.0', 'SendStreamingMessage')).toBe('message/stream');
    expect(internalMethodName('1.0', 'ListTaskPushNotificationConfigs')).toBe('tasks/pushNotificationConfig/list');
    expect(internalMethodName('1.0', 'tasks/get')).toBeNull();
    expect(internalMethodName('1.0', 'toString')).toBeNull();
    expect(internalMethodName('0.3', 'tasks/resubscribe')).toBe('tasks/resubscribe');
    expect(internalMethodName('0.3', 'GetTask')).toBeNull();
    expect(internalMethodName('0.3', 'tasks/list')).toBeNull();
  });
});

describe('v1.0 → internal (v0.3) params', () => {
  it('translates SendMessage: parts, role, returnImmediately, push config', () => {
    const params = paramsFromV1('message/send', {
      tenant: 'x',
      message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }, { url: 'https://x/a.png', mediaType: 'image/png', filename: 'a.png' }, { raw: 'aGk=' }, { data: [1, 2] }], taskId: 't' },
      configuration: { returnImmediately: true, historyLength: 2, taskPushNotificationConfig: { url: 'https://hook', token: 'tok', authentication: { scheme: 'Bearer', credentials: 'c' } } },
      metadata: { agent: 'Echo' },
    });
    expect(params).toEqual({
      message: {
        kind: 'message',
        messageId: 'm',
        role: 'user',
        taskId: 't',
        parts: [
          { kind: 'text', text: 'hi' },
          { kind: 'file', file: { uri: 'https://x/a.png', mimeType: 'image/png', name: 'a.png' } },
          { kind: 'file', file: { bytes: 'aGk=' } },
          { kind: 'data', data: { value: [1, 2] }, metadata: { 'shaman:wrappedValue': true } },
        ],
      },
      configuration: { blocking: false, historyLength: 2, pushNotificationConfig: { url: 'https://hook', token: 'tok', authentication: { schemes: ['Bearer'], credentials: 'c' } } },
      metadata: { agent: 'Echo' },
    });
  });

  it('defaults to blocking when returnImmediately is absent', () => {
    expect(paramsFromV1('message/send', { message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'x' }] }, configuration: {} })).toMatchObject({ message: { role: 'agent' }, configuration: { blocking: true } });
  });

  it('refuses bad v1 shapes with -32602', () => {
    expect(codeOf(() => paramsFromV1('message/send', { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ kind: 'text', text: 'x' }] } }))).toBe(-32602);
    expect(codeOf(() => paramsFromV1('message/send', { message: { messageId: 'm', role: 'ROLE_USER', parts: [{}] } }))).toBe(-32602);
    expect(codeOf(() => paramsFromV1('tasks/get', { id: 't', historyLength: -1 }))).toBe(-32602);
    expect(codeOf(() => paramsFromV1('tasks/list', { status: 'completed' }))).toBe(-32602);
  });

  it('translates ListTasks states and push-config requests', () => {
    expect(paramsFromV1('tasks/list', { tenant: '', status: 'TASK_STATE_INPUT_REQUIRED', pageSize: 10 })).toEqual({ status: 'input-required', pageSize: 10 });
    expect(paramsFromV1('tasks/list', { contextId: '', pageToken: '', status: 'TASK_STATE_UNSPECIFIED' })).toEqual({});
    expect(paramsFromV1('tasks/pushNotificationConfig/get', { taskId: 't', id: 'p' })).toEqual({ id: 't', pushNotificationConfigId: 'p' });
    expect(paramsFromV1('tasks/pushNotificationConfig/list', { taskId: 't' })).toEqual({ id: 't' });
    expect(paramsFromV1('tasks/pushNotificationConfig/set', { taskId: 't', url: 'https://h' })).toEqual({ taskId: 't', pushNotificationConfig: { url: 'https://h' } });
  });

  it('maps every state both ways', () => {
    for (const s of ['submitted', 'working', 'input-required', 'completed', 'canceled', 'failed', 'rejected', 'auth-required']) expect(stateFromV1(stateToV1(s))).toBe(s);
    expect(stateToV1('unknown')).toBe('TASK_STATE_UNSPECIFIED');
  });
});

describe('internal (v0.3) results → v1.0', () => {
  it('maps a Task: no kind, ProtoJSON enums, parts as text/url/data', () => {
    const v1 = resultToV1('tasks/get', v03Task) as Record<string, unknown>;
    expect(v1).toEqual({
      id: 't1',
      contextId: 'c1',
      status: { state: 'TASK_STATE_INPUT_REQUIRED', timestamp: '2026-01-01T00:00:00.000Z', message: { messageId: 'q', role: 'ROLE_AGENT', parts: [{ text: 'Which city?' }] } },
      artifacts: [{ artifactId: 'a', name: 'response', parts: [{ data: { n: 1 } }] }],
      history: [{ messageId: 'm', role: 'ROLE_USER', parts: [{ url: 'https://x/y.png', mediaType: 'image/png', filename: 'y.png' }] }],
      metadata: { 'shaman:agent': 'Echo' },
    });
  });

  it('wraps a send result as {task} or {message}', () => {
    expect(resultToV1('message/send', v03Task)).toHaveProperty('task.id', 't1');
    expect(resultToV1('message/send', { kind: 'message', messageId: 'r', role: 'agent', parts: [{ kind: 'text', text: 'hi' }] })).toEqual({ message: { messageId: 'r', role: 'ROLE_AGENT', parts: [{ text: 'hi' }] } });
  });

  it('maps stream items to StreamResponse members without kind or final', () => {
    expect(streamEventToV1({ kind: 'status-update', taskId: 't', contextId: 'c', final: true, status: { state: 'completed' } })).toEqual({ statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } } });
    expect(streamEventToV1({ kind: 'artifact-update', taskId: 't', contextId: 'c', append: true, artifact: { artifactId: 'a', parts: [{ kind: 'text', text: 'tok' }] } })).toEqual({
      artifactUpdate: { taskId: 't', contextId: 'c', append: true, artifact: { artifactId: 'a', parts: [{ text: 'tok' }] } },
    });
    expect(streamEventToV1(v03Task as never)).toHaveProperty('task.status.state', 'TASK_STATE_INPUT_REQUIRED');
  });

  it('round-trips parts, including a non-object data value', () => {
    for (const p of [{ text: 'a', metadata: { k: 1 } }, { raw: 'aGk=', mediaType: 'text/plain' }, { url: 'https://x', filename: 'f' }, { data: 'scalar' }, { data: { a: [1] } }]) {
      expect(partToV1(partFromV1(p))).toEqual(p);
    }
  });

  it('flattens push configs and lists them with an empty page token', () => {
    const v03 = { taskId: 't', pushNotificationConfig: { id: 'p', url: 'https://h', token: 'tok', authentication: { schemes: ['Bearer'], credentials: 'c' } } };
    expect(resultToV1('tasks/pushNotificationConfig/get', v03)).toEqual({ taskId: 't', id: 'p', url: 'https://h', token: 'tok', authentication: { scheme: 'Bearer', credentials: 'c' } });
    expect(resultToV1('tasks/pushNotificationConfig/list', [v03])).toMatchObject({ configs: [{ id: 'p' }], nextPageToken: '' });
    expect(resultToV1('tasks/pushNotificationConfig/delete', null)).toEqual({});
  });
});
