import { withOrg, type Pool } from '@shaman/platform';
import { A2AError } from '../errors.js';

/** The platform's call-depth limit when neither the deployment nor the organization sets one (DESIGN §4). */
export const DEFAULT_MAX_CALL_DEPTH = 8;

/**
 * Each organization's call-depth limit: `organizations.max_call_depth` (migration 0014), else the deployment's
 * default. Remembered briefly, as the tenant directory remembers organizations: it changes rarely and every
 * internal call needs it.
 */
export const createCallDepthLimits = (pool: Pool, options: { fallback: number; ttlMs?: number }) => {
  const ttl = options.ttlMs ?? 5000;
  const cache = new Map<string, { limit: number; at: number }>();
  return async (orgId: string): Promise<number> => {
    const hit = cache.get(orgId);
    if (hit && Date.now() - hit.at < ttl) return hit.limit;
    const row = await withOrg(pool, orgId, async (c) => (await c.query<{ max_call_depth: number | null }>('SELECT max_call_depth FROM organizations WHERE id = $1', [orgId])).rows[0]);
    const limit = row?.max_call_depth ?? options.fallback;
    cache.set(orgId, { limit, at: Date.now() });
    return limit;
  };
};
export type CallDepthLimits = ReturnType<typeof createCallDepthLimits>;

/**
 * The refusal of a call beyond the limit. It names the chain, so a runaway cycle reads as what it is
 * (`a → b → a → … cannot call b`) in the caller's observation and in the logs.
 */
export const depthLimitError = (input: { limit: number; chain: readonly string[]; agent: string }): A2AError =>
  new A2AError('invalid_params', `call depth limit ${input.limit} reached: ${input.chain.join(' → ')} cannot call ${input.agent}`, {
    reason: 'depth_limit',
    limit: input.limit,
    chain: input.chain,
    agent: input.agent,
  });
