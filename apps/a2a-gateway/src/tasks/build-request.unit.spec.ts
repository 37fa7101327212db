import { RunRequested } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { MessageSendParams } from '../jsonrpc/params.js';
import { buildRequest } from './send-message.js';

const ORG = '0b6f1c1e-8d7a-4a57-9d9e-0b9a4c5b6d7e';
const RUN = '6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const PARENT = '7b2e3d4c-5f6a-4b7c-9d8e-0f1a2b3c4d5e';
const params = MessageSendParams.parse({ message: { kind: 'message', messageId: 'm-1', role: 'user', parts: [{ kind: 'text', text: 'hi' }] } });
const build = (input: { contextRun: string | null; call?: boolean }) =>
  buildRequest({
    orgId: ORG,
    agent: { name: 'Echo', repository: 'agents', commit: 'c0ffee' },
    params,
    parts: params.message.parts,
    contextRun: input.contextRun,
    at: '2026-11-26T00:00:00.000Z',
    origin: input.call ? { initiator: { kind: 'agent', id: PARENT }, call: { parentStepId: PARENT, depth: 1, callChain: ['Boss'] } } : { initiator: { kind: 'api_key', id: 'key-1' } },
  });

describe('buildRequest marks the request that opens its run', () => {
  it('marks a root without a contextId: its run id derives from this message, so nothing can precede it', () => {
    const request = build({ contextRun: null });
    expect(request.data.opensRun).toBe(true);
    expect(RunRequested.parse(request).data.opensRun).toBe(true); // the contract carries it
  });

  it('does not mark a root that joins an existing run, nor a call from another agent', () => {
    expect(build({ contextRun: RUN }).data.opensRun).toBeUndefined();
    expect(build({ contextRun: RUN, call: true }).data.opensRun).toBeUndefined();
  });
});
