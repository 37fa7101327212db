import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

/** Asymmetric algorithms a platform token may use; HS256 only with a configured shared secret. */
export type InternalAsymmetricAlg = 'EdDSA' | 'ES256';

/** How an issuer signs: a private key (EdDSA/ES256, named by `kid`), or the HS256 fallback secret. */
export type InternalSigningKey = { alg: InternalAsymmetricAlg; kid: string; key: CryptoKey } | { alg: 'HS256'; secret: Uint8Array };

/**
 * What a verifier trusts: a public JWKS (several keys during a rotation, each with its `kid` and `alg`), or the
 * shared secret, in which case HS256 is the only algorithm accepted.
 */
export type InternalVerificationKeys = { kind: 'jwks'; jwks: { keys: JWK[] } } | { kind: 'secret'; secret: Uint8Array };

/** A configuration problem with the internal keys; the message names the variable and never echoes key material. */
export class InternalKeyConfigError extends Error {
  override readonly name = 'InternalKeyConfigError';
}

/** A shared secret shorter than this is refused (RFC 7518 §3.2: at least the hash size, 256 bits). */
const MIN_SECRET_BYTES = 32;

const algOf = (jwk: JWK, source: string): InternalAsymmetricAlg => {
  const alg = jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : null;
  if (!alg) throw new InternalKeyConfigError(`${source}: only Ed25519 (OKP) and P-256 (EC) keys are supported, got kty ${String(jwk.kty)} crv ${String(jwk.crv)}`);
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519')) throw new InternalKeyConfigError(`${source}: the key's alg ${jwk.alg} does not match its curve (${alg})`);
  return alg;
};

const parseJson = (text: string, source: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InternalKeyConfigError(`${source}: not valid JSON`);
  }
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The public members of a signing key, as a JWKS publishes it (never `d`). */
const publicPart = (jwk: JWK, alg: InternalAsymmetricAlg, kid: string): JWK => ({
  kty: jwk.kty,
  crv: jwk.crv,
  x: jwk.x,
  ...(jwk.y === undefined ? {} : { y: jwk.y }),
  kid,
  alg,
  use: 'sig',
});

const secretOf = (secret: string, source: string): Uint8Array => {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) throw new InternalKeyConfigError(`${source}: an HS256 secret needs at least ${MIN_SECRET_BYTES} bytes`);
  return bytes;
};

/**
 * The signer's key: `SHAMAN_INTERNAL_JWT_PRIVATE_KEY` (a private JWK, Ed25519 or P-256) when set, else the
 * HS256 fallback secret; null when neither is configured. A key without `kid` is named by its RFC 7638
 * thumbprint, which is what a JWKS built from the same key computes too.
 */
export const parseInternalSigningKey = async (input: { privateJwk?: string | undefined; secret?: string | undefined }): Promise<InternalSigningKey | null> => {
  if (input.privateJwk) {
    const source = 'SHAMAN_INTERNAL_JWT_PRIVATE_KEY';
    const jwk = parseJson(input.privateJwk, source);
    if (!isObject(jwk) || typeof jwk['d'] !== 'string') throw new InternalKeyConfigError(`${source}: must be a private JWK (an object with "d")`);
    const alg = algOf(jwk as JWK, source);
    const kid = typeof jwk['kid'] === 'string' && jwk['kid'] ? jwk['kid'] : await calculateJwkThumbprint(jwk as JWK);
    const key = await importJWK({ ...(jwk as JWK), alg }, alg).catch((error: unknown) => {
      throw new InternalKeyConfigError(`${source}: the key cannot be imported`, { cause: error });
    });
    return { alg, kid, key: key as CryptoKey };
  }
  return input.secret ? { alg: 'HS256', secret: secretOf(input.secret, 'SHAMAN_INTERNAL_JWT_SECRET') } : null;
};

/**
 * The verifier's keys: `SHAMAN_INTERNAL_JWKS` (public keys only) when set, else the HS256 fallback secret; null
 * when neither is configured. With a JWKS configured the secret is ignored, so HS256 is never accepted
 * alongside asymmetric keys (an attacker who learns the secret cannot mint tokens the JWKS side accepts).
 */
export const parseInternalVerificationKeys = async (input: { jwks?: string | undefined; secret?: string | undefined }): Promise<InternalVerificationKeys | null> => {
  if (input.jwks) {
    const source = 'SHAMAN_INTERNAL_JWKS';
    const set = parseJson(input.jwks, source);
    const keys = isObject(set) ? set['keys'] : undefined;
    if (!Array.isArray(keys) || keys.length === 0) throw new InternalKeyConfigError(`${source}: must be a JWKS, {"keys": [...]} with at least one key`);
    const parsed = await Promise.all(
      keys.map(async (raw: unknown, i) => {
        const where = `${source} keys[${i}]`;
        if (!isObject(raw)) throw new InternalKeyConfigError(`${where}: not a JWK`);
        if ('d' in raw || 'k' in raw) throw new InternalKeyConfigError(`${where}: a JWKS for verifiers holds public keys only (found private or secret key material)`);
        const jwk = raw as JWK;
        const alg = algOf(jwk, where);
        const kid = typeof jwk.kid === 'string' && jwk.kid ? jwk.kid : await calculateJwkThumbprint(jwk);
        await importJWK({ ...jwk, alg }, alg).catch((error: unknown) => {
          throw new InternalKeyConfigError(`${where}: the key cannot be imported`, { cause: error });
        });
        return publicPart(jwk, alg, kid);
      }),
    );
    const kids = parsed.map((k) => k.kid);
    const duplicate = kids.find((kid, i) => kids.indexOf(kid) !== i);
    if (duplicate) throw new InternalKeyConfigError(`${source}: kid ${duplicate} names two keys`);
    return { kind: 'jwks', jwks: { keys: parsed } };
  }
  return input.secret ? { kind: 'secret', secret: secretOf(input.secret, 'SHAMAN_INTERNAL_JWT_SECRET') } : null;
};

/** What `GET /.well-known/jwks.json` publishes: the public keys, or none at all under the HS256 fallback. */
export const publishedJwks = (keys: InternalVerificationKeys): { keys: JWK[] } => (keys.kind === 'jwks' ? { keys: keys.jwks.keys } : { keys: [] });

/** A fresh key pair for `shaman dev` and tests: the private JWK for signers, the JWKS for verifiers. */
export const generateInternalKeyPair = async (options: { alg?: InternalAsymmetricAlg } = {}): Promise<{ privateJwk: JWK; publicJwks: { keys: JWK[] } }> => {
  const alg = options.alg ?? 'EdDSA';
  const pair = await generateKeyPair(alg, { extractable: true });
  const privateJwk = await exportJWK(pair.privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  return { privateJwk: { ...privateJwk, kid, alg }, publicJwks: { keys: [publicPart(privateJwk, alg, kid)] } };
};

/** The internal-token settings from an app's (already read) environment; see docs/a2a.md "Internal role". */
export const loadInternalKeys = async (env: Record<string, string | undefined>) => ({
  issuer: env['SHAMAN_INTERNAL_JWT_ISSUER'] || 'shaman',
  audience: env['SHAMAN_INTERNAL_JWT_AUDIENCE'] || 'shaman-internal',
  signingKey: await parseInternalSigningKey({ privateJwk: env['SHAMAN_INTERNAL_JWT_PRIVATE_KEY'], secret: env['SHAMAN_INTERNAL_JWT_SECRET'] }),
  verificationKeys: await parseInternalVerificationKeys({ jwks: env['SHAMAN_INTERNAL_JWKS'], secret: env['SHAMAN_INTERNAL_JWT_SECRET'] }),
});
export type InternalKeys = Awaited<ReturnType<typeof loadInternalKeys>>;
