import { describe, expect, it } from 'vitest';
import { isUnreachable, startWhenReachable } from './app-lifecycle.js';
import { createLogger } from './logger.js';

const logger = createLogger({ name: 'lifecycle-test', level: 'silent' });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4222'), { code: 'ECONNREFUSED' });

describe('start-up while dependencies come up', () => {
  it('tells a dependency that is not there yet from a real failure', () => {
    expect(isUnreachable(refused())).toBe(true);
    expect(isUnreachable(new Error('connection refused', { cause: refused() }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('getaddrinfo ENOTFOUND nats'), { code: 'ENOTFOUND' }))).toBe(true);
    expect(isUnreachable(new Error('Invalid configuration:\n  NATS_URL: invalid'))).toBe(false);
    expect(isUnreachable(Object.assign(new Error('listen EADDRINUSE: address already in use'), { code: 'EADDRINUSE' }))).toBe(false);
  });

  it('retries while unreachable and returns what the first successful start returned', async () => {
    let attempts = 0;
    const started = await startWhenReachable(async () => (++attempts < 3 ? Promise.reject(refused()) : 'app'), { logger, signal: new AbortController().signal, delaysMs: [1] });
    expect(started).toBe('app');
    expect(attempts).toBe(3);
  });

  it('fails at once on anything else, and stops retrying when signalled', async () => {
    await expect(startWhenReachable(async () => Promise.reject(new Error('bad config')), { logger, signal: new AbortController().signal })).rejects.toThrow('bad config');
    const stop = new AbortController();
    let attempts = 0;
    const pending = startWhenReachable(async () => (attempts++, Promise.reject(refused())), { logger, signal: stop.signal, delaysMs: [60_000] });
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    expect(await pending).toBeNull();
    expect(attempts).toBe(1);
  });
});
