export { type InternalCallClaims, MAX_TOKEN_LIFETIME_SECONDS } from './claims.js';
export { InternalTokenError, type InternalTokenErrorCode } from './errors.js';
export { createInternalTokenIssuer, type InternalTokenIssuer, type InternalTokenIssuerOptions } from './issuer.js';
export { createInternalTokenVerifier, type InternalTokenVerifier, type InternalTokenVerifierOptions } from './verifier.js';
export { createRedisJtiGuard, createMemoryJtiGuard, type JtiReplayGuard } from './replay-guard.js';
export {
  generateInternalKeyPair,
  loadInternalKeys,
  parseInternalSigningKey,
  parseInternalVerificationKeys,
  publishedJwks,
  InternalKeyConfigError,
  type InternalAsymmetricAlg,
  type InternalKeys,
  type InternalSigningKey,
  type InternalVerificationKeys,
} from './keys.js';
