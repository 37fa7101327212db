import { describe, expect, it } from 'vitest';
import { pushConfigToRest03, sendParamsFromRest03, sendResultToRest03, streamEventToRest03 } from './v03-rest-shapes.js';

describe('v0.3 REST dialect (0.3 proto JSON) ↔ v0.3 JSON-RPC objects', () => {
  it('reads a2a-js 0.3 REST send bodies: content, ROLE_*, file and data parts, pushNotification', () => {
    const params = sendParamsFromRest03({
      message: { messageId: 'm', role: 'ROLE_USER', content: [{ text: 'hi' }, { file: { fileWithUri: 'https://x/a', mimeType: 'image/png' } }, { data: { data: { a: 1 } } }] },
      configuration: { blocking: false, pushNotification: { url: 'https://h' } },
      metadata: { agent: 'Echo' },
    });
    expect(params).toEqual({
      message: { kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'hi' }, { kind: 'file', file: { uri: 'https://x/a', mimeType: 'image/png' } }, { kind: 'data', data: { a: 1 } }] },
      configuration: { blocking: false, pushNotificationConfig: { url: 'https://h' } },
      metadata: { agent: 'Echo' },
    });
  });

  it('reads proto3 JSON: a configuration without blocking is non-blocking, no configuration is blocking', () => {
    const message = { messageId: 'm', role: 'ROLE_USER', content: [{ text: 'hi' }] };
    expect(sendParamsFromRest03({ message, configuration: {} })).toMatchObject({ configuration: { blocking: false } });
    expect(sendParamsFromRest03({ message, configuration: { blocking: true } })).toMatchObject({ configuration: { blocking: true } });
    expect(sendParamsFromRest03({ message })).not.toHaveProperty('configuration');
    expect(sendParamsFromRest03({ message: { kind: 'message', messageId: 'm', role: 'user', parts: [] }, configuration: {} })).toHaveProperty('configuration', {});
  });

  it('passes a JSON-RPC-shaped message through unchanged', () => {
    const message = { kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'hi' }] };
    expect(sendParamsFromRest03({ message })).toEqual({ message });
  });

  it('writes tasks with TASK_STATE_CANCELLED, content and {task} wrapping', () => {
    const task = { kind: 'task', id: 't', contextId: 'c', status: { state: 'canceled' }, history: [{ kind: 'message', messageId: 'm', role: 'agent', parts: [{ kind: 'text', text: 'x' }] }] };
    expect(sendResultToRest03(task)).toEqual({ task: { id: 't', contextId: 'c', status: { state: 'TASK_STATE_CANCELLED' }, history: [{ messageId: 'm', role: 'ROLE_AGENT', content: [{ text: 'x' }] }] } });
  });

  it('keeps final on status updates (0.3 has it) and names push configs by resource', () => {
    expect(streamEventToRest03({ kind: 'status-update', taskId: 't', contextId: 'c', final: true, status: { state: 'input-required' } })).toEqual({ statusUpdate: { taskId: 't', contextId: 'c', final: true, status: { state: 'TASK_STATE_INPUT_REQUIRED' } } });
    expect(pushConfigToRest03({ taskId: 't', pushNotificationConfig: { id: 'p', url: 'https://h' } })).toEqual({ name: 'tasks/t/pushNotificationConfigs/p', pushNotificationConfig: { id: 'p', url: 'https://h' } });
  });
});
