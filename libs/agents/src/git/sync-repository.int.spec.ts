import { agentFile, createTestOrigin, serveOriginOverHttp, type TestOrigin } from '@shaman/testing';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitSyncError } from './git-sync.error.js';
import { createRepositoryCache, type RepositoryCache } from './repository-cache.js';
import { syncRepository, type RepositoryToSync } from './sync-repository.js';

let origin: TestOrigin;
let cacheDir: string;
let cache: RepositoryCache;

beforeEach(async () => {
  origin = await createTestOrigin();
  cacheDir = await mkdtemp(join(tmpdir(), 'shaman-cache-'));
  cache = createRepositoryCache({ dir: cacheDir });
});
afterEach(async () => {
  await origin.cleanup();
  await rm(cacheDir, { recursive: true, force: true });
});

const repo = (agents: RepositoryToSync['agents'] = {}, url = `file://${origin.dir}`): RepositoryToSync => ({ name: 'agents', url, branch: 'main', agents });

describe('syncRepository with a real git repository', () => {
  it('first sync: checks out the branch head in a worktree per commit and makes its agents live', async () => {
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant'), 'team/Writer/agent.md': agentFile('Writer') });
    const result = await syncRepository(repo(), cache);
    expect(result).toMatchObject({ commit: sha, worktree: cache.worktreeOf({ url: `file://${origin.dir}` }, sha), added: ['Assistant', 'Writer'], changed: [], removed: [], errors: [] });
    expect(result.agents['Writer']).toMatchObject({ file: 'team/Writer/agent.md', commit: sha, worktree: result.worktree });
    expect(await readFile(join(result.worktree, 'Assistant.md'), 'utf8')).toContain('You are Assistant.');
  });

  it('a second commit adds, changes and removes agents; the first worktree stays as it was', async () => {
    await origin.commit({ 'Assistant.md': agentFile('Assistant'), 'Old.md': agentFile('Old'), 'Same.md': agentFile('Same') });
    const first = await syncRepository(repo(), cache);
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant', 'Be brief.'), 'Old.md': null, 'New.md': agentFile('New') });
    const second = await syncRepository(repo(first.agents), cache);
    expect(second).toMatchObject({ commit: sha, added: ['New'], changed: ['Assistant'], removed: ['Old'], kept: [] });
    expect(Object.keys(second.agents).sort()).toEqual(['Assistant', 'New', 'Same']);
    expect(second.agents['Same']?.commit).toBe(sha);
    expect(await readFile(join(first.worktree, 'Assistant.md'), 'utf8')).toContain('You are Assistant.');
    expect(await readFile(join(second.worktree, 'Assistant.md'), 'utf8')).toContain('Be brief.');
  });

  it('syncing an unchanged branch again reuses the worktree and reports nothing new', async () => {
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant') });
    const first = await syncRepository(repo(), cache);
    const again = await syncRepository(repo(first.agents), cache);
    expect(again).toMatchObject({ commit: sha, worktree: first.worktree, added: [], changed: [], removed: [] });
  });

  it('an agent made invalid keeps its last good definition and the error names file:line: field', async () => {
    const good = await origin.commit({ 'Assistant.md': agentFile('Assistant'), 'Writer.md': agentFile('Writer') });
    const first = await syncRepository(repo(), cache);
    const bad = await origin.commit({ 'Writer.md': '---\nname: Writer\nmodel: scripted\ntemperature: hot\n---\nWrite.\n', 'Critic.md': agentFile('Critic') });
    const second = await syncRepository(repo(first.agents), cache);
    expect(second.commit).toBe(bad);
    expect(second.kept).toEqual(['Writer']);
    expect(second.added).toEqual(['Critic']);
    expect(second.agents['Writer']).toEqual(first.agents['Writer']);
    expect(second.agents['Writer']?.commit).toBe(good);
    expect(second.agents['Critic']?.commit).toBe(bad);
    expect(second.errors).toEqual([{ file: 'Writer.md', line: 4, field: 'temperature', message: expect.stringMatching(/^Writer\.md:4: temperature: /) }]);
  });

  it('refuses reserved agent names, and reserved repository names before touching git', async () => {
    await origin.commit({ 'admin.md': agentFile('admin'), 'Assistant.md': agentFile('Assistant') });
    const result = await syncRepository(repo(), cache);
    expect(Object.keys(result.agents)).toEqual(['Assistant']);
    expect(result.errors).toEqual([expect.objectContaining({ file: 'admin.md', field: 'name', message: expect.stringContaining('reserved') })]);
    for (const name of ['system', 'Admin', 'root', 'internal']) {
      await expect(syncRepository({ ...repo(), name }, cache)).rejects.toMatchObject({ code: 'git.bad_name' });
    }
  });

  it('resolves aliases from agents.json and reports a bad one against agents.json with its line', async () => {
    const manifest = JSON.stringify({ aliases: { helper: 'Assistant', ghost: 'Nobody' } }, null, 2);
    await origin.commit({ 'Assistant.md': agentFile('Assistant'), 'agents.json': manifest });
    const result = await syncRepository(repo(), cache);
    expect(result.aliases).toEqual({ helper: 'Assistant' });
    expect(result.errors).toEqual([{ file: 'agents.json', line: 4, field: 'aliases.ghost', message: 'agents.json:4: aliases.ghost: no live agent named Nobody' }]);
  });

  it('reports an agents.json of the wrong shape by file and field', async () => {
    await origin.commit({ 'Assistant.md': agentFile('Assistant'), 'agents.json': '{\n  "aliases": { "helper": "Assistant" },\n  "alias": {}\n}\n' });
    const result = await syncRepository(repo(), cache);
    expect(result.aliases).toEqual({});
    expect(result.errors).toEqual([{ file: 'agents.json', line: 3, field: 'alias', message: 'agents.json:3: alias: unknown field' }]);
  });

  it('never puts the token in an error: a URL with credentials against a missing path', async () => {
    const token = 'ghp_SuperSecretToken123';
    const missing = `https://x-access-token:${token}@127.0.0.1:1/nobody/agents.git`;
    const error = await syncRepository({ ...repo({}, missing), token }, cache).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitSyncError);
    const text = `${(error as Error).message} ${(error as Error).stack ?? ''} ${JSON.stringify(error)}`;
    expect(text).not.toContain(token);
    expect(text).toContain('cannot fetch https://127.0.0.1:1/nobody/agents.git');
    const local = await syncRepository({ ...repo({}, `file://${origin.dir}-missing`), token: 'tok_local_secret' }, cache).catch((e: unknown) => e);
    expect((local as GitSyncError).code).toBe('git.bad_url');
    expect(String(local)).not.toContain('tok_local_secret');
    const inUrl = await syncRepository(repo({}, `file://x-access-token:ghp_InUrlSecret@localhost${origin.dir}-missing`), cache).catch((e: unknown) => e);
    expect(inUrl).toBeInstanceOf(GitSyncError);
    expect(`${(inUrl as Error).message} ${(inUrl as Error).stack ?? ''}`).not.toContain('ghp_InUrlSecret');
  });

  it('fetches over HTTP with a token that no command line shows, and refuses a wrong one without naming it', async () => {
    await origin.commit({ 'Assistant.md': agentFile('Assistant') });
    const token = 'ghp_OnlyInTheEnvironment42';
    const http = await serveOriginOverHttp(origin, { token });
    try {
      const synced = await syncRepository({ ...repo({}, http.url), token }, cache);
      expect(synced.commit).toMatch(/^[0-9a-f]{40}$/);
      // The probe saw the fetching client (git-remote-http gets the URL as an argument), and no line holds the token.
      expect(http.commandLines.some((line) => line.includes(http.url.replace('http://', '')))).toBe(true);
      expect(http.commandLines.filter((line) => line.includes(token))).toEqual([]);

      const wrong = await syncRepository({ ...repo({}, http.url), token: 'ghp_WrongToken' }, createRepositoryCache({ dir: join(cacheDir, 'other') })).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(GitSyncError);
      expect((wrong as GitSyncError).code).toBe('git.fetch_failed');
      expect(String(wrong)).not.toContain('ghp_WrongToken');
    } finally {
      await http.close();
    }
  });

  it('names a missing branch', async () => {
    await origin.commit({ 'Assistant.md': agentFile('Assistant') });
    await expect(syncRepository({ ...repo(), branch: 'release' }, cache)).rejects.toThrow(/branch release not found/);
  });

  it('prunes worktrees no live agent uses once older than the retention, keeping the kept and the recent', async () => {
    await origin.commit({ 'Assistant.md': agentFile('Assistant') });
    const first = await syncRepository(repo(), cache);
    await origin.commit({ 'Assistant.md': agentFile('Assistant', 'v2') });
    const second = await syncRepository(repo(first.agents), cache);
    await origin.commit({ 'Assistant.md': agentFile('Assistant', 'v3') });
    const third = await syncRepository(repo(second.agents), cache);
    const source = { url: `file://${origin.dir}` };
    // Recent worktrees are kept whatever the live set says.
    expect(await cache.prune(source, { keep: new Set([third.commit]), olderThan: new Date(0) })).toEqual([]);
    const removed = await cache.prune(source, { keep: new Set([third.commit, first.commit]), olderThan: new Date(Date.now() + 60_000) });
    expect(removed).toEqual([second.commit]);
    await expect(readFile(join(second.worktree, 'Assistant.md'), 'utf8')).rejects.toThrow();
    expect(await readFile(join(first.worktree, 'Assistant.md'), 'utf8')).toContain('Assistant');
    // The mirror still has the objects: syncing back to an older commit works.
    expect((await cache.sync({ url: source.url, branch: 'main' })).commit).toBe(third.commit);
  });
});
