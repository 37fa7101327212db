import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignature } from './webhook.route.js';

const body = Buffer.from('{"ref":"refs/heads/main"}');
const hex = createHmac('sha256', 'secret').update(body).digest('hex');

describe('verifySignature (GitHub X-Hub-Signature-256)', () => {
  it('accepts the HMAC of the raw body, in either hex case', () => {
    expect(verifySignature('secret', body, `sha256=${hex}`)).toBe(true);
    expect(verifySignature('secret', body, `sha256=${hex.toUpperCase()}`)).toBe(true);
  });
  it.each([
    ['no header', undefined],
    ['a header list', [`sha256=${hex}`]],
    ['another secret', `sha256=${createHmac('sha256', 'other').update(body).digest('hex')}`],
    ['a truncated digest', `sha256=${hex.slice(0, 62)}`],
    ['sha1', `sha1=${hex}`],
    ['no scheme', hex],
  ])('refuses %s', (_, header) => {
    expect(verifySignature('secret', body, header)).toBe(false);
  });
});
