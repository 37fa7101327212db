import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Why a secret could not be sealed or opened; one class over a closed set (STYLE §6). */
export type SecretBoxErrorCode = 'secret.bad_key' | 'secret.malformed' | 'secret.unsupported_version' | 'secret.cannot_decrypt';

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  constructor(readonly code: SecretBoxErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export type SecretBox = {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
};

const VERSION = 'v1';
// 96-bit IVs are what GCM is specified for; a random one per secret never repeats in practice at our volume.
const IV_BYTES = 12;
const TAG_BYTES = 16;

const parseKey = (keyBase64: string): Buffer => {
  const key = Buffer.from(keyBase64, 'base64');
  // Buffer.from ignores junk characters, so a truncated or mistyped key shows up as the wrong length.
  if (key.length !== 32) {
    throw new SecretBoxError('secret.bad_key', `secret key must be 32 bytes encoded in base64 (got ${key.length} bytes)`);
  }
  return key;
};

/**
 * AES-256-GCM for secrets at rest (git tokens). The format is `v1:<iv>:<tag>:<data>` in base64url, so a future
 * key rotation or algorithm change can add `v2` and still read old rows. GCM authenticates: a wrong key or any
 * edited byte fails to open instead of yielding garbage.
 */
export const createSecretBox = (keyBase64: string): SecretBox => {
  const key = parseKey(keyBase64);
  return {
    encrypt: (plaintext) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
      return [VERSION, ...parts].join(':');
    },
    decrypt: (ciphertext) => {
      const [version, ...parts] = ciphertext.split(':');
      if (version !== VERSION) throw new SecretBoxError('secret.unsupported_version', `unsupported secret format ${JSON.stringify(version)} (expected ${VERSION})`);
      const [iv, tag, data] = parts.map((p) => Buffer.from(p, 'base64url'));
      if (parts.length !== 3 || !iv || !tag || !data || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new SecretBoxError('secret.malformed', 'malformed secret: expected v1:<iv>:<tag>:<data>');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
      } catch (error) {
        // Node's message ("Unsupported state or unable to authenticate data") does not say what to check.
        throw new SecretBoxError('secret.cannot_decrypt', 'cannot decrypt secret: wrong SHAMAN_SECRET_KEY or the ciphertext was altered', { cause: error });
      }
    },
  };
};

/** A fresh random key in the configuration format (base64 of 32 bytes). */
export const generateSecretKey = (): string => randomBytes(32).toString('base64');
