import { encodeCommit } from '@shaman/event-store';
import { RegistryEvent } from '@shaman/events';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCommitMessage } from './decode-commit-message.js';

const orgId = randomUUID();
const registryId = randomUUID();
const metadata = () => ({ eventId: randomUUID(), orgId, registryId, at: new Date().toISOString() });
const registryEvents = [
  RegistryEvent.parse({ type: 'RegistryAdded', data: { name: 'partner', url: 'https://reg.example', authSecret: null }, metadata: metadata() }),
  RegistryEvent.parse({ type: 'RegistrySkipped', data: { registryId, name: 'partner', reason: 'unhealthy', agent: 'X', caller: 'Y', runId: randomUUID(), stepId: randomUUID() }, metadata: metadata() }),
];

const recordingLogger = () => {
  const warnings: unknown[] = [];
  return { warnings, logger: { warn: (o: unknown) => void warnings.push(o) } as unknown as Parameters<typeof decodeCommitMessage>[1] };
};

describe('the projector (and replay, projections rebuild) meets registry events', () => {
  it('passes over valid registry events quietly: no read model, no warning, the sequence still counts', () => {
    const { warnings, logger } = recordingLogger();
    const received = decodeCommitMessage({ seq: 7, subject: `p.registry.${orgId}.${registryId}`, data: encodeCommit(registryEvents) }, logger);
    expect(received).toEqual({ seq: 7, events: [], repositoryEvents: [], runEvents: [] });
    expect(warnings).toEqual([]);
  });

  it('warns about a registry event that does not parse, as about any other', () => {
    const { warnings, logger } = recordingLogger();
    const broken = { ...registryEvents[0], data: { name: '' } } as unknown as RegistryEvent;
    expect(decodeCommitMessage({ seq: 8, subject: 'p.registry.x.y', data: encodeCommit([broken]) }, logger).seq).toBe(8);
    expect(warnings).toHaveLength(1);
  });
});
