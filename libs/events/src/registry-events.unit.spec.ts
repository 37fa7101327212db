import { describe, expect, it } from 'vitest';
import { ShamanEvent } from './catalog.js';
import { REGISTRY_CHANGE_EVENTS, RegistryEvent, registryStream } from './registry-events.js';
import { RepositoryEvent } from './repository-events.js';
import { RunLifecycleEvent } from './run-lifecycle-events.js';
import { runFilter } from './subjects.js';
import type { OrgId, RunId } from './ids.js';

const typesOf = (union: { options: readonly { shape: { type: { value: string } } }[] }): string[] => union.options.map((o) => o.shape.type.value);

// NATS subject matching, enough for the filters used on the event stream: `*` one token, `>` one or more.
const matches = (filter: string, subject: string): boolean => {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
};

// Fixed ids and time: this lib is pure, tests included (no crypto, no clock).
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('registry events', () => {
  const orgId = uuid(1);
  const registryId = uuid(2);
  const metadata = { eventId: uuid(3), orgId, registryId, at: '2026-01-01T00:00:00.000Z' };

  it('have type names no other union uses: consumers route commits by type alone', () => {
    const all = [...typesOf(ShamanEvent), ...typesOf(RepositoryEvent), ...typesOf(RunLifecycleEvent), ...typesOf(RegistryEvent)];
    expect(new Set(all).size).toBe(all.length);
  });

  it('live on registry.<org>.<registry>, which no run or step filter of the same organization matches', () => {
    const subject = registryStream(orgId, registryId);
    expect(subject).toBe(`registry.${orgId}.${registryId}`);
    expect(matches(runFilter(orgId as OrgId, registryId as RunId), subject)).toBe(false);
    expect(matches(`*.${orgId}.*.${registryId}`, subject)).toBe(false);
    expect(matches(`*.*.${registryId}.>`, subject)).toBe(false);
    expect(matches('registry.>', subject)).toBe(true);
  });

  it('count skips as warnings, not changes', () => {
    expect(REGISTRY_CHANGE_EVENTS).toEqual(['RegistryAdded', 'RegistryRemoved', 'RegistryHealthChanged']);
  });

  it('refuse a skip without a run and step, or a health change to an unknown status', () => {
    const skip = { type: 'RegistrySkipped', data: { registryId, name: 'p', reason: 'unhealthy', agent: 'A', caller: 'B', runId: 'nope', stepId: uuid(4) }, metadata };
    expect(RegistryEvent.safeParse(skip).success).toBe(false);
    expect(RegistryEvent.safeParse({ ...skip, data: { ...skip.data, runId: uuid(5) } }).success).toBe(true);
    const changed = { type: 'RegistryHealthChanged', data: { name: 'p', status: 'sick', previousStatus: 'healthy', error: null }, metadata };
    expect(RegistryEvent.safeParse(changed).success).toBe(false);
  });
});
