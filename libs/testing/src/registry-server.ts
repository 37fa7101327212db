// An external agent registry for tests on 127.0.0.1 (port 0) answering `GET /agents` with ETags.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RegistryServerState = {
  agents: unknown[];
  etag: string;
  /** Cache-Control max-age, seconds; null sends no Cache-Control. */
  maxAge: number | null;
  /** Delay before answering: longer than the client's timeout makes the registry "dead". */
  delayMs: number;
  status: number;
};

export type RegistryServer = {
  url: string;
  state: RegistryServerState;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
};

export const startRegistryServer = async (initial: Partial<RegistryServerState> = {}): Promise<RegistryServer> => {
  const state: RegistryServerState = { agents: [], etag: '"v1"', maxAge: null, delayMs: 0, status: 200, ...initial };
  const requests: RegistryServer['requests'] = [];
  const server = createServer((request, response) => {
    requests.push({ path: request.url ?? '', headers: request.headers });
    const timer = setTimeout(() => {
      if (request.url !== '/registry/agents') return void response.writeHead(404).end();
      const cache = state.maxAge === null ? {} : { 'cache-control': `max-age=${state.maxAge}` };
      if (request.headers['if-none-match'] === state.etag) return void response.writeHead(304, { etag: state.etag, ...cache }).end();
      response.writeHead(state.status, { 'content-type': 'application/json', etag: state.etag, ...cache });
      response.end(JSON.stringify({ agents: state.agents }));
    }, state.delayMs);
    response.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/registry`,
    state,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};

/** A listing entry as registries write it. */
export const listedAgent = (name: string, url = 'https://partner.example/a2a'): Record<string, unknown> => ({ name, url, cardUrl: `${url}/.well-known/agent-card.json` });
