import type { Redis } from 'ioredis';

/** Remembers every `jti` until its token expires: a token is good for one call. */
export type JtiReplayGuard = {
  /** True the first time a jti is claimed; false when it was seen before (a replay). */
  claim(jti: string, expiresAt: Date): Promise<boolean>;
};

/**
 * The replay guard every gateway process shares: `SET <prefix><jti> 1 NX PXAT <expiry>`, one atomic round trip
 * that both checks and records. Keys expire with the token, so memory is bounded by the calls of the last
 * few minutes.
 */
export const createRedisJtiGuard = (redis: Redis, prefix: string): JtiReplayGuard => ({
  claim: async (jti, expiresAt) => {
    // PXAT in the past would make the key vanish at once; keep it at least a second.
    const at = Math.max(expiresAt.getTime(), Date.now() + 1000);
    return (await redis.set(`${prefix}${jti}`, '1', 'PXAT', at, 'NX')) === 'OK';
  },
});

/** In-process guard for a single verifier (unit tests, one-process tools); not shared across processes. */
export const createMemoryJtiGuard = (clock: () => Date = () => new Date()): JtiReplayGuard => {
  const seen = new Map<string, number>();
  return {
    claim: async (jti, expiresAt) => {
      const now = clock().getTime();
      for (const [key, until] of seen) if (until <= now) seen.delete(key);
      if (seen.has(jti)) return false;
      seen.set(jti, expiresAt.getTime());
      return true;
    },
  };
};
