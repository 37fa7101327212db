import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { isTerminalStepEvent, runLifecycleStream, ShamanEvent, stepEventStream, stepRequestStream, type RunCreated, type RunRequested, type StepAddress, type StepInputProvided } from '@shaman/events';
import { startExecutorOn, type Executor } from '@shaman/executor';
import { ensureJetStream } from '@shaman/nats-infra';
import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createProjector, type Projector } from '@shaman/projector';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';

// What the replay specs need beyond libs/testing: the CLI as a process, and runs recorded in-process.

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs the CLI as its own process (`node --import tsx apps/cli/src/main.ts …`) from the repository root. */
export const runCli = (root: string, args: readonly string[], env: Record<string, string | undefined>): Promise<CliResult> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/src/main.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });

const EXECUTOR_CONFIG = { EXECUTOR_ID: 'replay-test', EXECUTOR_CONCURRENCY: 50, EXECUTOR_ACK_WAIT_MS: 5000, EXECUTOR_MAX_DELIVER: 3, EXECUTOR_MAX_ACK_PENDING: 1000, STEP_MAX_ITERATIONS: 4, LLM_MAX_ATTEMPTS: 2 };

/** A real executor (scripted model) and projector on a private stream: runs recorded as production records them. */
export type Recorder = {
  layout: { stream: string; subjectPrefix: string };
  store: JetStreamEventStore;
  pool: Pool;
  /** Appends a `RunRequested` for a new step (of a new run unless `runId` is given) and returns its address. */
  request(input: { orgId: string; agent: string; text: string; runId?: string; parentStepId?: string }): Promise<StepAddress>;
  answer(address: StepAddress, text: string): Promise<void>;
  /** Opens a run before any step (`RunCreated`, as GraphQL `createRun` does) and returns its id. */
  createRun(orgId: string): Promise<string>;
  /** The step's events once one matches `until` (default: a terminal event). */
  until(address: StepAddress, until?: (e: ShamanEvent) => boolean): Promise<ShamanEvent[]>;
  /** Resolves once the projector has folded everything recorded so far. */
  projected(): Promise<void>;
  stop(): Promise<void>;
};

const poll = async <T>(fn: () => Promise<T | undefined>, what: string): Promise<T> => {
  for (let i = 0; i < 300; i += 1) {
    const value = await fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const stepEvents = async (store: JetStreamEventStore, a: StepAddress): Promise<ShamanEvent[]> => {
  const out: ShamanEvent[] = [];
  for await (const c of store.readFilter(stepEventStream(a))) out.push(...c.commit.events.map((e) => ShamanEvent.parse(e)));
  return out;
};

export const startRecorder = async (input: { natsUrl: string; adminUrl: string; repository: string }): Promise<Recorder> => {
  const id = randomBytes(4).toString('hex');
  const layout = { stream: `TEST_REPLAY_${id.toUpperCase()}`, subjectPrefix: `replay${id}`, replicas: 1 };
  const logger = createLogger({ name: 'replay-test', level: 'silent' });
  const nc: NatsConnection = await connect({ servers: input.natsUrl });
  await ensureJetStream(await jetstreamManager(nc), layout);
  const store = await createJetStreamEventStore({ nc, ...layout });
  const executor: Executor = await startExecutorOn({ nc, layout, logger, config: EXECUTOR_CONFIG });
  const pool = createPool(input.adminUrl, { max: 4 });
  // Small batches, so the live read models are folded in many pieces and the rebuilds (one piece) test that cut.
  const projector: Projector = createProjector({ pool, nc, layout, logger, batchMax: 3, batchWaitMs: 5 });
  await projector.start();
  const jsm = await jetstreamManager(nc);
  return {
    layout,
    store,
    pool,
    request: async (r) => {
      const address = { orgId: r.orgId, runId: r.runId ?? randomUUID(), stepId: randomUUID() } as StepAddress;
      const event: RunRequested = {
        type: 'RunRequested',
        data: {
          agent: { name: r.agent, repository: input.repository, commit: null },
          message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: r.text }] },
          parentStepId: (r.parentStepId ?? null) as RunRequested['data']['parentStepId'],
          depth: r.parentStepId ? 1 : 0,
          initiator: { kind: 'system', id: 'replay-test' },
        },
        metadata: { ...address, eventId: randomUUID(), at: new Date().toISOString() } as RunRequested['metadata'],
      };
      await store.appendToStream(stepRequestStream(address), [event]);
      return address;
    },
    answer: async (address, text) => {
      const event: StepInputProvided = {
        type: 'StepInputProvided',
        data: { message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text }] }, providedBy: { kind: 'api_key', id: 'k1' } },
        metadata: { ...address, eventId: randomUUID(), at: new Date().toISOString() } as StepInputProvided['metadata'],
      };
      await store.appendToStream(stepRequestStream(address), [event]);
    },
    createRun: async (orgId) => {
      const runId = randomUUID();
      const event: RunCreated = {
        type: 'RunCreated',
        data: { initiator: { kind: 'user', id: 'replay-test' }, label: 'weather run' },
        metadata: { eventId: randomUUID(), orgId, runId, at: new Date().toISOString() } as RunCreated['metadata'],
      };
      await store.appendToStream(runLifecycleStream(orgId, runId), [event]);
      return runId;
    },
    until: (address, until = isTerminalStepEvent) =>
      poll(async () => {
        const events = await stepEvents(store, address);
        return events.some(until) ? events : undefined;
      }, `step ${address.stepId}`),
    projected: async () => projector.waitFor((await jsm.streams.info(layout.stream)).state.last_seq),
    stop: async () => {
      await executor.stop(1000);
      await projector.stop();
      await pool.end();
      await jsm.streams.delete(layout.stream).catch(() => undefined);
      await nc.drain();
    },
  };
};
