import { JetStreamApiError } from '@nats-io/jetstream';
import { ClosedConnectionError, NoRespondersError, TimeoutError, createInbox, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

/** What JetStream answers a stored publish with. */
export type PubAck = { stream: string; seq: number; duplicate: boolean };

/** Publishes to a stream's subject and waits for JetStream's acknowledgement. */
export type AckedPublisher = { publish(subject: string, payload: Uint8Array, headers: MsgHdrs): Promise<PubAck>; close(): void };

type Waiting = { resolve: (ack: PubAck) => void; reject: (error: Error) => void; subject: string; deadline: number };
type AckBody = { stream?: string; seq?: number; duplicate?: boolean; error?: { code: number; err_code?: number; description: string } };

/** How often unanswered publishes are checked against their deadline. */
const SWEEP_MS = 100;
const decoder = new TextDecoder();

/**
 * JetStream publishes with acknowledgements, without a request object per publish. The client's `js.publish`
 * is a `request()`: each one makes a reply token, a deferred, a timer, and on success still builds an Error
 * (the request's `cancel`), which together were several per cent of the gateway's and the executor's CPU
 * under load, on the path every event takes. Here every publish answers to one subscription
 * (`<inbox>.<n>`), deadlines are swept a few times a second, and failures are the client's own error types
 * (`JetStreamApiError` with JetStream's codes, `TimeoutError`, `NoResponders` when no stream takes the subject),
 * so callers classify them as before.
 */
export const createAckedPublisher = (nc: NatsConnection, options: { timeoutMs: number }): AckedPublisher => {
  const prefix = `${createInbox()}.`;
  const waiting = new Map<string, Waiting>();
  let next = 0;
  let sweeper: NodeJS.Timeout | null = null;

  const settle = (token: string, outcome: (w: Waiting) => void): void => {
    const w = waiting.get(token);
    if (!w) return; // late: it timed out already
    waiting.delete(token);
    outcome(w);
  };

  const answer = (msg: Msg): void => {
    const token = msg.subject.slice(prefix.length);
    if (msg.headers?.code === 503) return settle(token, (w) => w.reject(new NoRespondersError(w.subject)));
    let body: AckBody;
    try {
      body = JSON.parse(decoder.decode(msg.data)) as AckBody;
    } catch (error) {
      return settle(token, (w) => w.reject(new Error(`unreadable JetStream acknowledgement for ${w.subject}`, { cause: error })));
    }
    if (body.error) {
      const apiError = { code: body.error.code, err_code: body.error.err_code ?? 0, description: body.error.description };
      return settle(token, (w) => w.reject(new JetStreamApiError(apiError)));
    }
    if (typeof body.stream !== 'string' || body.stream === '' || typeof body.seq !== 'number') {
      return settle(token, (w) => w.reject(new Error(`invalid JetStream acknowledgement for ${w.subject}`)));
    }
    const ack = { stream: body.stream, seq: body.seq, duplicate: body.duplicate === true };
    settle(token, (w) => w.resolve(ack));
  };

  const subscription = nc.subscribe(`${prefix}*`, { callback: (error, msg) => (error ? undefined : answer(msg)) });

  // Deadlines are sent in order with one timeout, so the map (insertion-ordered) is in deadline order.
  const sweep = (): void => {
    const now = performance.now();
    for (const [token, w] of waiting) {
      if (w.deadline > now) break;
      settle(token, (late) => late.reject(new TimeoutError()));
    }
    if (waiting.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = null;
    }
  };

  const failAll = (error: () => Error): void => {
    for (const token of [...waiting.keys()]) settle(token, (w) => w.reject(error()));
  };
  void nc.closed().then(() => failAll(() => new ClosedConnectionError()));

  return {
    publish: (subject, payload, headers) =>
      new Promise<PubAck>((resolve, reject) => {
        const token = (next++).toString(36);
        nc.publish(subject, payload, { reply: `${prefix}${token}`, headers }); // throws on a closed connection
        waiting.set(token, { resolve, reject, subject, deadline: performance.now() + options.timeoutMs });
        sweeper ??= setInterval(sweep, SWEEP_MS).unref();
      }),
    close: () => {
      subscription.unsubscribe();
      failAll(() => new ClosedConnectionError());
    },
  };
};
