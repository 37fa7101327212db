import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backoffAfter } from './backoff.js';
import { notificationHeaders, signBody } from './sign-notification.js';

const base = { body: '{"kind":"task"}', deliveryId: 'd1', eventSeq: 42 };

describe('notification headers', () => {
  it('echoes the token and names the delivery; no Authorization or signature without credentials', () => {
    const h = notificationHeaders({ ...base, token: 'tok', auth: { schemes: ['Bearer'], credentials: null } });
    expect(h).toEqual({ 'content-type': 'application/json', 'x-a2a-notification-token': 'tok', 'x-shaman-delivery-id': 'd1', 'x-shaman-event-sequence': '42' });
  });
  it('puts Bearer credentials in Authorization and signs the exact body for HMAC-SHA256', () => {
    const h = notificationHeaders({ ...base, token: null, auth: { schemes: ['bearer', 'HMAC-SHA256'], credentials: 's3cret' } });
    expect(h['authorization']).toBe('Bearer s3cret');
    expect(h['x-shaman-signature']).toBe(`sha256=${createHmac('sha256', 's3cret').update(base.body).digest('hex')}`);
    expect(h['x-a2a-notification-token']).toBeUndefined();
    expect(signBody(`${base.body} `, 's3cret')).not.toBe(h['x-shaman-signature']);
  });
});

describe('backoffAfter', () => {
  it('doubles from the base per failed try and stops at five minutes', () => {
    expect([1, 2, 3, 4].map((n) => backoffAfter(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffAfter(30, 1000)).toBe(300_000);
  });
});
