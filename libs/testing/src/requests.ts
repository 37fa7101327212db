import type { RunRequested, StepAddress } from '@shaman/events';
import { randomUUID } from 'node:crypto';

/** A root-step `RunRequested` for `agent` in `repository`, as the gateway would record it, with fresh ids. */
export const runRequested = (input: { orgId: string; agent: string; repository: string; text: string }): RunRequested => {
  const address = { orgId: input.orgId, runId: randomUUID(), stepId: randomUUID() } as StepAddress;
  return {
    type: 'RunRequested',
    data: {
      agent: { name: input.agent, repository: input.repository, commit: null },
      message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: input.text }] },
      parentStepId: null,
      depth: 0,
      initiator: { kind: 'system', id: 'test' },
    },
    metadata: { ...address, eventId: randomUUID(), at: new Date().toISOString() } as RunRequested['metadata'],
  };
};
