import { describe, expect, it } from 'vitest';
import { parseAnswer, sendParams } from './a2a-wire.js';

describe('A2A wire shapes of an external call', () => {
  it('sends one text part, non-blocking, in each version’s shape', () => {
    expect(sendParams('0.3', { messageId: 'm1', text: 'hi' })).toEqual({
      message: { kind: 'message', messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'hi' }] },
      configuration: { blocking: false },
    });
    expect(sendParams('1.0', { messageId: 'm1', text: 'hi' })).toEqual({
      message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'hi' }] },
      configuration: { returnImmediately: true },
    });
  });

  it('reads v0.3 tasks and messages by kind, with lowercase states', () => {
    const task = { kind: 'task', id: 't1', contextId: 'c', status: { state: 'completed' }, artifacts: [{ artifactId: 'a', parts: [{ kind: 'text', text: 'one' }, { kind: 'data', data: { n: 2 } }] }] };
    expect(parseAnswer('0.3', task)).toEqual({ kind: 'task', id: 't1', state: 'completed', text: 'one\n\n{"n":2}', statusText: '' });
    expect(parseAnswer('0.3', { kind: 'message', messageId: 'm', role: 'agent', parts: [{ kind: 'text', text: 'hey' }] })).toEqual({ kind: 'message', text: 'hey' });
  });

  it('reads v1.0 {task} and {message} answers of a send, and a bare Task of get/cancel, with ProtoJSON enums', () => {
    const task = { id: 't1', contextId: 'c', status: { state: 'TASK_STATE_INPUT_REQUIRED', message: { messageId: 'q', role: 'ROLE_AGENT', parts: [{ text: 'which?' }] } } };
    expect(parseAnswer('1.0', { task })).toEqual({ kind: 'task', id: 't1', state: 'input-required', text: 'which?', statusText: 'which?' });
    expect(parseAnswer('1.0', task)).toMatchObject({ kind: 'task', state: 'input-required' });
    expect(parseAnswer('1.0', { message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'hey' }] } })).toEqual({ kind: 'message', text: 'hey' });
    expect(parseAnswer('1.0', { ...task, status: { state: 'TASK_STATE_CANCELLED' } })).toMatchObject({ state: 'canceled' });
    expect(parseAnswer('1.0', { ...task, status: { state: 'TASK_STATE_SOMETHING_NEW' } })).toMatchObject({ state: 'unknown' });
  });

  it('falls back to the last agent message of the history when there are no artifacts and no status message', () => {
    const task = { kind: 'task', id: 't', status: { state: 'completed' }, history: [{ role: 'user', parts: [{ kind: 'text', text: 'q' }] }, { role: 'agent', parts: [{ kind: 'text', text: 'a' }] }] };
    expect(parseAnswer('0.3', task)).toMatchObject({ text: 'a' });
  });

  it('refuses what is neither a task nor a message', () => {
    expect(() => parseAnswer('0.3', { hello: 'world' })).toThrow('answered neither a task nor a message');
    expect(() => parseAnswer('1.0', null)).toThrow('answered neither a task nor a message');
    expect(() => parseAnswer('1.0', { task: { id: 't' } })).toThrow('answered neither a task nor a message');
  });
});
