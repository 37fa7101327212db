import { assertPublicUrl } from '@shaman/platform';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRegistryListing } from './registry-client.js';

// A real HTTP server on 127.0.0.1 (port 0) per test, answering as the test says.
let server: Server | undefined;
const serve = async (handler: RequestListener): Promise<string> => {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/reg`;
};
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const allowLocal = (url: string) => assertPublicUrl(url, { allowPrivate: true });
const agent = { name: 'Translator', url: 'https://partner.example/a2a', cardUrl: 'https://partner.example/a2a/card' };

describe('fetchRegistryListing (real HTTP)', () => {
  it('reads a listing with its ETag and max-age, then a 304 for the same ETag', async () => {
    const url = await serve((req, res) => {
      if (req.headers['if-none-match'] === '"e1"') return void res.writeHead(304, { etag: '"e1"', 'cache-control': 'max-age=30' }).end();
      res.writeHead(200, { 'content-type': 'application/json', etag: '"e1"', 'cache-control': 'public, max-age=30' }).end(JSON.stringify({ agents: [agent] }));
    });
    expect(await fetchRegistryListing({ url, timeoutMs: 1000, assertUrl: allowLocal })).toMatchObject({ ok: true, notModified: false, etag: '"e1"', maxAgeSeconds: 30, agents: [{ name: 'Translator' }] });
    expect(await fetchRegistryListing({ url, etag: '"e1"', timeoutMs: 1000, assertUrl: allowLocal })).toEqual({ ok: true, notModified: true, etag: '"e1"', maxAgeSeconds: 30 });
  });

  it('gives up after the timeout on a registry that never answers', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();
    expect(await fetchRegistryListing({ url, timeoutMs: 200, assertUrl: allowLocal })).toEqual({ ok: false, error: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it.each([
    ['an HTTP error', (res: Parameters<RequestListener>[1]) => res.writeHead(503).end(), 'GET /agents answered HTTP 503'],
    ['a body that is not JSON', (res: Parameters<RequestListener>[1]) => res.writeHead(200).end('<html>'), 'listing is not JSON'],
    ['an invalid listing', (res: Parameters<RequestListener>[1]) => res.writeHead(200).end(JSON.stringify([{ name: 'A', url: 'https://x.example/' }])), 'invalid listing: 0.card: needs its agent card: card or cardUrl'],
    ['a redirect (not followed)', (res: Parameters<RequestListener>[1]) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end(), 'GET /agents answered HTTP 302'],
  ])('reports %s', async (_, answer, error) => {
    const url = await serve((_req, res) => answer(res));
    expect(await fetchRegistryListing({ url, timeoutMs: 1000, assertUrl: allowLocal })).toEqual({ ok: false, error });
  });

  it('refuses a private address through the SSRF guard before any request', async () => {
    let asked = 0;
    const url = await serve((_req, res) => (asked++, res.end('[]')));
    const result = await fetchRegistryListing({ url, timeoutMs: 1000, assertUrl: (u) => assertPublicUrl(u, { allowPrivate: false }) });
    expect(result).toEqual({ ok: false, error: 'refused host "127.0.0.1": is a loopback address' });
    expect(asked).toBe(0);
  });

  it('sends the bearer token and asks {url}/agents', async () => {
    const seen: { path?: string; auth?: string } = {};
    const url = await serve((req, res) => {
      Object.assign(seen, { path: req.url, auth: req.headers.authorization });
      res.end('[]');
    });
    expect(await fetchRegistryListing({ url: `${url}/`, token: 't0k', timeoutMs: 1000, assertUrl: allowLocal })).toMatchObject({ ok: true, agents: [] });
    expect(seen).toEqual({ path: '/reg/agents', auth: 'Bearer t0k' });
  });
});
