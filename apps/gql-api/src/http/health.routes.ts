import { checkReadiness, postgresCheck, type Pool, type ReadinessCheck } from '@shaman/platform';
import type { FastifyInstance } from 'fastify';

/**
 * `/healthz`: the process answers. `/readyz`: every dependency answers (PostgreSQL, NATS and Redis when
 * started by start.ts; PostgreSQL alone when only a pool is given); the body names each one's state. Neither
 * needs an API key.
 */
export const registerHealthRoutes = (app: FastifyInstance, dependencies: Pool | Record<string, ReadinessCheck>): void => {
  const checks = 'query' in dependencies && typeof dependencies.query === 'function' ? { postgres: postgresCheck(dependencies as Pool) } : (dependencies as Record<string, ReadinessCheck>);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const readiness = await checkReadiness(checks);
    if (!readiness.ready) request.log.warn({ checks: readiness.body.checks }, 'readiness check failed');
    return reply.code(readiness.ready ? 200 : 503).send(readiness.body);
  });
};
