/**
 * The floor of issue 3's comparison: the least any durable A2A `message/send` can cost on this machine's event
 * store. Per request it does only what durability cannot skip — the request is appended to JetStream and
 * acknowledged, another process takes it and appends the answer, acknowledged, and the answer goes back —
 * and nothing else: no validation beyond JSON.parse, no agent, no model, no tenant, no read model, no consumer
 * acknowledgements (both processes listen with plain core subscriptions on the stored subjects, which JetStream
 * delivers alongside storing). Our gateway and executor do all of that and more; this bounds them from below.
 *
 * Env: NATS_URL, FLOOR_PREFIX (a subject prefix inside a scratch stream), REFERENCE_API_KEY.
 * Prints one JSON line `{"msg":"floor listening","url":…}`; `durable-floor-worker.ts` answers.
 */
import { jetstream } from '@nats-io/jetstream';
import { connectNats } from '@shaman/platform';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';

const prefix = process.env['FLOOR_PREFIX'] ?? 'floor';
const API_KEY = Buffer.from(process.env['REFERENCE_API_KEY'] ?? 'bench-key');

const nc = await connectNats(process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222', 'bench-floor-server');
const js = jetstream(nc);

/** Requests waiting for their answer, by the sequence number the server gave them. */
const waiting = new Map<number, { res: ServerResponse; rpcId: unknown }>();
let next = 0;

const answers = nc.subscribe(`${prefix}.res.*`);
void (async () => {
  for await (const m of answers) {
    const seq = Number(m.subject.slice(m.subject.lastIndexOf('.') + 1));
    const pending = waiting.get(seq);
    if (pending === undefined) continue;
    waiting.delete(seq);
    const task = m.json<Record<string, unknown>>();
    pending.res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: pending.rpcId, result: task }));
  }
})();

const authorized = (header: string | string[] | undefined): boolean => {
  const given = Buffer.from(typeof header === 'string' ? header : '');
  return given.length === API_KEY.length && timingSafeEqual(given, API_KEY);
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (!authorized(req.headers['x-api-key'])) {
      res.writeHead(401).end();
      return;
    }
    const raw = Buffer.concat(chunks);
    let rpcId: unknown;
    try {
      rpcId = (JSON.parse(raw.toString('utf8')) as { id?: unknown }).id;
    } catch {
      res.writeHead(400).end('body is not JSON');
      return;
    }
    const seq = (next += 1);
    // Registered before the append, so an answer can never arrive before its waiter.
    waiting.set(seq, { res, rpcId });
    js.publish(`${prefix}.req.${seq}`, raw).catch((error: unknown) => {
      waiting.delete(seq);
      res.writeHead(500).end(String(error));
    });
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  console.log(JSON.stringify({ msg: 'floor listening', url: `http://127.0.0.1:${address.port}` }));
});
process.once('SIGTERM', () => server.close(() => void nc.drain().then(() => process.exit(0))));
