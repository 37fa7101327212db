import { fromWire, MAX_TOKEN_LIFETIME_SECONDS, WireClaims, type InternalCallClaims } from './claims.js';
import { InternalTokenError } from './errors.js';

export type ClaimCheck = { issuer: string; audience: string; nowSeconds: number; toleranceSeconds: number };

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The claim checks of a token whose signature already verified, in a fixed order so each refusal has one
 * reason: who issued it, for whom, whether it is complete, whether it is valid now, and whether its lifetime
 * is within the platform's 5 minutes. Returns the call claims and the `jti`/`exp` the replay guard needs.
 */
export const checkClaims = (payload: Record<string, unknown>, check: ClaimCheck): { claims: InternalCallClaims; jti: string; exp: number } => {
  if (payload['iss'] !== check.issuer) throw new InternalTokenError('bad_issuer', 'the token was not issued by this platform');
  const aud = payload['aud'];
  if (!(aud === check.audience || (Array.isArray(aud) && aud.includes(check.audience)))) throw new InternalTokenError('bad_audience', 'the token is not meant for this audience');
  const { iat, exp, jti, nbf } = payload;
  if (!isNumber(iat) || !isNumber(exp) || typeof jti !== 'string' || jti.length === 0) {
    const missing = [isNumber(iat) ? null : 'iat', isNumber(exp) ? null : 'exp', typeof jti === 'string' && jti ? null : 'jti'].filter((c) => c !== null);
    throw new InternalTokenError('missing_claims', `the token lacks ${missing.join(', ')}`);
  }
  const { nowSeconds: now, toleranceSeconds: tolerance } = check;
  if (iat > now + tolerance) throw new InternalTokenError('not_yet_valid', 'the token was issued in the future');
  if (isNumber(nbf) && nbf > now + tolerance) throw new InternalTokenError('not_yet_valid', 'the token is not valid yet');
  if (exp <= now - tolerance) throw new InternalTokenError('expired', 'the token has expired');
  if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS) throw new InternalTokenError('lifetime_too_long', `the token lives ${exp - iat} s, more than ${MAX_TOKEN_LIFETIME_SECONDS} s`);
  const wire = WireClaims.safeParse(payload);
  if (!wire.success) {
    const paths = [...new Set(wire.error.issues.map((i) => i.path.join('.')))];
    throw new InternalTokenError('missing_claims', `the token's call claims are missing or invalid: ${paths.join(', ')}`);
  }
  return { claims: fromWire(wire.data), jti, exp };
};
