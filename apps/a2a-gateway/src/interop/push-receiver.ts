import { createServer, type IncomingHttpHeaders } from 'node:http';

export type Notification = { headers: IncomingHttpHeaders; body: unknown };
export type PushReceiver = { url: string; received: Notification[]; close(): Promise<void> };

/** A webhook on 127.0.0.1 that answers 204 and keeps every notification it gets, for push interop tests. */
export const startPushReceiver = async (): Promise<PushReceiver> => {
  const received: Notification[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text: a test asserting on the body then fails with what arrived
      }
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('push receiver has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
