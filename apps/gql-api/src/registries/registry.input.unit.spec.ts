import { describe, expect, it } from 'vitest';
import { isRegistryId, modelCacheProblems, registryInputProblems } from './registry.input.js';

const fields = async (input: { name: string; url: string; authSecret?: string | null }, allowPrivateUrls = false) =>
  (await registryInputProblems(input, { allowPrivateUrls })).map((p) => `${p.field ?? ''}: ${p.message}`);

describe('registry input', () => {
  it('accepts a public https registry with a secret name', async () => {
    expect(await fields({ name: 'partner-reg', url: 'https://93.184.215.14/registry', authSecret: 'PARTNER_TOKEN' })).toEqual([]);
  });

  it.each([
    ['http://127.0.0.1:8080/registry', 'url refused host "127.0.0.1": is a loopback address'],
    ['http://10.1.2.3/registry', 'url refused host "10.1.2.3": is a private address'],
    ['http://169.254.169.254/latest', 'url refused host "169.254.169.254": is a cloud metadata address'],
    ['ftp://93.184.215.14/registry', 'url refused host "93.184.215.14": only http and https are allowed, not ftp'],
    ['not a url', 'url must be an http:// or https:// URL'],
    ['https://user:pw@93.184.215.14/registry', 'url must not carry credentials: store them as a secret and name it in authSecret'],
  ])('refuses %s (SSRF guard)', async (url, message) => {
    expect(await fields({ name: 'r', url })).toEqual([`url: ${message}`]);
  });

  it('lets local registries through when the operator allows local URLs, as for repositories', async () => {
    expect(await fields({ name: 'r', url: 'http://127.0.0.1:8080/registry' }, true)).toEqual([]);
  });

  it('refuses a bad name and a bad secret name', async () => {
    expect(await fields({ name: '-x', url: 'https://93.184.215.14/', authSecret: '${TOKEN}' })).toEqual([
      'name: name must be 1-63 letters, digits, _ or -, starting with a letter or digit',
      'authSecret: authSecret must be a secret name (letters, digits and _, as written in ${NAME})',
    ]);
  });

  it('knows a registry id', () => {
    expect(isRegistryId('0b7a3c1e-4d5f-4a6b-8c9d-0e1f2a3b4c5d')).toBe(true);
    expect(isRegistryId('partner')).toBe(false);
  });
});

describe('model cache input', () => {
  it('accepts null (off) and values in range; refuses the rest by field', () => {
    expect(modelCacheProblems({ ttlSeconds: null })).toEqual([]);
    expect(modelCacheProblems({ ttlSeconds: 2_592_000, maxEntries: 1, maxEntryBytes: 1024 })).toEqual([]);
    expect(modelCacheProblems({ ttlSeconds: 0, maxEntries: 1_000_001, maxEntryBytes: 1.5 }).map((p) => p.field)).toEqual(['ttlSeconds', 'maxEntries', 'maxEntryBytes']);
  });
});
