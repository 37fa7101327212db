import { judgeRpc, send, type Probe, type Target } from './probe.js';

/** Push-notification URLs aimed at the platform's own network. */
const TARGETS = [
  'http://127.0.0.1:22/',
  'http://localhost/hook',
  'http://[::1]/hook',
  'http://2130706433/hook', // 127.0.0.1 as one decimal number
  'http://0x7f000001/hook', // and in hex
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
];

const sendWithPush = (t: Target, url: string) =>
  send(`${t.gatewayUrl}/a2a/v1`, {
    headers: { 'content-type': 'application/json', 'x-api-key': t.apiKey },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: {
        message: { kind: 'message', messageId: `push-${url}`, role: 'user', parts: [{ kind: 'text', text: 'hi' }] },
        metadata: { agent: 'Assistant' },
        configuration: { blocking: false, pushNotificationConfig: { url, token: 't' } },
      },
    }),
  });

// Refused before anything is recorded: invalid params (the SSRF guard's reason in data), or push unsupported
// when the deployment has no push delivery.
export const pushProbes = (): Probe[] =>
  TARGETS.map((url): Probe => ({ category: 'SSRF targets', name: `push to ${url}`, run: async (t) => judgeRpc(await sendWithPush(t, url), [-32602, -32003]) }));
