// `npx tsx scripts/soak.ts`: a soak of SOAK_SECONDS (default 600) at moderate load (SOAK_CLIENTS blocking A2A
// senders, default 4) against the projector, executor and gateway as processes on private services (no shared
// service is touched). Every SOAK_SAMPLE_SECONDS it prints each process's resident memory, the events appended
// per second and how far the projection is behind; at the end, first against last. Flat memory and lag = pass,
// judged by a reader: it reports, it does not fail (issue 8). Not part of CI.
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@shaman/platform';
import { ensureJetStream } from '@shaman/nats-infra';
import { createTestTenant, freePort, runLoad, spawnApp, startPrivateServices, type AppProcess } from '@shaman/testing';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const seconds = Number(process.env['SOAK_SECONDS'] ?? 600);
const clients = Number(process.env['SOAK_CLIENTS'] ?? 4);
const sampleSeconds = Number(process.env['SOAK_SAMPLE_SECONDS'] ?? 10);
const layout = { stream: 'SOAK', subjectPrefix: 'soak' };

const rssMiB = async (p: AppProcess): Promise<number> => {
  const status = await readFile(`/proc/${p.process.pid}/status`, 'utf8').catch(() => '');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};

const services = await startPrivateServices();
const repo = await mkdtemp(join(tmpdir(), 'shaman-soak-'));
const apps: AppProcess[] = [];
try {
  await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
  const tenant = await createTestTenant(services.adminUrl, { agentsRepository: repo });
  const nc = await connectNats(services.natsUrl, 'soak');
  const jsm = await jetstreamManager(nc);
  await ensureJetStream(jsm, layout);
  const port = await freePort();
  const bus = { NATS_URL: services.natsUrl, NATS_STREAM: layout.stream, NATS_SUBJECT_PREFIX: layout.subjectPrefix };
  apps.push(
    spawnApp('projector', { ...bus, DATABASE_URL: services.projectorUrl }),
    spawnApp('executor', { ...bus, SCRIPTED_LATENCY_MS: '50' }),
    spawnApp('a2a-gateway', { ...bus, DATABASE_URL: services.appUrl, GATEWAY_PORT: String(port), REDIS_URL: services.redisUrl, GATEWAY_RATE_LIMIT_PER_MINUTE: '0' }),
  );
  const readyLines = ['projector started', 'executor pulling', 'a2a gateway listening'];
  await Promise.all(apps.map((a, i) => a.waitForLog((l) => l.msg === readyLines[i], 60_000)));
  const admin = new pg.Client({ connectionString: services.adminUrl });
  await admin.connect();
  const lag = async (): Promise<{ last: number; behind: number }> => {
    const at = Number((await admin.query<{ p: string }>("SELECT position::text AS p FROM projection_checkpoints WHERE name = 'read-models'")).rows[0]?.p ?? 0);
    const last = (await jsm.streams.info(layout.stream)).state.last_seq;
    return { last, behind: last - at };
  };
  const start = Date.now();
  const rows: { t: number; rss: number[]; messagesPerSecond: number; behind: number }[] = [];
  let previous = 0;
  console.log(`soak: ${seconds} s, ${clients} clients; t(s) | RSS MiB ${apps.map((a) => a.name).join(' / ')} | stream messages/s | projection behind (messages)`);
  const sampler = (async () => {
    for (let i = 1; Date.now() < start + seconds * 1000; i++) {
      await new Promise((r) => setTimeout(r, Math.max(0, start + i * sampleSeconds * 1000 - Date.now())));
      const [rss, { last, behind }] = await Promise.all([Promise.all(apps.map(rssMiB)), lag()]);
      const row = { t: Math.round((Date.now() - start) / 1000), rss, messagesPerSecond: Math.round((last - previous) / sampleSeconds), behind };
      previous = last;
      rows.push(row);
      console.log(`${row.t} | ${rss.join(' / ')} | ${row.messagesPerSecond} | ${behind}`);
    }
  })();
  const end = start + seconds * 1000;
  const [tally] = await Promise.all([runLoad({ url: `http://127.0.0.1:${port}`, apiKey: tenant.apiKey, clients, loadUntil: end, giveUpAt: end + 30_000 }), sampler]);
  const first = rows[0];
  const final = rows.at(-1);
  if (first && final) {
    console.log(`RSS MiB first → last: ${apps.map((a, i) => `${a.name} ${first.rss[i]} → ${final.rss[i]}`).join(', ')}`);
    console.log(`projection behind: max ${Math.max(...rows.map((r) => r.behind))} events; last ${final.behind}`);
  }
  console.log(`runs accepted ${tally.accepted.size}, retries ${tally.retries}, abandoned ${tally.abandoned}`);
  await admin.end();
  await nc.close();
} finally {
  await Promise.all(apps.map((a) => a.stop()));
  await services.stop();
  await rm(repo, { recursive: true, force: true });
}
