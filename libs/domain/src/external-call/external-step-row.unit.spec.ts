import type { RunRequested } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { evolveStepRow } from '../read-models/evolve-step-row.js';

const ids = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003' };
const parent = '00000000-0000-4000-8000-000000000009' as RunRequested['data']['parentStepId'];
const request = (external?: RunRequested['data']['external']): RunRequested => ({
  type: 'RunRequested',
  data: {
    agent: { name: 'Partner', repository: '/repo', commit: null },
    message: { messageId: ids.stepId, role: 'user', parts: [{ kind: 'text', text: 'hi' }] },
    parentStepId: parent,
    depth: 1,
    initiator: { kind: 'agent', id: String(parent) },
    ...(external ? { external } : {}),
  },
  metadata: { ...ids, eventId: '00000000-0000-4000-8000-000000000100', at: '2026-11-26T10:00:00.000Z' } as RunRequested['metadata'],
});

describe('the steps row of an external node', () => {
  it('is kind external with the URL the call went to', () => {
    expect(evolveStepRow(null, request({ url: 'https://partner.example/a2a', protocolVersion: '0.3' }), 1)).toMatchObject({
      kind: 'external',
      externalUrl: 'https://partner.example/a2a',
      parentStepId: parent,
      depth: 1,
    });
  });

  it('any other step is kind agent without a URL', () => {
    expect(evolveStepRow(null, request(), 1)).toMatchObject({ kind: 'agent', externalUrl: null });
  });
});
