import { jetstreamManager } from '@nats-io/jetstream';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../database.js';
import { createTestNats, type TestNats } from '../nats.js';
import { startStack, type TestStack } from '../stack.js';
import { createTestTenant, type TestTenant } from '../tenants.js';
import { allProbes } from './all.probes.js';
import type { Target } from './probe.js';

// Rows that hostile input must not create or change. (audit_log is the record of the attempts themselves.)
const GUARDED_TABLES = ['runs', 'steps', 'repositories', 'org_secrets', 'api_keys', 'service_accounts', 'memberships', 'push_configs'];

const rssKiB = async (pid: number | undefined): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
};

/**
 * The bad input suite (issue 8): every hostile input, against the real gateway and GraphQL API as processes,
 * gets a precise error; no process crashes, memory stays bounded, and no state changes. Prints the tally.
 */
describe('bad input suite: hostile inputs against the real servers', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let tenant: TestTenant;
  let stack: TestStack;
  let target: Target;

  const snapshot = async () => {
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      const counts: Record<string, number> = {};
      for (const table of GUARDED_TABLES) {
        counts[table] = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`).then((r) => r.rows[0]?.n ?? 0, () => -1);
      }
      const lastSeq = (await (await jetstreamManager(nats.nc)).streams.info(nats.layout.stream)).state.last_seq;
      return { counts, lastSeq };
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    const repo = await mkdtemp(join(tmpdir(), 'shaman-bad-input-'));
    await writeFile(join(repo, 'Assistant.md'), '---\nname: Assistant\nmodel: scripted\n---\nHelp.\n');
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    stack = await startStack({ db, nats });
    target = { gatewayUrl: stack.gatewayUrl, graphqlUrl: stack.graphqlUrl, apiKey: tenant.apiKey };
  });
  afterAll(async () => {
    const codes = await stack?.stop();
    await nats?.cleanup();
    await db?.cleanup();
    expect(codes).toEqual([0, 0, 0, 0]);
  });

  it('answers every input with a precise error, stays up with bounded memory, and changes nothing', async () => {
    const before = await snapshot();
    const pids = stack.apps.map((a) => a.process.pid);
    const rssBefore = await Promise.all(pids.map(rssKiB));
    const probes = allProbes();
    const tally = new Map<string, { tried: number; failed: number }>();
    const failures: string[] = [];
    for (const probe of probes) {
      const result = await probe.run(target).catch((error: unknown) => `request failed: ${error instanceof Error ? error.message : String(error)}`);
      const row = tally.get(probe.category) ?? { tried: 0, failed: 0 };
      row.tried += 1;
      if (result !== null) {
        row.failed += 1;
        failures.push(`${probe.category} / ${probe.name}: ${result}`);
      }
      tally.set(probe.category, row);
    }
    const rssAfter = await Promise.all(pids.map(rssKiB));
    const after = await snapshot();

    const width = Math.max(...[...tally.keys()].map((k) => k.length));
    const table = [...tally].map(([category, { tried, failed }]) => `  ${category.padEnd(width)}  ${String(tried).padStart(4)} tried  ${String(failed).padStart(3)} failed`);
    console.log(['bad input suite', ...table, `  ${'total'.padEnd(width)}  ${String(probes.length).padStart(4)} tried  ${String(failures.length).padStart(3)} failed`].join('\n'));

    expect(failures).toEqual([]);
    // Every process is still up and answering.
    expect(stack.apps.map((a) => a.process.exitCode)).toEqual([null, null, null, null]);
    expect((await fetch(`${stack.gatewayUrl}/healthz`)).status).toBe(200);
    expect((await fetch(stack.graphqlUrl.replace(/\/graphql$/, '/healthz'))).status).toBe(200);
    // Nothing was recorded: no event, no row.
    expect(after).toEqual(before);
    // Bounded memory: 2 MiB bodies and bombs must not leave the servers much bigger than they were.
    rssAfter.forEach((kib, i) => expect({ app: stack.apps[i]?.name, growthMiB: Math.round((kib - (rssBefore[i] ?? 0)) / 1024) }).toEqual({ app: stack.apps[i]?.name, growthMiB: expect.toSatisfy((g: number) => g < 200) }));
  });
});
