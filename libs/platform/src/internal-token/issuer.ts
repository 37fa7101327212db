import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { MAX_TOKEN_LIFETIME_SECONDS, toWire, WireClaims, type InternalCallClaims } from './claims.js';
import type { InternalSigningKey } from './keys.js';

export type InternalTokenIssuer = { issue(claims: InternalCallClaims): Promise<string> };

export type InternalTokenIssuerOptions = {
  issuer: string;
  audience: string;
  key: InternalSigningKey;
  /** Lifetime of each token; default 60 s, at most 300 s (verifiers refuse longer ones). */
  ttlSeconds?: number;
  clock?: () => Date;
};

/**
 * Signs one short-lived token per internal call: `iss`, `aud`, `iat`, `exp`, a fresh `jti` (verifiers accept it
 * once) and the call's workflow context. A retried call gets a new token; the gateway recognises the retry by
 * its messageId, not by the token.
 */
export const createInternalTokenIssuer = (options: InternalTokenIssuerOptions): InternalTokenIssuer => {
  const ttl = options.ttlSeconds ?? 60;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_LIFETIME_SECONDS) throw new RangeError(`ttlSeconds must be an integer in 1..${MAX_TOKEN_LIFETIME_SECONDS}, got ${ttl}`);
  const clock = options.clock ?? (() => new Date());
  const { key } = options;
  return {
    issue: async (claims) => {
      const iat = Math.floor(clock().getTime() / 1000);
      const jwt = new SignJWT(WireClaims.parse(toWire(claims)))
        .setProtectedHeader(key.alg === 'HS256' ? { alg: 'HS256', typ: 'JWT' } : { alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .setJti(randomUUID());
      return jwt.sign(key.alg === 'HS256' ? key.secret : key.key);
    },
  };
};
