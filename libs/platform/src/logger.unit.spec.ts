import { describe, expect, it } from 'vitest';
import { withLogContext } from './log-context.js';
import { createLogger } from './logger.js';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ name: 'test', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { logger, lines, text: () => JSON.stringify(lines) };
};

describe('log redaction', () => {
  const cases: [string, (log: ReturnType<typeof capture>['logger']) => void, string][] = [
    ['an API key in a field', (log) => log.info({ apiKey: 'sk_live_3f9a2b7c1d' }, 'key'), 'sk_live_3f9a2b7c1d'],
    ['an API key in the message', (log) => log.info('refused sk_test_9a8b7c6d5e4f for org'), 'sk_test_9a8b7c6d5e4f'],
    ['an authorization header', (log) => log.info({ req: { headers: { authorization: 'Bearer opaque-token-123456' } } }, 'request'), 'opaque-token-123456'],
    ['a JWT inside an error message', (log) => log.error({ err: new Error('bad token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlX3h5eg') }, 'auth failed'), 'eyJhbGciOiJIUzI1NiJ9'],
    ['a git token in a remote URL', (log) => log.warn({ url: 'https://x-access-token:ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789@github.com/acme/agents.git' }, 'sync failed'), 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'],
    ['a password in a connection string', (log) => log.info({ config: { REDIS_URL: 'redis://:hunter2secret@redis:6379' } }, 'config'), 'hunter2secret'],
    ['a secret value by its key, nested', (log) => log.info({ config: { SHAMAN_SECRET_KEY: 'c2VjcmV0LWtleS1iYXNlNjQ=', nested: { gitToken: 'plain-looking-value' } } }, 'config'), 'plain-looking-value'],
    ['a model provider key', (log) => log.info({ env: { OPENAI_API_KEY: 'sk-proj-0123456789abcdefghij' } }, 'providers'), 'sk-proj-0123456789abcdefghij'],
    ['a token in a query string', (log) => log.info({ req: { url: '/webhooks/repositories/1?access_token=qs-secret-value&x=1' } }, 'request'), 'qs-secret-value'],
    ['a provider key quoted in text', (log) => log.error({ err: new Error('401 for key sk-ant-api03-abcdefghijklmnopqrstuv') }, 'model call failed'), 'sk-ant-api03-abcdefghijklmnopqrstuv'],
  ];
  it.each(cases)('redacts %s', (_name, write, secret) => {
    const c = capture();
    write(c.logger);
    expect(c.lines).toHaveLength(1);
    expect(c.text()).not.toContain(secret);
    expect(c.text()).toContain('redacted');
  });

  it('keeps counts whose names end in tokens, and ordinary text', () => {
    const c = capture();
    c.logger.info({ usage: { inputTokens: 12, outputTokens: 3 }, url: 'https://github.com/acme/agents.git' }, 'step finished');
    expect(c.lines[0]).toMatchObject({ usage: { inputTokens: 12, outputTokens: 3 }, url: 'https://github.com/acme/agents.git', msg: 'step finished' });
  });
});

describe('log context', () => {
  it('puts the ids of the work in progress on every line written inside it, also through child loggers', async () => {
    const c = capture();
    await withLogContext({ requestId: 'req-1' }, async () => {
      await withLogContext({ runId: 'run-1', stepId: 'step-1' }, async () => {
        await Promise.resolve();
        c.logger.child({ component: 'x' }).info('inside');
      });
    });
    c.logger.info('outside');
    expect(c.lines[0]).toMatchObject({ requestId: 'req-1', runId: 'run-1', stepId: 'step-1', component: 'x', msg: 'inside' });
    expect(c.lines[1]).not.toHaveProperty('runId');
  });
});
