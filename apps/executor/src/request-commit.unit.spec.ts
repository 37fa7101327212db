import type { JsMsg } from '@nats-io/jetstream';
import { encodeCommit } from '@shaman/event-store';
import { describe, expect, it } from 'vitest';
import { requestCommitOf } from './request-commit.js';

const delivery = (data: Uint8Array): JsMsg => ({ data }) as unknown as JsMsg;

describe('requestCommitOf', () => {
  it('decodes a delivery once: the edge and the handler get the same commit', () => {
    const m = delivery(encodeCommit([{ type: 'RunRequested', data: { n: 1 } }]));
    const first = requestCommitOf(m);
    expect(first.events).toEqual([{ type: 'RunRequested', data: { n: 1 } }]);
    expect(requestCommitOf(m)).toBe(first);
    expect(requestCommitOf(delivery(m.data))).not.toBe(first);
  });

  it('throws for data that is not a commit, every time', () => {
    const m = delivery(new TextEncoder().encode('{"not":"a commit"}'));
    expect(() => requestCommitOf(m)).toThrow(/missing events array/);
    expect(() => requestCommitOf(m)).toThrow(/missing events array/);
  });
});
