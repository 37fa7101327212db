import fastifyStatic, { type SetHeadersResponse } from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:web` writes the bundle (apps/gql-api/web/dist, gitignored). */
export const DEFAULT_UI_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export type UiRouteOptions = {
  /** The built bundle: index.html plus Vite's content-hashed assets/. */
  root?: string;
};

// Vite names every asset after a hash of its content (`index-3f2a1c9b.js`): a changed file gets a new name, so
// browsers may keep these for a year without asking again. index.html names them, so it is revalidated on every
// load (no-cache still allows the ETag round trip).
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

// The page talks only to its own origin (GraphQL over HTTP and WebSocket) and inlines no script; style
// attributes are how the DAG positions its nodes.
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const isHashedAsset = (path: string): boolean => dirname(path).split(sep).includes('assets') && /-[\w-]{8,}(\.\w+)+$/.test(basename(path));

const setHeaders = (res: SetHeadersResponse, path: string): void => {
  res.setHeader('cache-control', isHashedAsset(path) ? IMMUTABLE : REVALIDATE);
  res.setHeader('x-content-type-options', 'nosniff');
  if (path.endsWith('.html')) {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('referrer-policy', 'no-referrer');
  }
};

/**
 * The live DAG web UI at `/ui/` (`/ui` redirects there): static files of the built bundle, no API key needed to
 * fetch them (the page asks for one and sends it to /graphql itself). Without a build, `/ui/` answers 503 saying
 * how to make one, and the API is unaffected.
 */
export const registerUiRoutes = async (app: FastifyInstance, options: UiRouteOptions = {}): Promise<void> => {
  const root = options.root ?? DEFAULT_UI_ROOT;
  if (!existsSync(`${root}/index.html`)) {
    const notBuilt = async (_: unknown, reply: FastifyReply) =>
      reply.code(503).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('The web UI is not built: run `npm run build:web` (npm start builds it).\n');
    app.get('/ui', notBuilt);
    app.get('/ui/*', notBuilt);
    return;
  }
  // Relative asset URLs and the hash router need the trailing slash.
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/', 301));
  await app.register(fastifyStatic, {
    root,
    prefix: '/ui/',
    index: ['index.html'],
    // Cache-Control is ours (setHeaders): send's own would mark index.html cacheable for max-age.
    cacheControl: false,
    dotfiles: 'ignore',
    setHeaders,
  });
};
