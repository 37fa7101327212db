import { createHmac } from 'node:crypto';

/** The `authentication.schemes` entry that asks us to sign each notification with `credentials` as the key. */
export const HMAC_SCHEME = 'HMAC-SHA256';
export const SIGNATURE_HEADER = 'x-shaman-signature';

/** `sha256=<hex>`: HMAC-SHA256 over the exact body bytes, as GitHub signs webhooks, so receivers know the recipe. */
export const signBody = (body: string, secret: string): string => `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

export type NotificationAuth = { schemes: readonly string[]; credentials: string | null };

/**
 * The headers of one notification. `X-A2A-Notification-Token` echoes the caller's token (spec); `Bearer` and
 * `Basic` schemes put the credentials in `Authorization`; `HMAC-SHA256` signs the body with them. The delivery
 * id lets a receiver drop a notification it has already processed (delivery is at least once).
 */
export const notificationHeaders = (input: { body: string; token: string | null; auth: NotificationAuth; deliveryId: string; eventSeq: number }): Record<string, string> => {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shaman-delivery-id': input.deliveryId,
    'x-shaman-event-sequence': String(input.eventSeq),
  };
  if (input.token !== null) headers['x-a2a-notification-token'] = input.token;
  const { schemes, credentials } = input.auth;
  if (credentials === null) return headers;
  const has = (name: string) => schemes.some((s) => s.toLowerCase() === name.toLowerCase());
  if (has('Bearer')) headers['authorization'] = `Bearer ${credentials}`;
  else if (has('Basic')) headers['authorization'] = `Basic ${credentials}`;
  if (has(HMAC_SCHEME)) headers[SIGNATURE_HEADER] = signBody(input.body, credentials);
  return headers;
};
