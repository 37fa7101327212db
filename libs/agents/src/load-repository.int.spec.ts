import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentCatalog, loadAgentRepository } from './load-repository.js';

let dir: string;

const write = async (path: string, text: string): Promise<void> => {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), text);
};
const agent = (name: string, body = `You are ${name}.`): string => `---\nname: ${name}\nmodel: scripted\n---\n${body}\n`;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shaman-agents-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadAgentRepository', () => {
  it('discovers <Name>.md at any depth, <Name>/agent.md and <Name>/prompt.md', async () => {
    await write('Assistant.md', agent('Assistant'));
    await write('team/research/Researcher.md', agent('Researcher'));
    await write('Writer/agent.md', agent('Writer'));
    await write('Critic/prompt.md', agent('Critic'));
    const { agents, errors } = await loadAgentRepository(dir);
    expect(errors).toEqual([]);
    expect([...agents.keys()].sort()).toEqual(['Assistant', 'Critic', 'Researcher', 'Writer']);
    expect(agents.get('Writer')).toMatchObject({ path: 'Writer/agent.md', systemPrompt: 'You are Writer.' });
    expect(agents.get('Researcher')?.path).toBe('team/research/Researcher.md');
  });

  it('ignores documents, dot-folders, node_modules, README.md and CHANGELOG.md', async () => {
    await write('notes.md', '# Notes\nNo frontmatter here.\n');
    await write('README.md', agent('Readme'));
    await write('docs/CHANGELOG.md', agent('Changelog'));
    await write('.git/Hidden.md', agent('Hidden'));
    await write('node_modules/pkg/Dep.md', agent('Dep'));
    await write('Researcher.script.yaml', 'turns: []\n');
    const { agents, errors } = await loadAgentRepository(dir);
    expect(agents.size).toBe(0);
    expect(errors).toEqual([]);
  });

  it('reports agent.md without frontmatter instead of ignoring it', async () => {
    await write('Writer/agent.md', 'You are a writer.\n');
    const { errors } = await loadAgentRepository(dir);
    expect(errors.map((e) => [e.code, e.file])).toEqual([['agent.no_frontmatter', 'Writer/agent.md']]);
  });

  it('reports a duplicate name on the second file and keeps the first', async () => {
    await write('Writer.md', agent('Writer', 'first'));
    await write('Writer/agent.md', agent('Writer', 'second'));
    const { agents, errors } = await loadAgentRepository(dir);
    expect(agents.get('Writer')?.systemPrompt).toBe('first');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'agent.name_mismatch', file: 'Writer/agent.md' });
    expect(errors[0]?.message).toContain('duplicate agent name Writer, first defined in Writer.md');
  });

  it('keeps the good agents when one file is invalid', async () => {
    await write('Assistant.md', agent('Assistant'));
    await write('Broken.md', '---\nname: Broken\nmodel: scripted\ntemperature: hot\n---\nbody\n');
    await write('Zed.md', agent('Zed'));
    const { agents, errors } = await loadAgentRepository(dir);
    expect([...agents.keys()]).toEqual(['Assistant', 'Zed']);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^Broken\.md:4: temperature: /)]);
  });

  it('rejects a repository directory that does not exist', async () => {
    await expect(loadAgentRepository(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('createAgentCatalog', () => {
  it('serves the cached repository until ttlMs has passed', async () => {
    let now = 0;
    const catalog = createAgentCatalog(dir, { ttlMs: 1000, now: () => now });
    await write('Assistant.md', agent('Assistant'));
    expect((await catalog.list()).map((a) => a.name)).toEqual(['Assistant']);

    await write('Writer.md', agent('Writer'));
    now = 999;
    expect(await catalog.get('Writer')).toBeUndefined();
    now = 1000;
    expect((await catalog.get('Writer'))?.model).toBe('scripted');
    expect(await catalog.errors()).toEqual([]);
  });

  it('retries after a failed load instead of caching the failure', async () => {
    const catalog = createAgentCatalog(join(dir, 'later'), { ttlMs: 60_000 });
    await expect(catalog.list()).rejects.toThrow();
    await write('later/Assistant.md', agent('Assistant'));
    expect((await catalog.get('Assistant'))?.name).toBe('Assistant');
  });
});
