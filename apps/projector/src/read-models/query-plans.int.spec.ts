import { createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, type TestDatabase } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_STEPS } from './apply-batch.js';
import { ROOT_STATUSES, UPSERT_RUNS } from './upsert-runs.js';

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] };

const scansOf = (node: PlanNode): string[] => [
  ...(node['Relation Name'] === undefined ? [] : [`${node['Node Type']} on ${node['Relation Name']}`]),
  ...(node.Plans ?? []).flatMap(scansOf),
];

/*
 * The projector's statements are prepared once per connection, and PostgreSQL soon switches them to a generic
 * plan that it keeps until the table is analysed again. A generic plan made while `steps` is empty (every new
 * deployment, every benchmark) must still probe its indexes: a sequential scan planned then is re-run on every
 * batch while the table grows (measured: 2,900 rows read per batch 10 s into a load, and growing).
 */
describe('projector statements keep index plans on a new database (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.projectorUrl, { max: 1 });
  });
  afterAll(async () => {
    await pool.end();
    await db.cleanup();
  });

  const genericPlanScans = async (statement: pg.QueryConfig, types: string): Promise<string[]> => {
    const client = await pool.connect();
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE under_test(${types}) AS ${statement.text}`);
      // EXPLAIN EXECUTE takes no bind parameters: the values go in as literals.
      const literal = (value: unknown): string => client.escapeLiteral(Array.isArray(value) ? `{${value.join(',')}}` : String(value));
      const values = (statement.values ?? []).map(literal).join(', ');
      const explained = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE under_test(${values})`);
      const [only] = explained.rows;
      return only === undefined ? [] : scansOf(only['QUERY PLAN'][0].Plan);
    } finally {
      await client.query('DEALLOCATE ALL; RESET plan_cache_mode');
      client.release();
    }
  };

  it('loads steps by primary key', async () => {
    const scans = await genericPlanScans(LOAD_STEPS([[randomUUID(), randomUUID()]]), 'uuid[]');
    expect(scans).toEqual(['Index Scan on steps']);
  });

  it("reads each run's root statuses through the steps_run index", async () => {
    const scans = await genericPlanScans(ROOT_STATUSES([[randomUUID()], [randomUUID()]]), 'uuid[], uuid[]');
    expect(scans).toEqual(['Index Scan on steps']);
  });

  it("recomputes each run from its steps through the steps_run index", async () => {
    const runs = JSON.stringify([{ org_id: randomUUID(), run_id: randomUUID(), status: 'completed', terminal: true }]);
    const scans = await genericPlanScans(UPSERT_RUNS([runs]), 'jsonb');
    expect(scans).toContain('Index Scan on steps');
    expect(scans.filter((scan) => scan.startsWith('Seq Scan'))).toEqual([]);
  });
});
