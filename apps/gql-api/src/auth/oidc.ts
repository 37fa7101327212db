import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

export type OidcConfig = {
  issuer: string;
  audience: string;
  /** Where the issuer publishes its keys; discovered from `<issuer>/.well-known/openid-configuration` when absent. */
  jwksUrl?: string;
  /** Claims that carry the person's e-mail and display name. The subject is always `sub`. */
  emailClaim: string;
  nameClaim: string;
  algorithms: readonly string[];
};

export type OidcIdentity = { issuer: string; subject: string; email: string | null; name: string | null };

/** Why a token was refused; the message is safe to show (it never echoes the token). */
export class OidcError extends Error {
  override readonly name = 'OidcError';
}

const claim = (payload: JWTPayload, name: string): string | null => {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
};

const discoverJwksUrl = async (issuer: string): Promise<URL> => {
  const res = await fetch(new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`), { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new OidcError(`OIDC discovery at ${issuer} answered ${res.status}`);
  const jwksUri = ((await res.json()) as { jwks_uri?: unknown }).jwks_uri;
  if (typeof jwksUri !== 'string') throw new OidcError(`OIDC discovery at ${issuer} has no jwks_uri`);
  return new URL(jwksUri);
};

/**
 * Verifies people's bearer tokens against the issuer's published keys (jose caches and refreshes the JWKS,
 * and re-fetches once on an unknown `kid`, so key rotation needs no restart). Checks signature, algorithm
 * (never `none`), issuer, audience, expiry and not-before, with 30 s of clock tolerance.
 */
export const createOidcVerifier = (config: OidcConfig) => {
  let jwks: ReturnType<typeof createRemoteJWKSet> | null = null;
  const keys = async () => (jwks ??= createRemoteJWKSet(config.jwksUrl ? new URL(config.jwksUrl) : await discoverJwksUrl(config.issuer)));
  return async (token: string): Promise<OidcIdentity> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keys(), { issuer: config.issuer, audience: config.audience, algorithms: [...config.algorithms], clockTolerance: 30 }));
    } catch (error) {
      if (error instanceof OidcError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new OidcError('the token has expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) throw new OidcError(`the token's ${error.claim} claim is not accepted`);
      throw new OidcError('the token is not valid for this API');
    }
    if (!payload.sub) throw new OidcError('the token has no subject');
    return { issuer: config.issuer, subject: payload.sub, email: claim(payload, config.emailClaim), name: claim(payload, config.nameClaim) };
  };
};
export type OidcVerifier = ReturnType<typeof createOidcVerifier>;

/** A compact JWS: three base64url parts. API keys (`sk_…`) never look like one. */
export const looksLikeJwt = (token: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
