import { describe, expect, it } from 'vitest';
import { assertPublicUrl, UrlRefusedError, type UrlRefusedReason } from './ssrf-guard.js';

const refusal = async (url: string): Promise<UrlRefusedError> => {
  const error: unknown = await assertPublicUrl(url, { allowPrivate: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UrlRefusedError)) throw new Error(`expected ${url} to be refused`);
  return error;
};

describe('assertPublicUrl', () => {
  it.each<[string, UrlRefusedReason, string]>([
    ['http://127.0.0.1:8080/mcp', 'loopback', '127.0.0.1'],
    ['http://127.45.6.7/', 'loopback', '127.45.6.7'],
    ['http://[::1]:3000/', 'loopback', '::1'],
    ['http://[::ffff:127.0.0.1]/', 'loopback', '::ffff:7f00:1'],
    ['http://0x7f.1/', 'loopback', '127.0.0.1'],
    ['http://2130706433/', 'loopback', '127.0.0.1'],
    ['http://10.1.2.3/', 'private', '10.1.2.3'],
    ['http://172.16.0.1/', 'private', '172.16.0.1'],
    ['http://172.31.255.254/', 'private', '172.31.255.254'],
    ['https://192.168.1.1/', 'private', '192.168.1.1'],
    ['http://[fd12:3456::1]/', 'private', 'fd12:3456::1'],
    ['http://[fc00::1]/', 'private', 'fc00::1'],
    ['http://169.254.10.20/', 'link_local', '169.254.10.20'],
    ['http://[fe80::1]/', 'link_local', 'fe80::1'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata', '169.254.169.254'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata', 'metadata.google.internal'],
    ['http://0.0.0.0:80/', 'unspecified', '0.0.0.0'],
    ['http://[::]/', 'unspecified', '::'],
    ['http://224.0.0.1/', 'reserved', '224.0.0.1'],
  ])('refuses %s as %s', async (url, reason, host) => {
    const error = await refusal(url);
    expect(error.reason).toBe(reason);
    expect(error.host).toBe(host);
    expect(error.message).toContain(`host "${host}"`);
  });

  it('refuses localhost by what it resolves to', async () => {
    const error = await refusal('http://localhost:4000/mcp');
    expect(error.reason).toBe('loopback');
    expect(error.message).toMatch(/host "localhost": is a loopback address \(resolves to (127\.0\.0\.1|::1)\)/);
  });

  it.each(['http://8.8.8.8/', 'https://172.32.0.1/', 'https://[2001:4860:4860::8888]/mcp', 'http://100.63.255.255/'])('allows the public address %s', async (url) => {
    await expect(assertPublicUrl(url, { allowPrivate: false })).resolves.toBeInstanceOf(URL);
  });

  it('refuses anything but http and https, even when private addresses are allowed', async () => {
    for (const url of ['ftp://8.8.8.8/', 'file:///etc/passwd', 'gopher://127.0.0.1/']) {
      const error: unknown = await assertPublicUrl(url, { allowPrivate: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UrlRefusedError);
      expect((error as UrlRefusedError).reason).toBe('protocol');
    }
  });

  it('refuses what is not a URL', async () => {
    expect((await refusal('not a url')).reason).toBe('invalid_url');
  });

  it('lets private addresses through when configured to', async () => {
    const url = await assertPublicUrl('http://127.0.0.1:9/mcp', { allowPrivate: true });
    expect(url.href).toBe('http://127.0.0.1:9/mcp');
  });
});
