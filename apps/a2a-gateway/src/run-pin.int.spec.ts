import { createRepositoryCache, parseAgentFile } from '@shaman/agents';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream } from '@shaman/events';
import { agentFile, createTestNats, createTestOrigin, runRequested, type TestNats, type TestOrigin } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunPinner } from './run-pin.js';
import type { ResolvedAgent } from './tenant-agents.js';

describe('run pinning: a root joining a run reads the run’s first commit (real git and nats-server)', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let origin: TestOrigin;
  let cacheDir: string;
  const orgId = randomUUID();

  beforeAll(async () => {
    [nats, origin] = await Promise.all([createTestNats(), createTestOrigin()]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    cacheDir = await mkdtemp(join(tmpdir(), 'shaman-pin-'));
  });
  afterAll(async () => {
    await nats?.cleanup();
    await origin?.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const resolvedAt = async (worktree: string, commit: string, name: string): Promise<ResolvedAgent> => ({
    definition: parseAgentFile({ path: `${name}.md`, text: await readFile(join(worktree, `${name}.md`), 'utf8') }),
    ref: { name, repository: worktree, commit },
  });

  it('pins a joining root to the first root’s commit, and lets an agent the old commit lacks join at its own', async () => {
    const cache = createRepositoryCache({ dir: cacheDir });
    const source = { url: `file://${origin.dir}`, branch: 'main' };
    await origin.commit({ 'Lead.md': agentFile('Lead'), 'Helper.md': agentFile('Helper', 'Version one.') });
    const first = await cache.sync(source);
    await origin.commit({ 'Helper.md': agentFile('Helper', 'Version two.'), 'Newcomer.md': agentFile('Newcomer') });
    const second = await cache.sync(source);

    const root = runRequested({ orgId, agent: 'Lead', repository: first.worktree, text: 'start' });
    const started = { ...root, data: { ...root.data, agent: { name: 'Lead', repository: first.worktree, commit: first.commit } } };
    await store.appendToStream(stepRequestStream(started.metadata), [started]);
    const pin = createRunPinner({ store });

    const helper = await pin({ orgId, runId: started.metadata.runId, resolved: await resolvedAt(second.worktree, second.commit, 'Helper') });
    expect(helper.ref).toEqual({ name: 'Helper', repository: first.worktree, commit: first.commit });
    expect(helper.definition.systemPrompt).toContain('Version one.');

    const newcomer = await pin({ orgId, runId: started.metadata.runId, resolved: await resolvedAt(second.worktree, second.commit, 'Newcomer') });
    expect(newcomer.ref).toEqual({ name: 'Newcomer', repository: second.worktree, commit: second.commit });

    const fresh = await pin({ orgId, runId: randomUUID(), resolved: await resolvedAt(second.worktree, second.commit, 'Helper') });
    expect(fresh.ref.commit).toBe(second.commit);
  });
});
