import { assertPublicUrl, UrlRefusedError, type SecretBox } from '@shaman/platform';
import type { AttemptOutcome, PendingDelivery } from './outbox.js';
import { notificationHeaders } from './sign-notification.js';

export type SendDeps = {
  secretBox: SecretBox | null;
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  fetch?: typeof fetch;
};

const describe = (error: unknown): string => {
  if (error instanceof UrlRefusedError) return error.message;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? `${cause.code}` : error instanceof Error ? error.message : 'request failed';
};

/**
 * POSTs one notification and says how it went; never throws. The URL passes the SSRF guard again (DNS may
 * have changed since the config was stored), and redirects are not followed: a 3xx is a failure, or a
 * public URL could bounce us to a private one. The outcome's error never contains the token or credentials.
 */
export const sendNotification = async (deps: SendDeps, input: { delivery: PendingDelivery; body: string; final: boolean }): Promise<AttemptOutcome> => {
  const { delivery, body, final } = input;
  const { config } = delivery;
  try {
    await assertPublicUrl(config.url, { allowPrivate: deps.allowPrivateNetworks });
    const credentials = config.credentialsCiphertext !== null && deps.secretBox ? deps.secretBox.decrypt(config.credentialsCiphertext) : null;
    const headers = notificationHeaders({ body, token: config.token, auth: { schemes: config.authSchemes, credentials }, deliveryId: delivery.id, eventSeq: delivery.seq });
    const response = await (deps.fetch ?? fetch)(config.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(deps.timeoutMs) });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, httpStatus: response.status };
    return { ok: false, httpStatus: response.status, error: `receiver answered HTTP ${response.status}`, final };
  } catch (error) {
    return { ok: false, httpStatus: null, error: describe(error), final };
  }
};
