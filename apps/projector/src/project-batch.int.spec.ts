import { createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, type TestDatabase } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectBatch, type Batch } from './project-batch.js';
import type { SequencedEvent } from './read-models/fold-steps.js';
import { createClock, newStep, stepEvents } from './step-events.fixtures.js';

type Trips = { trips: number; statements: number };

/**
 * Counts the round trips of the clients `pool` hands out: a query issued while none is awaiting its answer
 * starts one; queries issued while others are in flight ride in it.
 */
const countRoundTrips = (pool: Pool): { take(): Trips } => {
  let counts: Trips = { trips: 0, statements: 0 };
  const wrapped = new WeakSet<object>();
  pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    let pending = 0;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      counts.statements += 1;
      if (pending === 0) counts.trips += 1;
      pending += 1;
      const done = () => void (pending -= 1);
      const callback = args.at(-1);
      if (typeof callback === 'function') return query(...args.slice(0, -1), (...result: unknown[]) => (done(), callback(...result))); // pool.query's form
      const answer = query(...args);
      void answer.then(done, done);
      return answer;
    };
  });
  return {
    take: () => {
      const taken = counts;
      counts = { trips: 0, statements: 0 };
      return taken;
    },
  };
};

/** A one-step run as the executor records it: the request, then the claim, the answer, its price and the end. */
const oneStepRun = (orgId: string, firstSeq: number): SequencedEvent[] => {
  const step = newStep({ orgId, runId: randomUUID() });
  const e = stepEvents(step, createClock());
  return [
    { seq: firstSeq, event: e.requested('Echo') },
    ...[e.started('Echo'), e.llm(0, { inputTokens: 3, outputTokens: 2 }), e.usage(0, 'Echo', { inputTokens: 3, outputTokens: 2, costMicros: 9 }), e.completed('answer', 1)].map(
      (event) => ({ seq: firstSeq + 1, event }),
    ),
  ];
};

describe('projectBatch on a pipelined connection (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pipelined: Pool;
  let sequential: Pool;
  let pipelinedTrips: { take(): Trips };
  let sequentialTrips: { take(): Trips };
  const orgId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase();
    pipelined = createPool(db.projectorUrl, { max: 1, pipeline: true });
    sequential = createPool(db.projectorUrl, { max: 1 });
    pipelinedTrips = countRoundTrips(pipelined);
    sequentialTrips = countRoundTrips(sequential);
  });
  afterAll(async () => {
    await Promise.all([pipelined?.end(), sequential?.end()]);
    await db?.cleanup();
  });

  const rowsOf = async (pool: Pool, runIds: string[]) =>
    (await pool.query('SELECT id, status, step_count, input_tokens, output_tokens FROM runs WHERE id = ANY($1) ORDER BY id', [runIds])).rows.map((r: Record<string, unknown>) => ({ ...r, id: undefined }));

  it('applies a batch in three round trips where one statement after another takes one each, with the same rows', async () => {
    const first = [...oneStepRun(orgId, 1), ...oneStepRun(orgId, 3)];
    const batch = (name: string, events: SequencedEvent[]): Batch => ({ name, lastSeq: events.at(-1)!.seq, events });

    expect(await projectBatch(pipelined, batch('pipelined', first))).toEqual({ applied: true, position: 4, steps: 2 });
    const piped = pipelinedTrips.take();
    expect(piped.trips).toBe(3);

    const second = [...oneStepRun(orgId, 5), ...oneStepRun(orgId, 7)];
    expect(await projectBatch(sequential, batch('sequential', second))).toEqual({ applied: true, position: 8, steps: 2 });
    const oneByOne = sequentialTrips.take();
    // The same statements, each its own round trip.
    expect(oneByOne.statements).toBe(piped.statements);
    expect(oneByOne.trips).toBe(oneByOne.statements);
    expect(oneByOne.trips).toBeGreaterThan(3);

    const runIds = (events: SequencedEvent[]) => [...new Set(events.map((e) => e.event.metadata.runId))];
    const expected = { status: 'completed', step_count: 1, input_tokens: 3, output_tokens: 2 };
    expect(await rowsOf(pipelined, runIds(first))).toEqual([expect.objectContaining(expected), expect.objectContaining(expected)]);
    expect(await rowsOf(pipelined, runIds(second))).toEqual(await rowsOf(pipelined, runIds(first)));
    const usage = await pipelined.query('SELECT count(*)::int AS n FROM usage_ledger WHERE run_id = ANY($1)', [[...runIds(first), ...runIds(second)]]);
    expect(usage.rows[0]).toEqual({ n: 4 });
  });

  it('skips, in its first round trip, a batch the checkpoint already covers, and applies only the part after it', async () => {
    const events = [...oneStepRun(orgId, 1), ...oneStepRun(orgId, 3)];
    await projectBatch(pipelined, { name: 'partial', lastSeq: 2, events: events.slice(0, 5) });
    pipelinedTrips.take();
    expect(await projectBatch(pipelined, { name: 'partial', lastSeq: 2, events: events.slice(0, 5) })).toEqual({ applied: false, position: 2, steps: 0 });
    expect(pipelinedTrips.take().trips).toBe(2); // the lock and load, then COMMIT
    // The whole batch again, after its first run was applied: only the second run is folded.
    expect(await projectBatch(pipelined, { name: 'partial', lastSeq: 4, events })).toEqual({ applied: true, position: 4, steps: 1 });
  });
});
