import Fastify, { type FastifyInstance } from 'fastify';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUiRoutes } from './ui.routes.js';

/** The static UI route on a bare Fastify with a fabricated bundle: caching, redirects, what is never served. */
describe('web UI route (/ui/)', () => {
  let dir: string;
  let app: FastifyInstance;
  let unbuilt: FastifyInstance;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shaman-ui-'));
    await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
    await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>ui</title>');
    await writeFile(join(dir, 'dist', 'assets', 'index-BhRuxrei.js'), 'console.log(1)');
    await writeFile(join(dir, 'dist', 'assets', 'index-BhRuxrei.js.map'), '{}');
    await writeFile(join(dir, 'dist', '.built'), 'stamp');
    await writeFile(join(dir, 'secret.txt'), 'outside the bundle');
    app = Fastify();
    await registerUiRoutes(app, { root: join(dir, 'dist') });
    unbuilt = Fastify();
    await registerUiRoutes(unbuilt, { root: join(dir, 'nothing-here') });
  });
  afterAll(async () => {
    await app.close();
    await unbuilt.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at /ui/ revalidated on every load, with a content security policy', async () => {
    const res = await app.inject({ url: '/ui/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<title>ui</title>');
    const again = await app.inject({ url: '/ui/', headers: { 'if-none-match': String(res.headers['etag']) } });
    expect(again.statusCode).toBe(304);
  });

  it('redirects /ui to /ui/', async () => {
    const res = await app.inject({ url: '/ui' });
    expect([301, 302, 308]).toContain(res.statusCode);
    expect(res.headers['location']).toBe('/ui/');
  });

  it('marks content-hashed assets (and their source maps) immutable for a year', async () => {
    for (const name of ['index-BhRuxrei.js', 'index-BhRuxrei.js.map']) {
      const res = await app.inject({ url: `/ui/assets/${name}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  });

  it('serves nothing outside the bundle, no dotfile, and 404 for an unknown asset', async () => {
    expect((await app.inject({ url: '/ui/assets/missing-12345678.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/ui/.built' })).statusCode).toBe(404);
    for (const url of ['/ui/../secret.txt', '/ui/%2e%2e/secret.txt', '/ui/..%2fsecret.txt']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain('outside the bundle');
    }
  });

  it('without a build, answers 503 saying how to build, and leaves other routes alone', async () => {
    unbuilt.get('/healthz', async () => ({ status: 'ok' }));
    for (const url of ['/ui', '/ui/', '/ui/assets/index-BhRuxrei.js']) {
      const res = await unbuilt.inject({ url });
      expect(res.statusCode, url).toBe(503);
      expect(res.body).toContain('npm run build:web');
    }
    expect((await unbuilt.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
