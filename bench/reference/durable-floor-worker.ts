/**
 * The other half of `durable-floor-server.ts`: takes each stored request and appends its answer (a completed
 * Task echoing the text, the shape the reference answers with), acknowledged, under the request's sequence.
 *
 * Env: NATS_URL, FLOOR_PREFIX. Prints `{"msg":"floor worker ready"}` once it listens.
 */
import { jetstream } from '@nats-io/jetstream';
import { connectNats } from '@shaman/platform';
import { randomUUID } from 'node:crypto';

type Request = { params: { message: { parts: { text?: string }[] } } };

const prefix = process.env['FLOOR_PREFIX'] ?? 'floor';
const nc = await connectNats(process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222', 'bench-floor-worker');
const js = jetstream(nc);

const requests = nc.subscribe(`${prefix}.req.*`);
await nc.flush();
console.log(JSON.stringify({ msg: 'floor worker ready' }));

for await (const m of requests) {
  const seq = m.subject.slice(m.subject.lastIndexOf('.') + 1);
  const text = m.json<Request>().params.message.parts.map((p) => p.text ?? '').join('');
  const id = randomUUID();
  const task = { kind: 'task', id, contextId: id, status: { state: 'completed', timestamp: new Date().toISOString() }, artifacts: [{ artifactId: `${id}:output`, parts: [{ kind: 'text', text: `Echo: ${text}` }] }] };
  js.publish(`${prefix}.res.${seq}`, JSON.stringify(task)).catch((error: unknown) => console.error(String(error)));
}
