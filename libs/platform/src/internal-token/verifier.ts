import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors, type JWSHeaderParameters, type FlattenedJWSInput, type CryptoKey } from 'jose';
import type { InternalCallClaims } from './claims.js';
import { checkClaims } from './check-claims.js';
import { InternalTokenError } from './errors.js';
import type { InternalVerificationKeys } from './keys.js';
import type { JtiReplayGuard } from './replay-guard.js';

export type InternalTokenVerifier = {
  /** The call claims of a valid, first-seen token; throws InternalTokenError otherwise. */
  verify(token: string): Promise<InternalCallClaims>;
};

export type InternalTokenVerifierOptions = {
  issuer: string;
  audience: string;
  keys: InternalVerificationKeys;
  replay: JtiReplayGuard;
  /** Clock skew accepted between issuer and verifier; default 10 s. */
  clockToleranceSeconds?: number;
  clock?: () => Date;
};

type KeyGetter = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey | Uint8Array>;

/** The algorithm allow-list follows the keys: EdDSA/ES256 for a JWKS, HS256 alone for the fallback secret. */
const allowList = (keys: InternalVerificationKeys): string[] => (keys.kind === 'jwks' ? ['EdDSA', 'ES256'] : ['HS256']);

const keyGetter = (keys: InternalVerificationKeys): KeyGetter => {
  if (keys.kind === 'secret') return async () => keys.secret;
  const set = createLocalJWKSet(keys.jwks);
  return async (header, token) => set(header, token);
};

/** jose's failures, folded onto our codes; anything that is not jose's propagates (a bug, not a bad token). */
const refusal = (error: unknown): InternalTokenError => {
  if (error instanceof InternalTokenError) return error;
  if (error instanceof errors.JOSEAlgNotAllowed) return new InternalTokenError('alg_not_allowed', 'the token\'s algorithm is not accepted', { cause: error });
  if (error instanceof errors.JWSSignatureVerificationFailed) return new InternalTokenError('bad_signature', 'the token\'s signature does not verify', { cause: error });
  if (error instanceof errors.JWKSNoMatchingKey) return new InternalTokenError('bad_signature', 'the token is signed by a key this platform does not trust', { cause: error });
  if (error instanceof errors.JOSEError) return new InternalTokenError('malformed', 'the token is not a well-formed JWS', { cause: error });
  throw error;
};

const decodePayload = (payload: Uint8Array): Record<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new InternalTokenError('malformed', 'the token\'s payload is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InternalTokenError('malformed', 'the token\'s payload is not a claims object');
  return value as Record<string, unknown>;
};

/**
 * Verifies platform tokens (DESIGN §7): the header's `alg` against the allow-list before anything else (so
 * `alg: none` and an HS256 token under asymmetric keys are refused outright), then the signature, then the
 * claims (check-claims.ts), and last the replay guard, so only an otherwise valid token spends its `jti`.
 */
export const createInternalTokenVerifier = (options: InternalTokenVerifierOptions): InternalTokenVerifier => {
  const tolerance = options.clockToleranceSeconds ?? 10;
  const clock = options.clock ?? (() => new Date());
  const algorithms = allowList(options.keys);
  const getKey = keyGetter(options.keys);
  return {
    verify: async (token) => {
      try {
        let alg: unknown;
        try {
          alg = decodeProtectedHeader(token).alg;
        } catch (error) {
          throw new InternalTokenError('malformed', 'the token is not a well-formed JWS', { cause: error });
        }
        if (typeof alg !== 'string' || !algorithms.includes(alg)) throw new InternalTokenError('alg_not_allowed', `the token's algorithm ${String(alg)} is not accepted (allowed: ${algorithms.join(', ')})`);
        const { payload } = await compactVerify(token, getKey, { algorithms });
        const nowSeconds = Math.floor(clock().getTime() / 1000);
        const { claims, jti, exp } = checkClaims(decodePayload(payload), { issuer: options.issuer, audience: options.audience, nowSeconds, toleranceSeconds: tolerance });
        if (!(await options.replay.claim(jti, new Date((exp + tolerance) * 1000)))) throw new InternalTokenError('replayed', 'the token was already used');
        return claims;
      } catch (error) {
        throw refusal(error);
      }
    },
  };
};
