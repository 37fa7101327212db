import { describe, expect, it } from 'vitest';
import type { RegistryAgent } from './registry-listing.schema.js';
import { externalAgentOf } from './external-agent-of.js';
import { resolveAgentName } from './resolve-agent-name.js';
import type { RegistrySource, RepositorySource, ResolutionSources } from './resolution.types.js';

const repo = (name: string, agents: string[], extra: Partial<RepositorySource> = {}): RepositorySource => ({ name, agents, aliases: {}, externalAgents: {}, ...extra });
const listed = (name: string, url = `https://partner.example/a2a/${name}`): RegistryAgent => ({ name, url, description: '', protocolVersion: '0.3', cardUrl: `${url}/card` });
const registry = (name: string, agents: RegistryAgent[] | null, extra: Partial<RegistrySource> = {}): RegistrySource => ({
  name,
  url: 'https://partner.example/registry',
  status: agents === null ? 'unhealthy' : 'healthy',
  agents,
  auth: null,
  ...extra,
});

const caller = repo('repo-a', ['Assistant', 'Writer'], {
  aliases: { helper: 'Assistant', partner: 'Partner', billing: 'Billing', far: 'repo-b/Researcher' },
  externalAgents: { Partner: { url: 'https://partner.example/a2a', description: '', protocolVersion: '1.0', auth: { type: 'bearer', token: '${PARTNER_TOKEN}' } } },
});
const sources = (extra: Partial<ResolutionSources> = {}): ResolutionSources => ({
  caller,
  others: [repo('repo-b', ['Researcher', 'Shared', 'Partner']), repo('repo-c', ['Shared', 'Billing'], { aliases: { pay: 'Billing' } })],
  registries: [registry('partner-reg', [listed('Translator'), listed('Assistant')]), registry('old-reg', null)],
  ...extra,
});

describe('resolveAgentName: the order of the pipeline', () => {
  it('1. follows an alias of the caller repository, which wins over everything else', () => {
    expect(resolveAgentName('helper', sources())).toEqual({ kind: 'internal', name: 'Assistant', repository: 'repo-a', qualifiedName: 'repo-a/Assistant', via: 'helper' });
  });

  it('2. prefers the caller repository over other repositories and registries with the same name', () => {
    expect(resolveAgentName('Assistant', sources())).toMatchObject({ kind: 'internal', repository: 'repo-a' });
  });

  it('3. finds an agent that exactly one other repository has', () => {
    expect(resolveAgentName('Researcher', sources())).toEqual({ kind: 'internal', name: 'Researcher', repository: 'repo-b', qualifiedName: 'repo-b/Researcher' });
  });

  it('3. calls a bare name two other repositories have ambiguous, naming both qualified names', () => {
    const result = resolveAgentName('Shared', sources());
    expect(result).toMatchObject({ kind: 'ambiguous', candidates: ['repo-b/Shared', 'repo-c/Shared'] });
    expect(result.kind === 'ambiguous' && result.message).toBe('agent "Shared" is ambiguous: repositories repo-b and repo-c each have one; call it as repo-b/Shared and repo-c/Shared');
  });

  it('3. resolves a namespaced name (and a namespaced alias) in that repository only', () => {
    expect(resolveAgentName('repo-c/Shared', sources())).toMatchObject({ kind: 'internal', repository: 'repo-c', name: 'Shared' });
    expect(resolveAgentName('repo-c/pay', sources())).toMatchObject({ kind: 'internal', repository: 'repo-c', name: 'Billing', via: 'pay' });
    expect(resolveAgentName('repo-a/Writer', sources())).toMatchObject({ kind: 'internal', repository: 'repo-a', name: 'Writer' });
  });

  it('3. an alias may name an agent of another repository, qualified', () => {
    expect(resolveAgentName('far', sources())).toMatchObject({ kind: 'internal', repository: 'repo-b', name: 'Researcher', via: 'far' });
  });

  it('3. prefers another repository over agents.json and registries (internal before external)', () => {
    expect(resolveAgentName('Partner', sources())).toMatchObject({ kind: 'internal', repository: 'repo-b' });
    expect(resolveAgentName('partner', sources())).toMatchObject({ kind: 'internal', repository: 'repo-b', via: 'partner' });
  });

  it('4. finds an external agent of agents.json with its protocol version and credential reference', () => {
    const result = resolveAgentName('Partner', sources({ others: [] }));
    expect(result).toEqual({
      kind: 'external',
      name: 'Partner',
      url: 'https://partner.example/a2a',
      protocolVersion: '1.0',
      auth: { type: 'bearer', token: '${PARTNER_TOKEN}' },
      source: 'agents.json',
    });
  });

  it('4/5. an external result is what the A2A client calls (agents.json shape)', () => {
    const result = resolveAgentName('Partner', sources({ others: [] }));
    expect(result.kind === 'external' && externalAgentOf(result)).toEqual({ url: 'https://partner.example/a2a', description: '', protocolVersion: '1.0', auth: { type: 'bearer', token: '${PARTNER_TOKEN}' } });
  });

  it('5. finds an agent in a registry, after everything else', () => {
    expect(resolveAgentName('Translator', sources())).toMatchObject({ kind: 'external', name: 'Translator', url: 'https://partner.example/a2a/Translator', source: 'registry:partner-reg', auth: { type: 'none' } });
  });

  it('5. uses the first registry listing a name, in the given order', () => {
    const regs = [registry('first', [listed('Translator', 'https://one.example/t')]), registry('second', [listed('Translator', 'https://two.example/t')])];
    expect(resolveAgentName('Translator', sources({ registries: regs }))).toMatchObject({ url: 'https://one.example/t', source: 'registry:first' });
  });

  it('5. sends a registry credential only to agents on the registry origin', () => {
    const regs = [registry('reg', [listed('Same', 'https://partner.example/a2a/same'), listed('Elsewhere', 'https://other.example/a2a')], { auth: 'REG_TOKEN' })];
    expect(resolveAgentName('Same', sources({ registries: regs }))).toMatchObject({ auth: { type: 'bearer', token: '${REG_TOKEN}' } });
    expect(resolveAgentName('Elsewhere', sources({ registries: regs }))).toMatchObject({ auth: { type: 'none' } });
  });

  it('5. skips an unhealthy registry even when it once listed the name', () => {
    const regs = [registry('old-reg', null, { reason: 'unhealthy' })];
    expect(resolveAgentName('Translator', sources({ registries: regs }))).toMatchObject({ kind: 'not_found' });
  });
});

describe('resolveAgentName: not found', () => {
  it('names every place searched, in order, with each registry health', () => {
    const result = resolveAgentName('Ghost', sources());
    expect(result.kind).toBe('not_found');
    expect(result.kind === 'not_found' && result.message).toBe(
      'agent "Ghost" not found: alias in repo-a/agents.json, repo-a, repositories repo-b and repo-c, agents.json external agents, registries partner-reg (healthy), old-reg (skipped: unhealthy)',
    );
    expect(result.kind === 'not_found' && result.searched.map((p) => p.kind)).toEqual(['alias', 'repository', 'repositories', 'external_agents', 'registry', 'registry']);
  });

  it('says which alias led to a missing target', () => {
    const result = resolveAgentName('billing', sources({ others: [] }));
    expect(result.kind === 'not_found' && result.message).toMatch(/^agent "Billing" \(alias "billing"\) not found: /);
  });

  it('does not send a namespaced name to external agents or registries', () => {
    const result = resolveAgentName('repo-z/Translator', sources());
    expect(result.kind === 'not_found' && result.message).toBe('agent "repo-z/Translator" not found: alias in repo-a/agents.json, repo-z');
  });

  it('works for a caller outside any repository (registries only, then nowhere)', () => {
    expect(resolveAgentName('Translator', { caller: null, others: [], registries: [registry('partner-reg', [listed('Translator')])] })).toMatchObject({ kind: 'external' });
    const none = resolveAgentName('X', { caller: null, others: [], registries: [] });
    expect(none.kind === 'not_found' && none.message).toBe('agent "X" not found: nowhere to search');
  });

  it('names a single other repository and a single registry in the singular', () => {
    const result = resolveAgentName('Ghost', sources({ others: [repo('repo-b', [])], registries: [registry('r', [], { status: 'healthy' })] }));
    expect(result.kind === 'not_found' && result.message).toBe('agent "Ghost" not found: alias in repo-a/agents.json, repo-a, repository repo-b, agents.json external agents, registry r (healthy)');
  });

  it('explains a registry skipped for another reason than its recorded health', () => {
    const regs = [registry('slow', null, { status: 'healthy', reason: 'unreachable: no answer within 2000 ms' })];
    const result = resolveAgentName('Ghost', { caller: null, others: [], registries: regs });
    expect(result.kind === 'not_found' && result.message).toBe('agent "Ghost" not found: registry slow (skipped: unreachable: no answer within 2000 ms)');
  });
});
