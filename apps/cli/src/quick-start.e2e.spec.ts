import { createTestDatabase, createTestNats, createTestRedis, eventually, type TestDatabase, type TestNats, type TestRedis } from '@shaman/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READY = 'Ctrl-C stops the stack.';

/**
 * The README's first command, as a user types it: `npm start` on private services (a scratch database, stream
 * and BullMQ prefix, ports the OS picks, its own state directory), then the curl line it prints, then the
 * SIGTERM a process manager sends to `npm`, after which nothing of the stack may still be listening.
 */
describe('npm start (the quick start)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let redis: TestRedis;
  let devDir: string;
  let npm: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    redis = createTestRedis();
    devDir = await mkdtemp(join(tmpdir(), 'shaman-dev-'));
    npm = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_ADMIN_URL: db.adminUrl,
        NATS_STREAM: nats.layout.stream,
        NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix,
        BULLMQ_PREFIX: redis.prefix,
        GATEWAY_PORT: '0',
        GATEWAY_INTERNAL_PORT: '0',
        GQL_PORT: '0',
        SHAMAN_DEV_DIR: devDir,
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that cleanup reaches whatever a failed stop left behind.
      detached: true,
    });
    npm.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) => npm.once('exit', (code) => resolve(code)));
    await eventually(async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}):\n${output}`);
      return output.includes(READY) ? true : undefined;
    }, { timeoutMs: 110_000, intervalMs: 200, what: 'the banner of npm start' });
  });

  afterAll(async () => {
    try {
      process.kill(-npm.pid!, 'SIGKILL');
    } catch {
      // nothing of the group is left: the stop worked
    }
    await exited;
    await rm(devDir, { recursive: true, force: true });
    await Promise.all([db.cleanup(), nats.cleanup(), redis.cleanup()]);
  });

  const url = (label: string): string => {
    const match = new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(output);
    if (!match?.[1]) throw new Error(`no ${label} URL in:\n${output}`);
    return match[1];
  };

  it('runs both demo runs to completion and keeps its state where it was told', async () => {
    expect(output).toMatch(/Demo run\s+Assistant → completed: Echo: Hello from shaman dev!/);
    expect(output).toMatch(/Team run\s+Coordinator → .* → completed: Brief on jetstream/);
    const state = JSON.parse(await readFile(join(devDir, 'dev.json'), 'utf8')) as { apiKey: string; gatewayUrl: string };
    expect(output).toContain(`API key      ${state.apiKey}`);
    expect(state.gatewayUrl).toBe(url('A2A gateway'));
  });

  it('answers the curl line it prints', async () => {
    const { apiKey } = JSON.parse(await readFile(join(devDir, 'dev.json'), 'utf8')) as { apiKey: string };
    const res = await fetch(`${url('A2A gateway')}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'What is event sourcing?' }] }, metadata: { agent: 'Assistant' } } }),
    });
    const body = (await res.json()) as { result?: { status: { state: string }; artifacts: { parts: { text: string }[] }[] } };
    expect(body.result?.status.state).toBe('completed');
    expect(body.result?.artifacts[0]?.parts[0]?.text).toBe('Echo: What is event sourcing?');
  });

  it('stops the whole stack on a SIGTERM sent to npm, and exits cleanly', async () => {
    const gateway = url('A2A gateway');
    const graphql = url('GraphQL');
    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('stopping…');
    for (const target of [`${gateway}/.well-known/agent-card.json`, graphql]) {
      await expect(fetch(target), target).rejects.toThrow();
    }
  });
});
