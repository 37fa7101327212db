import { describe, expect, it } from 'vitest';
import { createSecretBox, generateSecretKey, SecretBoxError } from './secret-box.js';

describe('secret box (AES-256-GCM)', () => {
  const box = createSecretBox(generateSecretKey());

  it('round-trips a token in the v1 format, with a fresh IV each time', () => {
    const a = box.encrypt('ghp_secret');
    const b = box.encrypt('ghp_secret');
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('ghp_secret');
    expect(box.decrypt(a)).toBe('ghp_secret');
  });

  it('refuses to open with another key', () => {
    const sealed = box.encrypt('ghp_secret');
    expect(() => createSecretBox(generateSecretKey()).decrypt(sealed)).toThrow(/wrong SHAMAN_SECRET_KEY or the ciphertext was altered/);
  });

  it('detects tampering with the data or the tag', () => {
    const [v, iv, tag, data] = box.encrypt('ghp_secret').split(':') as [string, string, string, string];
    const flip = (s: string) => Buffer.from(Buffer.from(s, 'base64url').map((byte, i) => (i === 0 ? byte ^ 1 : byte))).toString('base64url');
    expect(() => box.decrypt([v, iv, tag, flip(data)].join(':'))).toThrow(SecretBoxError);
    expect(() => box.decrypt([v, iv, flip(tag), data].join(':'))).toThrow(/cannot decrypt/);
  });

  it('names malformed input and unknown versions', () => {
    expect(() => box.decrypt('v1:abc')).toThrow(expect.objectContaining({ code: 'secret.malformed' }));
    expect(() => box.decrypt('v9:a:b:c')).toThrow(expect.objectContaining({ code: 'secret.unsupported_version' }));
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createSecretBox(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
