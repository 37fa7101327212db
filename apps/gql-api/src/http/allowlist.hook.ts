import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { httpError } from '../errors.js';

/** sha256 (hex) of an operation's text → the text: the operations a production deployment accepts. */
export type OperationAllowlist = ReadonlyMap<string, string>;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const AllowlistFile = z.union([
  z.array(z.string().min(1)),
  z.record(z.string().regex(/^[0-9a-f]{64}$/), z.string().min(1)),
]);

/**
 * Reads an allow-list file: a JSON array of operation texts, or an object of sha256 → text (the format
 * Apollo's persisted-query manifests and most clients' codegen produce). Each hash is checked against its text.
 */
export const loadAllowlist = async (path: string): Promise<OperationAllowlist> => {
  const parsed = AllowlistFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: expected an array of operations or an object of sha256 → operation`);
  const entries = Array.isArray(parsed.data) ? parsed.data.map((text) => [sha256(text), text] as const) : Object.entries(parsed.data);
  for (const [hash, text] of entries) if (sha256(text) !== hash) throw new Error(`${path}: ${hash} is not the sha256 of its operation`);
  return new Map(entries);
};

type Body = { query?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } };

const bodyOf = (request: FastifyRequest): Body => {
  if (request.method === 'POST') return (request.body ?? {}) as Body;
  // GET carries the same fields in the query string, extensions as JSON.
  const q = (request.query ?? {}) as { query?: string; extensions?: string };
  let extensions: Body['extensions'];
  try {
    extensions = q.extensions ? (JSON.parse(q.extensions) as Body['extensions']) : undefined;
  } catch {
    extensions = undefined;
  }
  return { query: q.query, extensions };
};

/**
 * Allow-list mode: only listed operations run. A client sends the operation's hash (persisted-query
 * extension) and the server supplies the text, or sends a text whose hash is listed. Anything else is refused
 * before parsing: a leaked key cannot run arbitrary queries.
 */
export const allowlistHook =
  (allowlist: OperationAllowlist): preHandlerAsyncHookHandler =>
  async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST' && request.method !== 'GET') return;
    const body = bodyOf(request);
    const hash = body.extensions?.persistedQuery?.sha256Hash;
    const text = typeof body.query === 'string' ? body.query : typeof hash === 'string' ? allowlist.get(hash) : undefined;
    if (text !== undefined && allowlist.has(sha256(text)) && (typeof hash !== 'string' || hash === sha256(text))) {
      if (request.method === 'POST' && typeof body.query !== 'string') (request.body as Body).query = text;
      if (request.method === 'GET' && typeof body.query !== 'string') (request.query as Record<string, unknown>)['query'] = text;
      return;
    }
    const refused = httpError('FORBIDDEN', 'this server runs only allow-listed operations, and this one is not on the list');
    await reply.code(refused.status).send(refused.body);
  };
