import { repositoryWebhookTarget, type Pool, type RepositorySyncQueue, type SecretBox } from '@shaman/platform';
import type { FastifyInstance } from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { httpError } from '../errors.js';

export type RepositoryWebhookDeps = {
  pool: Pool;
  queue: Pick<RepositorySyncQueue, 'enqueueNow'>;
  /** Opens the per-repository secrets; without it every webhook is refused (503). */
  secretBox: SecretBox | null;
};

const BODY_LIMIT_BYTES = 1024 * 1024;
const Params = z.object({ id: z.uuid() });
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** GitHub's scheme: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, compared in constant time. */
export const verifySignature = (secret: string, body: Buffer, header: unknown): boolean => {
  const match = typeof header === 'string' ? SIGNATURE.exec(header) : null;
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
};

// GitHub, Gitea and Forgejo name the event in a header; GitLab in its own. Absent means a generic caller: sync.
const eventOf = (headers: Record<string, unknown>): string | undefined => {
  const value = headers['x-github-event'] ?? headers['x-gitea-event'] ?? headers['x-gitlab-event'];
  return typeof value === 'string' ? value.toLowerCase() : undefined;
};

/**
 * Why a verified delivery needs no sync, or null when it does: only pushes (and generic calls without an
 * event header) sync, and a push that names a ref syncs only when it is the tracked branch. A body that is
 * not JSON or names no ref syncs: fetching once too often costs a fetch, missing a push costs a stale agent.
 */
export const ignoredDelivery = (headers: Record<string, unknown>, body: Buffer, branch: string): string | null => {
  const event = eventOf(headers);
  if (event !== undefined && event !== 'push' && event !== 'push hook') return `event ${event} is not a push`;
  let ref: unknown;
  try {
    ref = (JSON.parse(body.toString('utf8')) as { ref?: unknown } | null)?.ref;
  } catch {
    return null;
  }
  if (typeof ref !== 'string' || ref === `refs/heads/${branch}`) return null;
  return `push to ${ref}, not to the tracked branch ${branch}`;
};

/**
 * `POST /webhooks/repositories/:id`: a push to a repository queues a sync of it now. The caller is
 * authenticated only by the HMAC, so the body is taken raw (the signature covers its bytes) whatever its
 * content type, and nothing of the request (secret, signature, body) is logged. Answers 202 `{queued: true}`,
 * or 202 `{queued: false, reason}` for a verified delivery that needs no sync (a ping, a push to another branch),
 * 401 for a missing or wrong signature, 404 for an unknown repository or one without a webhook, 413 over 1 MiB.
 */
export const registerRepositoryWebhook = async (app: FastifyInstance, deps: RepositoryWebhookDeps): Promise<void> => {
  // Encapsulated: the raw-body parser applies to this route only, not to /graphql.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
    scope.post('/webhooks/repositories/:id', { bodyLimit: BODY_LIMIT_BYTES }, async (request, reply) => {
      const params = Params.safeParse(request.params);
      const target = params.success ? await repositoryWebhookTarget(deps.pool, params.data.id) : null;
      if (!params.success || !target?.webhookSecretCiphertext) {
        const notFound = httpError('NOT_FOUND', 'no webhook for this repository');
        return reply.code(notFound.status).send(notFound.body);
      }
      if (!deps.secretBox) {
        request.log.warn('repository webhook refused: SHAMAN_SECRET_KEY is not set');
        return reply.code(503).send(httpError('INTERNAL', 'webhooks are not configured').body);
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const secret = deps.secretBox.decrypt(target.webhookSecretCiphertext);
      if (!verifySignature(secret, body, request.headers['x-hub-signature-256'])) {
        const unauthenticated = httpError('UNAUTHENTICATED', 'missing or invalid X-Hub-Signature-256');
        return reply.code(unauthenticated.status).send(unauthenticated.body);
      }
      const ignored = ignoredDelivery(request.headers, body, target.branch);
      if (ignored) {
        request.log.info({ repositoryId: params.data.id, reason: ignored }, 'repository webhook: nothing to sync');
        return reply.code(202).send({ queued: false, reason: ignored });
      }
      const { jobId } = await deps.queue.enqueueNow(target.orgId, params.data.id);
      request.log.info({ repositoryId: params.data.id, jobId }, 'repository webhook: sync queued');
      return reply.code(202).send({ queued: true });
    });
  });
};
