import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HealthServer = { port: number; close(): Promise<void> };

/** `/healthz`: the process answers. `/readyz`: `ready()` says the app can do its work (e.g. its consumer is open). */
export const startHealthServer = async (options: { port: number; ready: () => boolean }): Promise<HealthServer> => {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    const ok = path === '/healthz' || (path === '/readyz' && options.ready());
    const known = path === '/healthz' || path === '/readyz';
    res.writeHead(known ? (ok ? 200 : 503) : 404, { 'content-type': 'text/plain' }).end(known ? (ok ? 'ok' : 'not ready') : 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
};
