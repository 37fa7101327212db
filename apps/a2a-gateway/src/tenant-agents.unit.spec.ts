import type { AgentCatalog, AgentDefinition } from '@shaman/agents';
import type { RepositoryRecord } from '@shaman/platform';
import { describe, expect, it } from 'vitest';
import { repositoryAgents } from './tenant-agents.js';

const definition = (name: string): AgentDefinition =>
  ({ name, model: 'scripted', description: '', maxIterations: 10, exposed: true, tags: [], tools: [], allowedAgents: [], contextScope: 'full', systemPrompt: '', path: `${name}.md` }) as AgentDefinition;

/** A catalog per worktree that serves the named agents, without touching the disk. */
const catalogs = (byWorktree: Record<string, string[]>): Map<string, AgentCatalog> =>
  new Map(
    Object.entries(byWorktree).map(([worktree, names]) => [
      worktree,
      { get: async (n: string) => (names.includes(n) ? definition(n) : undefined), list: async () => names.map(definition), errors: async () => [] },
    ]),
  );

const repo = (name: string, agents: Record<string, string>, aliases: Record<string, string> = {}): RepositoryRecord => ({
  id: name,
  orgId: 'org',
  name,
  url: `file:///${name}`,
  branch: 'main',
  tokenCiphertext: null,
  hasWebhook: false,
  syncIntervalSeconds: 300,
  lastCommit: 'c',
  lastSyncedAt: new Date(0),
  lastErrors: [],
  agents: Object.fromEntries(Object.entries(agents).map(([agent, commit]) => [agent, { file: `${agent}.md`, commit, worktree: `/w/${name}/${commit}`, digest: 'd' }])),
  aliases,
  externalAgents: {},
  createdAt: new Date(0),
});

describe('repositoryAgents (name resolution over synced repositories)', () => {
  const agents = repositoryAgents(
    [repo('main', { Assistant: 'c1', Writer: 'c0' }, { helper: 'Assistant' }), repo('extra', { Assistant: 'c9', Solo: 'c9' })],
    catalogs({ '/w/main/c1': ['Assistant'], '/w/main/c0': ['Writer'], '/w/extra/c9': ['Assistant', 'Solo'] }),
  );

  it('resolves a unique bare name to its worktree and commit', async () => {
    expect((await agents.resolve('Writer'))?.ref).toEqual({ name: 'Writer', repository: '/w/main/c0', commit: 'c0' });
    expect((await agents.resolve('Solo'))?.ref.commit).toBe('c9');
  });

  it('refuses an ambiguous bare name and resolves the qualified ones', async () => {
    expect(await agents.resolve('Assistant')).toBeUndefined();
    expect((await agents.resolve('main/Assistant'))?.ref).toEqual({ name: 'Assistant', repository: '/w/main/c1', commit: 'c1' });
    expect((await agents.resolve('extra/Assistant'))?.ref.commit).toBe('c9');
  });

  it('resolves aliases, bare and qualified, to the canonical name', async () => {
    expect((await agents.resolve('helper'))?.ref).toEqual({ name: 'Assistant', repository: '/w/main/c1', commit: 'c1' });
    expect((await agents.resolve('main/helper'))?.ref.name).toBe('Assistant');
    expect(await agents.resolve('extra/helper')).toBeUndefined();
  });

  it('lists every live agent, under its qualified name where the bare one is ambiguous', async () => {
    expect((await agents.list()).map((a) => a.name).sort()).toEqual(['Solo', 'Writer', 'extra/Assistant', 'main/Assistant']);
  });
});
