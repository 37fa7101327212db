import { RepositoryEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { decideSyncEvents, type SyncOutcome } from './sync-events.js';

const sha = (n: number): string => n.toString(16).padStart(40, '0');
const orgId = '0b9c6a52-1f58-4c3e-9a53-7c1de0a1b001';
const repositoryId = '0b9c6a52-1f58-4c3e-9a53-7c1de0a1b002';
// Deterministic ids for the spec: a readable digest of the parts, shaped as a uuid.
const idFor = (...parts: string[]): string => {
  let h = 0;
  for (const c of parts.join('|')) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `${h.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
};
const definition = (file: string) => ({ file, digest: 'a'.repeat(64), exposed: true, description: 'd', tags: ['x'], model: 'scripted' });
const outcome = (overrides: Partial<SyncOutcome> = {}): SyncOutcome => ({
  orgId,
  repositoryId,
  repository: 'main',
  branch: 'main',
  previousCommit: sha(1),
  commit: sha(2),
  added: [],
  changed: [],
  removed: [],
  kept: [],
  problems: [],
  definitions: {},
  removedFrom: {},
  at: new Date('2026-06-01T00:00:00Z'),
  ...overrides,
});

describe('decideSyncEvents', () => {
  it('records each added and changed agent, each removal with the commit it was last live at, then the sync', () => {
    const events = decideSyncEvents(
      outcome({ added: ['New'], changed: ['Old'], removed: ['Gone'], definitions: { New: definition('New.md'), Old: definition('Old.md') }, removedFrom: { Gone: sha(1) } }),
      idFor,
      [],
    );
    expect(events.map((e) => [e.type, 'agent' in e.data ? e.data.agent : null])).toEqual([
      ['AgentDefinitionChanged', 'New'],
      ['AgentDefinitionChanged', 'Old'],
      ['AgentRemoved', 'Gone'],
      ['RepositorySynced', null],
    ]);
    expect(events[2]?.data).toEqual({ repository: 'main', agent: 'Gone', commit: sha(2), lastCommit: sha(1) });
    for (const event of events) expect(RepositoryEvent.safeParse(event).success).toBe(true);
  });

  it('records nothing for a re-sync of the same commit with the same problems', () => {
    const problems = [{ file: 'A.md', line: 2, field: 'model', message: 'x' }];
    expect(decideSyncEvents(outcome({ previousCommit: sha(2), problems }), idFor, problems)).toEqual([]);
  });

  it('records a RepositorySynced when only the problems changed (a secret was added), with a new id', () => {
    const before = [{ file: 'agents.json', line: 3, field: 'agents.P.auth.token', message: 'missing' }];
    const events = decideSyncEvents(outcome({ previousCommit: sha(2), problems: [] }), idFor, before);
    expect(events.map((e) => e.type)).toEqual(['RepositorySynced']);
    const other = decideSyncEvents(outcome({ previousCommit: sha(2), problems: before }), idFor, []);
    expect(other[0]?.metadata.eventId).not.toBe(events[0]?.metadata.eventId);
  });

  it('derives ids from the repository, commit and change, so a retried sync repeats them exactly', () => {
    const input = outcome({ added: ['New'], definitions: { New: definition('New.md') } });
    expect(decideSyncEvents(input, idFor, null)).toEqual(decideSyncEvents(input, idFor, null));
  });
});
