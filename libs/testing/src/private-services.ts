import { runMigrations, withDatabase, withUser } from '@shaman/platform';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MIGRATIONS_DIR } from './database.js';

const run = promisify(execFile);
const PG_BIN = process.env['PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const POSTGRES_UID = 'postgres';

/** A port nobody listens on right now (the kernel picks it; we release it at once and reuse the number). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
    socket.connect(port, '127.0.0.1');
  });

const waitForPort = async (port: number, what: string, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(port))) {
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** A daemon we started as a child process, restartable on the same port and data directory. */
type Daemon = { start(): Promise<void>; kill(signal?: NodeJS.Signals): Promise<void> };

const daemon = (input: { what: string; port: number; command: string; args: readonly string[] }): Daemon => {
  let child: ChildProcess | null = null;
  let output = '';
  return {
    start: async () => {
      output = '';
      child = spawn(input.command, input.args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
      child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
      await waitForPort(input.port, input.what).catch((error: unknown) => {
        throw new Error(`${String(error)}; output:\n${output}`);
      });
    },
    kill: async (signal = 'SIGTERM') => {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      const force = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
};

export type PrivateServices = {
  natsUrl: string;
  redisUrl: string;
  /** The `postgres` superuser on the private cluster's `shaman` database (migrated). */
  adminUrl: string;
  appUrl: string;
  projectorUrl: string;
  /** Stops nats-server and starts it again on the same port and store directory (JetStream keeps its data). */
  restartNats(): Promise<void>;
  /** `pg_ctl restart -m fast`: every connection is dropped. */
  restartPostgres(): Promise<void>;
  /** SIGKILL, then a new redis-server on the same port (no persistence: its keys are gone). */
  restartRedis(): Promise<void>;
  stop(): Promise<void>;
};

const pgCtl = (dir: string, port: number, args: readonly string[]) =>
  run('runuser', ['-u', POSTGRES_UID, '--', join(PG_BIN, 'pg_ctl'), '-D', dir, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-w', ...args], { timeout: 60_000 });

/**
 * nats-server, Redis and a PostgreSQL cluster of the suite's own, on free ports and in temporary directories,
 * so a fault suite can kill and restart them without touching the shared services other suites use at the
 * same time. Everything is stopped and removed by `stop`, which a suite must call even when it fails.
 */
export const startPrivateServices = async (): Promise<PrivateServices> => {
  const root = await mkdtemp(join(tmpdir(), 'shaman-private-'));
  const [natsPort, redisPort, pgPort] = [await freePort(), await freePort(), await freePort()];
  const pgDir = join(root, 'pg');
  const nats = daemon({ what: 'nats-server', port: natsPort, command: 'nats-server', args: ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-sd', join(root, 'nats')] });
  const redisArgs = ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  const redis = daemon({ what: 'redis-server', port: redisPort, command: 'redis-server', args: redisArgs });
  let pgStarted = false;
  const stop = async (): Promise<void> => {
    await Promise.all([nats.kill(), redis.kill(), pgStarted ? pgCtl(pgDir, pgPort, ['stop', '-m', 'immediate']).catch(() => undefined) : undefined]);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await Promise.all([nats.start(), redis.start()]);
    // initdb refuses to run as root: the cluster belongs to the postgres user, who must reach it through `root`.
    await mkdir(pgDir);
    await chmod(root, 0o755);
    await run('chown', [POSTGRES_UID, pgDir]);
    await run('runuser', ['-u', POSTGRES_UID, '--', join(PG_BIN, 'initdb'), '-D', pgDir, '-A', 'trust', '-U', 'postgres'], { timeout: 120_000 });
    await pgCtl(pgDir, pgPort, ['-l', join(pgDir, 'log'), 'start']);
    pgStarted = true;
    const adminUrl = withDatabase(`postgres://postgres@127.0.0.1:${pgPort}/postgres`, 'shaman');
    await runMigrations({ adminUrl, dir: MIGRATIONS_DIR });
    return {
      natsUrl: `nats://127.0.0.1:${natsPort}`,
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      adminUrl,
      appUrl: withUser(adminUrl, 'shaman_app'),
      projectorUrl: withUser(adminUrl, 'shaman_projector'),
      restartNats: async () => {
        await nats.kill();
        await nats.start();
      },
      restartPostgres: async () => {
        await pgCtl(pgDir, pgPort, ['-l', join(pgDir, 'log'), '-m', 'fast', 'restart']);
      },
      restartRedis: async () => {
        await redis.kill('SIGKILL');
        await redis.start();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
