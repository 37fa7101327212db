import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, freePort, runRequested, spawnApp, stepEventsUntil, type AppProcess, type TestDatabase } from '@shaman/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 9, deployment: apps start in any order. An executor and a gateway started before their nats-server
 * wait for it (instead of exiting) and serve once it is up; a projector whose PostgreSQL never comes up keeps
 * waiting, and SIGTERM still ends it cleanly. The nats-server is a private one (its own port and store), as
 * in libs/testing/src/private-services.ts, started only after the apps.
 */
describe('apps started before their dependencies', () => {
  let dir: string;
  let db: TestDatabase;
  let natsServer: ChildProcess | null = null;
  let nc: NatsConnection | null = null;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shaman-start-order-'));
    db = await createTestDatabase();
    await writeFile(join(dir, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop(5000)));
    await nc?.close();
    if (natsServer && natsServer.exitCode === null) {
      const exited = new Promise((r) => natsServer!.once('exit', r));
      natsServer.kill('SIGTERM');
      await exited;
    }
    await db?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('an executor and a gateway started before nats-server wait for it, then work', async () => {
    const port = await freePort();
    const bus = { NATS_URL: `nats://127.0.0.1:${port}`, NATS_STREAM: 'START_ORDER', NATS_SUBJECT_PREFIX: 'startorder' };
    const executor = spawnApp('executor', { ...bus, EXECUTOR_ID: 'early' });
    const gateway = spawnApp('a2a-gateway', { ...bus, DATABASE_URL: db.appUrl, GATEWAY_PORT: '0' });
    apps.push(executor, gateway);
    const unreachable = (l: { msg?: string }) => l.msg === 'a dependency is unreachable; retrying';
    await Promise.all([executor.waitForLog(unreachable), gateway.waitForLog(unreachable)]);
    expect(executor.process.exitCode).toBeNull();

    natsServer = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, 'nats')], { stdio: 'ignore' });
    await Promise.all([executor.waitForLog((l) => l.msg === 'executor pulling', 30_000), gateway.waitForLog((l) => l.msg === 'a2a gateway listening', 30_000)]);

    nc = await connect({ servers: bus.NATS_URL });
    const store = await createJetStreamEventStore({ nc, stream: bus.NATS_STREAM, subjectPrefix: bus.NATS_SUBJECT_PREFIX });
    const event = runRequested({ orgId: newId(), agent: 'Echo', repository: dir, text: 'late bus' });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    const events = await stepEventsUntil(store, event.metadata, { timeoutMs: 20_000 });
    expect(events.at(-1)?.type).toBe('StepCompleted');
    expect(await executor.stop()).toBe(0);
    expect(await gateway.stop()).toBe(0);
  });

  it('a projector whose PostgreSQL is not up keeps waiting, and SIGTERM ends it with 0', async () => {
    const deadPg = `postgres://shaman_projector@127.0.0.1:${await freePort()}/shaman`;
    const nats = await createTestNats();
    try {
      const projector = spawnApp('projector', { DATABASE_URL: deadPg, NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix });
      apps.push(projector);
      await projector.waitForLog((l) => l.msg === 'a dependency is unreachable; retrying' && Number(l['attempt']) >= 2);
      expect(await projector.stop()).toBe(0);
      expect(projector.output()).not.toContain('projector started');
    } finally {
      await nats.cleanup();
    }
  });
});
