import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmError, type LlmMessage, type LlmRequest } from './llm-provider.js';
import { createScriptedProvider } from './scripted.provider.js';

let repository: string;
const signal = new AbortController().signal;

const request = (messages: LlmMessage[], name = 'Researcher'): LlmRequest => ({
  model: 'scripted',
  messages,
  tools: [],
  agent: { name, repository },
});
const script = (yaml: string, name = 'Researcher') => writeFile(join(repository, `${name}.script.yaml`), yaml);

const user = (content: string): LlmMessage => ({ role: 'user', content });
const assistant = (content: string | null): LlmMessage => ({ role: 'assistant', content, toolCalls: [] });

beforeEach(async () => {
  repository = await mkdtemp(join(tmpdir(), 'shaman-scripted-'));
});
afterEach(async () => {
  await rm(repository, { recursive: true, force: true });
});

describe('scripted provider', () => {
  it('echoes the last user message when the agent has no script', async () => {
    const messages: LlmMessage[] = [{ role: 'system', content: 'Be helpful.' }, user('first'), assistant('ok'), user('hello')];
    const response = await createScriptedProvider().complete(request(messages, 'Assistant'), { signal });
    expect(response).toEqual({
      content: 'Echo: hello',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: Math.ceil((11 + 5 + 2 + 5) / 4), outputTokens: Math.ceil(11 / 4) },
    });
  });

  it('renders {{input}} and {{lastToolResult}} in a reply', async () => {
    await script('turns:\n  - reply: "Researched: {{input}} using {{ lastToolResult }}"\n');
    const messages: LlmMessage[] = [
      user('quantum $& dots'),
      { role: 'tool', toolCallId: 'c', name: 'search', content: 'old' },
      { role: 'tool', toolCallId: 'd', name: 'search', content: 'paper 42' },
    ];
    const response = await createScriptedProvider().complete(request(messages), { signal });
    expect(response).toMatchObject({ content: 'Researched: quantum $& dots using paper 42', finishReason: 'stop' });
  });

  it('answers tool-call turns with deterministic ids', async () => {
    await script(
      'turns:\n  - reply: hi\n  - toolCalls:\n      - { name: search, arguments: { q: cats } }\n      - { name: run_data_list }\n',
    );
    const response = await createScriptedProvider().complete(request([user('go'), assistant('hi'), user('more')]), { signal });
    expect(response).toMatchObject({
      content: null,
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'call_1_0', name: 'search', arguments: { q: 'cats' } },
        { id: 'call_1_1', name: 'run_data_list', arguments: {} },
      ],
    });
    expect(response.usage.outputTokens).toBeGreaterThan(1);
  });

  it('renders templates inside tool-call arguments, at any depth, leaving other values alone', async () => {
    await script('turns:\n  - toolCalls:\n      - { name: kb.lookup, arguments: { topic: "{{input}}", opts: { tags: ["t-{{input}}"], limit: 3 } } }\n');
    const response = await createScriptedProvider().complete(request([user('jetstream')]), { signal });
    expect(response.toolCalls[0]?.arguments).toEqual({ topic: 'jetstream', opts: { tags: ['t-jetstream'], limit: 3 } });
  });

  it('picks the turn by the number of assistant messages, repeating a final reply', async () => {
    await script('turns:\n  - reply: one\n  - reply: two\n');
    const provider = createScriptedProvider();
    const contentAt = async (assistants: number) => {
      const history = Array.from({ length: assistants }, () => [assistant('x'), user('y')]).flat();
      return (await provider.complete(request([user('start'), ...history]), { signal })).content;
    };
    expect([await contentAt(0), await contentAt(1), await contentAt(2), await contentAt(0)]).toEqual(['one', 'two', 'two', 'one']);
  });

  it('fails with llm.script past a final tool-call turn', async () => {
    await script('turns:\n  - toolCalls: [{ name: search }]\n');
    const provider = createScriptedProvider();
    await expect(provider.complete(request([user('a'), assistant(null)]), { signal })).rejects.toMatchObject({
      code: 'llm.script',
    });
  });

  it('fails with llm.script on an invalid script', async () => {
    await script('turns:\n  - say: hi\n');
    await expect(createScriptedProvider().complete(request([user('a')]), { signal })).rejects.toMatchObject({
      code: 'llm.script',
      message: expect.stringContaining('Researcher.script.yaml'),
    });
  });

  it('re-reads a script whose file changed', async () => {
    const provider = createScriptedProvider();
    await script('turns:\n  - reply: before\n');
    expect((await provider.complete(request([user('a')]), { signal })).content).toBe('before');
    await script('turns:\n  - reply: after, longer\n');
    expect((await provider.complete(request([user('a')]), { signal })).content).toBe('after, longer');
  });

  it('echoes again once a cached script is removed, and reads no file for an agent without one', async () => {
    const provider = createScriptedProvider();
    await script('turns:\n  - reply: scripted\n');
    expect((await provider.complete(request([user('a')]), { signal })).content).toBe('scripted');
    await rm(join(repository, 'Researcher.script.yaml'));
    expect((await provider.complete(request([user('a')]), { signal })).content).toBe('Echo: a');
    const reads: string[] = [];
    const none = createScriptedProvider({ stat: () => Promise.resolve(null), readFile: (path) => (reads.push(path), Promise.resolve('')) });
    expect((await none.complete(request([user('b')]), { signal })).content).toBe('Echo: b');
    expect(reads).toEqual([]);
  });

  it('parses a script once while its mtime and size stay the same', async () => {
    const reads: string[] = [];
    let mtimeMs = 1;
    const provider = createScriptedProvider({
      stat: () => Promise.resolve({ mtimeMs, size: 20 }),
      readFile: (path) => {
        reads.push(path);
        return Promise.resolve(`turns:\n  - reply: v${mtimeMs}\n`);
      },
    });
    const contents = [];
    for (const bump of [0, 0, 1]) {
      mtimeMs += bump;
      contents.push((await provider.complete(request([user('a')]), { signal })).content);
    }
    expect(contents).toEqual(['v1', 'v1', 'v2']);
    expect(reads).toHaveLength(2);
  });

  it('aborts during a delay', async () => {
    await script('turns:\n  - reply: slow\n    delayMs: 10000\n');
    const controller = new AbortController();
    const pending = createScriptedProvider().complete(request([user('a')]), { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'llm.aborted', retryable: false });
  });

  it('waits for the delay when not aborted', async () => {
    await script('turns:\n  - reply: slow\n    delayMs: 30\n');
    const started = Date.now();
    await createScriptedProvider().complete(request([user('a')]), { signal });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('refuses an agent name that would leave the repository', async () => {
    await expect(createScriptedProvider().complete(request([user('a')], '../etc'), { signal })).rejects.toMatchObject({
      code: 'llm.bad_request',
    });
  });
});
