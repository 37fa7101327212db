import { base64url, decodeProtectedHeader, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import type { InternalCallClaims } from './claims.js';
import { InternalTokenError, type InternalTokenErrorCode } from './errors.js';
import { createInternalTokenIssuer } from './issuer.js';
import { generateInternalKeyPair, parseInternalSigningKey, parseInternalVerificationKeys, publishedJwks, type InternalSigningKey } from './keys.js';
import { createMemoryJtiGuard } from './replay-guard.js';
import { createInternalTokenVerifier } from './verifier.js';

const claims: InternalCallClaims = { orgId: 'org-1', runId: 'run-1', parentStepId: 'step-1', depth: 2, initiatorId: 'step-1', chain: ['planner', 'researcher'] };
const NOW = new Date('2026-01-01T12:00:00Z');
const nowS = NOW.getTime() / 1000;
const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';

const pair = async (alg: 'EdDSA' | 'ES256' = 'EdDSA') => {
  const { privateJwk, publicJwks } = await generateInternalKeyPair({ alg });
  const key = (await parseInternalSigningKey({ privateJwk: JSON.stringify(privateJwk) }))!;
  return { privateJwk, publicJwks, key };
};
const setup = async (alg: 'EdDSA' | 'ES256' = 'EdDSA') => {
  const p = await pair(alg);
  const keys = (await parseInternalVerificationKeys({ jwks: JSON.stringify(p.publicJwks) }))!;
  const verifier = createInternalTokenVerifier({ issuer: 'shaman', audience: 'shaman-internal', keys, replay: createMemoryJtiGuard(() => NOW), clock: () => NOW });
  const issuer = createInternalTokenIssuer({ issuer: 'shaman', audience: 'shaman-internal', key: p.key, clock: () => NOW });
  return { ...p, verifier, issuer };
};

/** Signs an arbitrary payload with a key, for the tokens no honest issuer produces. */
const forge = async (key: InternalSigningKey, payload: Record<string, unknown>) => {
  const header = key.alg === 'HS256' ? { alg: 'HS256' } : { alg: key.alg, kid: key.kid };
  return new SignJWT(payload).setProtectedHeader(header).sign(key.alg === 'HS256' ? key.secret : (key.key as CryptoKey));
};
const standard = (over: Record<string, unknown> = {}) => ({
  iss: 'shaman', aud: 'shaman-internal', iat: nowS, exp: nowS + 60, jti: `jti-${Math.random()}`,
  sub: 'step-1', 'shaman:orgId': 'org-1', 'shaman:runId': 'run-1', 'shaman:parentStepId': 'step-1', 'shaman:depth': 2, 'shaman:chain': ['planner'],
  ...over,
});

const refusedWith = async (promise: Promise<unknown>, code: InternalTokenErrorCode) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InternalTokenError);
  expect((error as InternalTokenError).code).toBe(code);
};

describe('platform internal tokens', () => {
  it('round-trips the call claims with EdDSA, and with ES256', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const { issuer, verifier } = await setup(alg);
      const token = await issuer.issue(claims);
      expect(decodeProtectedHeader(token)).toMatchObject({ alg, typ: 'JWT' });
      expect(await verifier.verify(token)).toEqual(claims);
    }
  });

  it('puts iss, aud, iat, exp (60 s by default) and a jti on every token', async () => {
    const { issuer } = await setup();
    const [a, b] = [await issuer.issue(claims), await issuer.issue(claims)];
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(a.split('.')[1]!))) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: 'shaman', aud: 'shaman-internal', iat: nowS, exp: nowS + 60, sub: 'step-1', 'shaman:depth': 2 });
    expect(typeof payload['jti']).toBe('string');
    expect(a).not.toBe(b);
  });

  it('refuses an expired token', async () => {
    const { key, verifier } = await setup();
    const past = createInternalTokenIssuer({ issuer: 'shaman', audience: 'shaman-internal', key, clock: () => new Date(NOW.getTime() - 120_000) });
    await refusedWith(verifier.verify(await past.issue(claims)), 'expired');
  });

  it('refuses a token issued in the future (beyond the clock tolerance)', async () => {
    const { key, verifier } = await setup();
    const future = createInternalTokenIssuer({ issuer: 'shaman', audience: 'shaman-internal', key, clock: () => new Date(NOW.getTime() + 60_000) });
    await refusedWith(verifier.verify(await future.issue(claims)), 'not_yet_valid');
    // Within the tolerance (10 s) it is accepted.
    const skewed = createInternalTokenIssuer({ issuer: 'shaman', audience: 'shaman-internal', key, clock: () => new Date(NOW.getTime() + 5_000) });
    expect(await verifier.verify(await skewed.issue(claims))).toEqual(claims);
  });

  it('refuses a token for another audience', async () => {
    const { key, verifier } = await setup();
    const other = createInternalTokenIssuer({ issuer: 'shaman', audience: 'someone-else', key, clock: () => NOW });
    await refusedWith(verifier.verify(await other.issue(claims)), 'bad_audience');
  });

  it('refuses a token from another issuer', async () => {
    const { key, verifier } = await setup();
    const other = createInternalTokenIssuer({ issuer: 'not-shaman', audience: 'shaman-internal', key, clock: () => NOW });
    await refusedWith(verifier.verify(await other.issue(claims)), 'bad_issuer');
  });

  it('refuses a token signed by another key under a trusted kid, or by an unknown key', async () => {
    const { key, verifier } = await setup();
    const stranger = await pair();
    const impostor = { ...stranger.key, kid: (key as { kid: string }).kid } as InternalSigningKey;
    await refusedWith(verifier.verify(await forge(impostor, standard())), 'bad_signature');
    await refusedWith(verifier.verify(await forge(stranger.key, standard())), 'bad_signature');
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const { issuer, verifier } = await setup();
    const [h, , s] = (await issuer.issue(claims)).split('.');
    const altered = base64url.encode(JSON.stringify(standard({ 'shaman:orgId': 'org-2' })));
    await refusedWith(verifier.verify(`${h}.${altered}.${s}`), 'bad_signature');
  });

  it('refuses alg none', async () => {
    const { verifier } = await setup();
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(standard()))}.`;
    await refusedWith(verifier.verify(unsigned), 'alg_not_allowed');
  });

  it('refuses an HS256 token when asymmetric keys are configured', async () => {
    const { verifier } = await setup();
    await refusedWith(verifier.verify(await forge({ alg: 'HS256', secret: new TextEncoder().encode(SECRET) }, standard())), 'alg_not_allowed');
  });

  it('refuses a replayed jti', async () => {
    const { issuer, verifier } = await setup();
    const token = await issuer.issue(claims);
    await verifier.verify(token);
    await refusedWith(verifier.verify(token), 'replayed');
  });

  it('refuses a token missing a standard or a call claim', async () => {
    const { key, verifier } = await setup();
    await refusedWith(verifier.verify(await forge(key, standard({ jti: undefined }))), 'missing_claims');
    await refusedWith(verifier.verify(await forge(key, standard({ exp: undefined }))), 'missing_claims');
    await refusedWith(verifier.verify(await forge(key, standard({ 'shaman:runId': undefined }))), 'missing_claims');
    await refusedWith(verifier.verify(await forge(key, standard({ 'shaman:depth': 'deep' }))), 'missing_claims');
    // A chain entry that is no agent name (a dot would break NATS subjects downstream).
    await refusedWith(verifier.verify(await forge(key, standard({ 'shaman:chain': ['a.b'] }))), 'missing_claims');
  });

  it('refuses a token that lives longer than 5 minutes, and an issuer configured for that', async () => {
    const { key, verifier } = await setup();
    await refusedWith(verifier.verify(await forge(key, standard({ exp: nowS + 301 }))), 'lifetime_too_long');
    expect(await verifier.verify(await forge(key, standard({ exp: nowS + 300 })))).toMatchObject({ runId: 'run-1' });
    expect(() => createInternalTokenIssuer({ issuer: 'shaman', audience: 'shaman-internal', key, ttlSeconds: 301 })).toThrow(RangeError);
  });

  it('refuses what is not a JWS at all', async () => {
    const { verifier } = await setup();
    await refusedWith(verifier.verify('sk_live_not_a_token'), 'malformed');
    await refusedWith(verifier.verify('a.b.c'), 'malformed');
  });

  it('accepts every key of a JWKS during a rotation', async () => {
    const [a, b] = [await pair(), await pair('ES256')];
    const keys = (await parseInternalVerificationKeys({ jwks: JSON.stringify({ keys: [...a.publicJwks.keys, ...b.publicJwks.keys] }) }))!;
    const verifier = createInternalTokenVerifier({ issuer: 'shaman', audience: 'shaman-internal', keys, replay: createMemoryJtiGuard(), clock: () => NOW });
    for (const p of [a, b]) expect(await verifier.verify(await createInternalTokenIssuer({ issuer: 'shaman', audience: 'shaman-internal', key: p.key, clock: () => NOW }).issue(claims))).toEqual(claims);
  });

  it('with only the shared secret configured, accepts HS256 and nothing else', async () => {
    const keys = (await parseInternalVerificationKeys({ secret: SECRET }))!;
    const key = (await parseInternalSigningKey({ secret: SECRET }))!;
    const verifier = createInternalTokenVerifier({ issuer: 'shaman', audience: 'shaman-internal', keys, replay: createMemoryJtiGuard(), clock: () => NOW });
    expect(await verifier.verify(await createInternalTokenIssuer({ issuer: 'shaman', audience: 'shaman-internal', key, clock: () => NOW }).issue(claims))).toEqual(claims);
    const { key: ed } = await pair();
    await refusedWith(verifier.verify(await forge(ed, standard())), 'alg_not_allowed');
    const wrong = { alg: 'HS256', secret: new TextEncoder().encode(`${SECRET}-other`) } as const;
    await refusedWith(verifier.verify(await forge(wrong, standard())), 'bad_signature');
    expect(publishedJwks(keys)).toEqual({ keys: [] });
  });

  it('prefers the JWKS over the secret, and publishes public members only', async () => {
    const { publicJwks, privateJwk } = await pair();
    const keys = (await parseInternalVerificationKeys({ jwks: JSON.stringify(publicJwks), secret: SECRET }))!;
    expect(keys.kind).toBe('jwks');
    const [published] = publishedJwks(keys).keys as [JWK];
    expect(published).toEqual({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x, kid: privateJwk.kid, alg: 'EdDSA', use: 'sig' });
    await expect(importJWK(published, 'EdDSA')).resolves.toBeDefined();
  });

  it('refuses bad key configuration with the variable named', async () => {
    const { privateJwk } = await pair();
    await expect(parseInternalVerificationKeys({ jwks: JSON.stringify({ keys: [privateJwk] }) })).rejects.toThrow(/SHAMAN_INTERNAL_JWKS keys\[0\]: .*public keys only/);
    await expect(parseInternalVerificationKeys({ jwks: '{"keys":[]}' })).rejects.toThrow(/SHAMAN_INTERNAL_JWKS: must be a JWKS/);
    await expect(parseInternalVerificationKeys({ jwks: 'nope' })).rejects.toThrow(/SHAMAN_INTERNAL_JWKS: not valid JSON/);
    await expect(parseInternalSigningKey({ privateJwk: JSON.stringify({ ...privateJwk, d: undefined }) })).rejects.toThrow(/SHAMAN_INTERNAL_JWT_PRIVATE_KEY: must be a private JWK/);
    await expect(parseInternalSigningKey({ secret: 'short' })).rejects.toThrow(/SHAMAN_INTERNAL_JWT_SECRET: .*32 bytes/);
    expect(await parseInternalSigningKey({})).toBeNull();
  });
});
